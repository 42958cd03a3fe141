"""The helper against openapi.yaml and helpers/SPEC.md, read from the files themselves.

These tests look at the contract and the source, not at a runtime, so they run once rather
than per transport.
"""

import ast
import inspect
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Dict, Tuple

import support
from support import cronium

PACKAGE = support.HELPER_DIR / "cronium"
CONTRACT = support.REPO / "openapi.yaml"

EXPECTED_FUNCTIONS = {
    # helper function -> the operationId it calls (SPEC.md "Operations")
    "input": "getInput",
    "output": "setOutput",
    "getVariable": "getVariable",
    "setVariable": "setVariable",
    "deleteVariable": "deleteVariable",
    "listVariables": "listVariables",
    "setCondition": "setCondition",
    "getCondition": "getCondition",
    "event": "getEvent",
    "toolAction": "runToolAction",
}
ALIASES = {
    "get_variable": "getVariable",
    "set_variable": "setVariable",
    "delete_variable": "deleteVariable",
    "list_variables": "listVariables",
    "set_condition": "setCondition",
    "get_condition": "getCondition",
    "tool_action": "toolAction",
    "send_slack": "sendSlack",
    "send_discord": "sendDiscord",
}


def script_operations() -> Dict[str, Tuple[str, str]]:
    """operationId -> (METHOD, path) for every operation secured by the execution token.

    openapi.yaml is written by hand in a regular layout (paths at two spaces, methods at four,
    their fields at six), which a line reader follows without a YAML library.
    """
    operations: Dict[str, Tuple[str, str]] = {}
    path = method = operation_id = None
    in_paths = False
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if line.startswith("paths:"):
            in_paths = True
            continue
        if in_paths and line and not line.startswith(" "):
            break
        match = re.match(r"^  (/\S*):\s*$", line)
        if match:
            path, method, operation_id = match.group(1), None, None
            continue
        match = re.match(r"^    (get|put|post|delete|patch):\s*$", line)
        if match:
            method, operation_id = match.group(1).upper(), None
            continue
        match = re.match(r"^      operationId:\s*(\S+)\s*$", line)
        if match:
            operation_id = match.group(1)
            continue
        if re.match(r"^      security:.*executionToken", line) and path and method and operation_id:
            operations[operation_id] = (method, path)
    return operations


class Conformance(unittest.TestCase):
    def test_the_contract_was_read(self) -> None:
        self.assertGreaterEqual(len(script_operations()), 9)

    def test_table_matches_the_script_operations_of_the_contract(self) -> None:
        self.assertEqual(dict(cronium.OPERATIONS), script_operations())

    def test_every_operation_has_its_function(self) -> None:
        source = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
        tree = ast.parse(source)
        calls: Dict[str, set] = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Name)
                        and inner.func.id == "_call"
                        and inner.args
                        and isinstance(inner.args[0], ast.Constant)
                    ):
                        calls.setdefault(node.name, set()).add(inner.args[0].value)
        self.assertEqual(calls, {name: {op} for name, op in EXPECTED_FUNCTIONS.items()})
        self.assertEqual(set(EXPECTED_FUNCTIONS.values()), set(cronium.OPERATIONS))

    def test_snake_case_aliases_are_the_same_functions(self) -> None:
        for alias, name in ALIASES.items():
            self.assertIs(getattr(cronium, alias), getattr(cronium, name), alias)
        for name in list(EXPECTED_FUNCTIONS) + ["sendEmail", "sendSlack", "sendDiscord", "CroniumError"]:
            self.assertIn(name, cronium.__all__)

    def test_no_other_api_path_in_the_package(self) -> None:
        for file in sorted(PACKAGE.glob("*.py")):
            if file.name == "_operations.py":
                continue
            with self.subTest(file.name):
                self.assertNotRegex(file.read_text(encoding="utf-8"), r"/v1/|/health|/metrics")

    def test_one_request_function(self) -> None:
        # http.client is used in exactly one module, and requests are made in one place.
        users = [f.name for f in PACKAGE.glob("*.py") if "http.client" in f.read_text(encoding="utf-8")]
        self.assertEqual(users, ["_client.py"])
        self.assertEqual((PACKAGE / "_client.py").read_text(encoding="utf-8").count(".request("), 1)

    def test_signatures(self) -> None:
        expected = {
            "input": "()",
            "output": "(data)",
            "getVariable": "(key, default=None)",
            "setVariable": "(key, value, if_version=None)",
            "deleteVariable": "(key)",
            "listVariables": "(prefix='')",
            "setCondition": "(flag, strict=False)",
            "getCondition": "(default=False)",
            "event": "()",
            "toolAction": "(tool, action, params=None, credential=None)",
            "sendEmail": "(to, subject, body, credential=None)",
            "sendSlack": "(text, credential=None)",
            "sendDiscord": "(content, credential=None)",
            # Cronium's container SDK
            "execute_tool_action": "(tool, action, config=None, credential=None)",
            "send_email": "(to, subject, body, credential=None, *, cc=None, bcc=None, html=None, **extra)",
            "send_slack_message": "(channel, text, credential=None, **extra)",
            "send_discord_message": "(channel_id, content, credential=None, **extra)",
        }
        for name, signature in expected.items():
            parameters = inspect.signature(getattr(cronium, name)).replace(return_annotation=inspect.Signature.empty)
            plain = parameters.replace(
                parameters=[p.replace(annotation=inspect.Parameter.empty) for p in parameters.parameters.values()]
            )
            self.assertEqual(str(plain), signature, name)
            self.assertIn("return", getattr(cronium, name).__annotations__, "%s has type hints" % name)

    def test_python_3_9_grammar(self) -> None:
        files = list(PACKAGE.glob("*.py")) + [support.PRELOAD_DIR / "sitecustomize.py"]
        for file in files:
            with self.subTest(file.name):
                ast.parse(file.read_text(encoding="utf-8"), filename=str(file), feature_version=(3, 9))

    def test_standard_library_only(self) -> None:
        stdlib = getattr(sys, "stdlib_module_names", None)
        if stdlib is None:
            self.skipTest("sys.stdlib_module_names needs Python 3.10+")
        files = list(PACKAGE.glob("*.py")) + [support.PRELOAD_DIR / "sitecustomize.py"]
        for file in files:
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                for name in names:
                    self.assertIn(name.split(".")[0], stdlib, "%s imports %s" % (file.name, name))

    def test_typed_package_marker(self) -> None:
        self.assertTrue((PACKAGE / "py.typed").is_file())

    def test_pip_install(self) -> None:
        # PyPI is out of reach here, so build without isolation, with an interpreter that has
        # setuptools and wheel already; from a copy, so that no build/ lands in the work tree.
        python = next((p for p in (sys.executable, "/usr/bin/python3") if has_build_tools(p)), None)
        if python is None:
            self.skipTest("no interpreter with setuptools and wheel to build offline")
        scratch = tempfile.mkdtemp(prefix="cronium-src-")
        self.addCleanup(shutil.rmtree, scratch, True)  # tests remove what they create
        source = Path(scratch) / "python"
        shutil.copytree(str(support.HELPER_DIR), str(source), ignore=shutil.ignore_patterns("tests", "__pycache__"))
        target = tempfile.mkdtemp(prefix="cronium-pip-")
        self.addCleanup(shutil.rmtree, target, True)
        run = subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-index", "--no-deps",
             "--target", target, str(source)],
            capture_output=True, text=True,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        installed = Path(target)
        self.assertTrue((installed / "cronium" / "__init__.py").is_file())
        self.assertTrue((installed / "cronium" / "py.typed").is_file())
        self.assertEqual(sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info")), ["cronium"])
        check = subprocess.run(
            [python, "-c", "import cronium; print(cronium.__file__); print(sorted(cronium.OPERATIONS))"],
            capture_output=True, text=True, env={"PYTHONPATH": target, "PATH": "/usr/bin:/bin"}, cwd=target,
        )
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertTrue(check.stdout.startswith(target), check.stdout)


def has_build_tools(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import setuptools, wheel"], capture_output=True).returncode == 0
    except OSError:
        return False

if __name__ == "__main__":
    unittest.main()
