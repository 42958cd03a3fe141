"""Cronium runtime helper for Python scripts (standard library only).

    import cronium                      # or nothing at all under `cronium run` / runner images
    name = cronium.input()["name"]
    count = cronium.getVariable("count", 0)
    cronium.setVariable("count", count + 1)
    cronium.output({"greeting": "hello " + name})
    cronium.setCondition(count > 10)

Configuration comes from CRONIUM_RUNTIME_API, CRONIUM_EXECUTION_TOKEN and CRONIUM_EXECUTION_ID
(and optionally CRONIUM_RETRY_DEADLINE); every failure raises ``CroniumError``. See README.md.
"""

from typing import Any, Dict, List, Mapping, Optional

from ._client import VERSION as __version__
from ._client import call as _call
from ._errors import CroniumAPIError, CroniumError, CroniumTimeoutError
from ._operations import OPERATIONS

# Tracebacks say cronium.CroniumError, the names users catch.
CroniumError.__module__ = CroniumAPIError.__module__ = CroniumTimeoutError.__module__ = "cronium"

__all__ = [
    "CroniumError",
    "CroniumAPIError",
    "CroniumTimeoutError",
    "OPERATIONS",
    "input",
    "output",
    "getVariable",
    "setVariable",
    "deleteVariable",
    "listVariables",
    "setCondition",
    "getCondition",
    "event",
    "toolAction",
    "sendEmail",
    "sendSlack",
    "sendDiscord",
    "get_variable",
    "set_variable",
    "delete_variable",
    "list_variables",
    "set_condition",
    "get_condition",
    "tool_action",
    "send_email",
    "send_slack",
    "send_discord",
    # Cronium's container SDK (cronium/_compat.py)
    "execute_tool_action",
    "send_slack_message",
    "send_discord_message",
    "Cronium",
    "AsyncCronium",
    "cronium",
]


def _key(key: str) -> Dict[str, str]:
    # An empty key would address the variable list instead of a variable; refuse it here.
    if not isinstance(key, str):
        raise TypeError("a variable key must be a str, not %s" % type(key).__name__)
    if not key:
        raise ValueError("a variable key must not be empty")
    return {"key": key}


def input() -> Any:  # noqa: A001 - the name scripts in Cronium already use
    """This execution's input (the previous event's output in a chain), or None."""
    return _call("getInput")["data"]


def output(data: Any) -> None:
    """Sets this execution's output (any JSON value; the last call wins)."""
    _call("setOutput", body={"data": data})


def getVariable(key: str, default: Any = None) -> Any:
    """The variable's value, or ``default`` when it does not exist."""
    try:
        return _call("getVariable", _key(key))["value"]
    except CroniumError as error:
        if error.status == 404 and error.code == "variable_not_found":
            return default
        raise


def setVariable(key: str, value: Any, if_version: Optional[int] = None) -> Dict[str, Any]:
    """Stores any JSON value; returns ``{key, version, updatedAt}``.

    With ``if_version`` the write only happens when the stored version equals it (0: only when
    the variable does not exist yet); otherwise CroniumError ``version_conflict`` (409).
    """
    body: Dict[str, Any] = {"value": value}
    if if_version is not None:
        if isinstance(if_version, bool) or not isinstance(if_version, int):
            raise TypeError("if_version must be an int, not %s" % type(if_version).__name__)
        body["ifVersion"] = if_version
    return _call("setVariable", _key(key), body=body)


def deleteVariable(key: str) -> None:
    """Deletes the variable; CroniumError ``variable_not_found`` (404) when it does not exist."""
    _call("deleteVariable", _key(key))


def listVariables(prefix: str = "") -> List[Dict[str, Any]]:
    """Every variable whose key starts with ``prefix``, as ``{key, version, updatedAt}``, in key order."""
    items: List[Dict[str, Any]] = []
    after: Optional[str] = None
    while True:
        query: Dict[str, str] = {}
        if prefix:
            query["prefix"] = prefix
        if after is not None:
            query["after"] = after
        page = _call("listVariables", query=query)
        items.extend(page["items"])
        next_after = page.get("nextAfter")
        if not next_after:
            return items
        if next_after == after:
            raise CroniumError(
                "invalid_response", 200, "the runtime returned the same page twice (nextAfter %r)" % after,
                None, "listVariables",
            )
        after = next_after


_TRUE_WORDS = ("true", "1", "yes", "on")
_FALSE_WORDS = ("false", "0", "no", "off")


def setCondition(flag: Any, strict: bool = False) -> None:
    """Sets the condition that ON_CONDITION actions follow.

    True or False; like Cronium's helpers, also 1/0 and the words true/false, yes/no, on/off (any
    case). ``strict=True`` takes a real bool only. Anything else is a TypeError, nothing is sent.
    """
    if isinstance(flag, bool):
        condition = flag
    elif not strict and isinstance(flag, int) and flag in (0, 1):
        condition = flag == 1
    elif not strict and isinstance(flag, str) and flag.strip().lower() in _TRUE_WORDS + _FALSE_WORDS:
        condition = flag.strip().lower() in _TRUE_WORDS
    else:
        allowed = "True or False" if strict else "True or False (or 1/0, 'true'/'false', 'yes'/'no', 'on'/'off')"
        raise TypeError("setCondition takes %s, not %r" % (allowed, flag))
    _call("setCondition", body={"condition": condition})


def getCondition(default: Any = False) -> Any:
    """The condition this execution set last, or ``default`` (False, as ON_CONDITION reads it) when it set none."""
    condition = _call("getCondition")["condition"]
    return default if condition is None else condition


def event() -> Dict[str, Any]:
    """The execution context: executionId, jobId, userId, event, workflow, attempt, startedAt, deadline, metadata."""
    return _call("getEvent")


def toolAction(
    tool: str, action: str, params: Optional[Mapping[str, Any]] = None, credential: Optional[str] = None
) -> Dict[str, Any]:
    """Runs a tool action in the runtime with a stored credential; returns ``{success, data, error}``.

    Without ``credential`` the runtime uses the one named after the tool.
    """
    body: Dict[str, Any] = {"tool": tool, "action": action, "params": dict(params or {})}
    if credential is not None:
        body["credential"] = credential
    return _call("runToolAction", body=body)


def sendEmail(to: Any, subject: str, body: str, credential: Optional[str] = None) -> Dict[str, Any]:
    """``toolAction("email", "send", {to, subject, body}, credential)``."""
    return toolAction("email", "send", {"to": to, "subject": subject, "body": body}, credential)


def sendSlack(text: str, credential: Optional[str] = None) -> Dict[str, Any]:
    """``toolAction("slack", "send", {text}, credential)``."""
    return toolAction("slack", "send", {"text": text}, credential)


def sendDiscord(content: str, credential: Optional[str] = None) -> Dict[str, Any]:
    """``toolAction("discord", "send", {content}, credential)``."""
    return toolAction("discord", "send", {"content": content}, credential)


# snake_case spellings of the same functions.
get_variable = getVariable
set_variable = setVariable
delete_variable = deleteVariable
list_variables = listVariables
set_condition = setCondition
get_condition = getCondition
tool_action = toolAction
send_slack = sendSlack
send_discord = sendDiscord

# Cronium's container SDK: send_email, execute_tool_action, send_slack_message, send_discord_message
# and its Cronium / AsyncCronium clients, over the functions above (README.md, "Cronium's names").
from ._compat import (  # noqa: E402 - they are built on the functions above
    AsyncCronium,
    Cronium,
    cronium,
    execute_tool_action,
    send_discord_message,
    send_email,
    send_slack_message,
)
