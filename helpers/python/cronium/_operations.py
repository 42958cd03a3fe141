"""The runtime operations this helper calls, kept once as data (helpers/SPEC.md).

operationId (as in openapi.yaml) -> (HTTP method, path template). Every request goes through
``cronium._client.call(operationId, ...)``; no other API path appears in the package, and the
conformance test compares this table with openapi.yaml.
"""

from typing import Dict, Tuple

OPERATIONS: Dict[str, Tuple[str, str]] = {
    "getInput": ("GET", "/v1/executions/{executionId}/input"),
    "setOutput": ("PUT", "/v1/executions/{executionId}/output"),
    "getVariable": ("GET", "/v1/executions/{executionId}/variables/{key}"),
    "setVariable": ("PUT", "/v1/executions/{executionId}/variables/{key}"),
    "deleteVariable": ("DELETE", "/v1/executions/{executionId}/variables/{key}"),
    "listVariables": ("GET", "/v1/executions/{executionId}/variables"),
    "getCondition": ("GET", "/v1/executions/{executionId}/condition"),
    "setCondition": ("PUT", "/v1/executions/{executionId}/condition"),
    "getEvent": ("GET", "/v1/executions/{executionId}/event"),
    "runToolAction": ("POST", "/v1/executions/{executionId}/tool-actions"),
}
