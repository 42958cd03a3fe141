"""No-import use through preload/sitecustomize.py, and explicit imports, in real interpreters."""

import json
import os
import shutil
import tempfile
import textwrap
import unittest
from typing import Any, Dict

import support
from support import LiveTestCase, cronium, unique


class Preload:
    def env(self: Any, pythonpath: str, **extra: str) -> Dict[str, str]:
        return support.helper_env(self.api, self.execution, PYTHONPATH=pythonpath, **extra)

    def test_script_uses_cronium_without_importing_it(self: Any) -> None:
        key = unique("preload")
        cronium.setVariable(key, {"n": 41})
        script = textwrap.dedent(
            """
            value = cronium.getVariable(%r)
            value["n"] += 1
            cronium.setVariable(%r, value)
            cronium.output({"n": value["n"], "input": cronium.input()})
            cronium.setCondition(True)
            print(cronium.event()["executionId"])
            """
            % (key, key)
        )
        run = self.run_script(script, self.env(str(support.PRELOAD_DIR)))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), self.execution_id)
        self.assertEqual(support.user_variable(key)["value"], {"n": 42})
        record = support.api("GET", "/v1/executions/%s" % self.execution_id)
        self.assertEqual(record["output"], {"n": 42, "input": {"hello": "world"}})
        self.assertIs(record["condition"], True)

    def test_errors_are_reachable_without_import(self: Any) -> None:
        script = textwrap.dedent(
            """
            try:
                cronium.deleteVariable(%r)
            except cronium.CroniumError as e:
                print(e.status, e.code)
            """
            % unique("absent")
        )
        run = self.run_script(script, self.env(str(support.PRELOAD_DIR)))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.split(), ["404", "variable_not_found"])

    def test_explicit_import_gives_the_same_module(self: Any) -> None:
        script = textwrap.dedent(
            """
            import builtins
            import cronium as imported
            from cronium import getVariable, CroniumError
            assert imported is builtins.cronium, (imported, builtins.cronium)
            assert getVariable is cronium.getVariable
            print(imported.input()["hello"], imported.__file__.endswith("cronium/__init__.py"))
            """
        )
        run = self.run_script(script, self.env(str(support.PRELOAD_DIR)))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.split(), ["world", "True"])

    def test_explicit_import_without_the_preload(self: Any) -> None:
        script = "import cronium\nprint(cronium.input()['hello'])\n"
        run = self.run_script(script, self.env(str(support.HELPER_DIR)))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), "world")

    def test_without_the_preload_there_is_no_builtin(self: Any) -> None:
        run = self.run_script("print(cronium)", self.env(str(support.HELPER_DIR)))
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("NameError", run.stderr)

    def test_preload_is_lazy(self: Any) -> None:
        # A Python process that never touches cronium does not pay for loading it.
        script = "import sys\nprint('cronium._client' in sys.modules, 'cronium' in sys.modules)\n"
        run = self.run_script(script, self.env(str(support.PRELOAD_DIR)))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.split(), ["False", "True"])

    def test_a_users_own_sitecustomize_still_runs(self: Any) -> None:
        own = tempfile.mkdtemp(prefix="user-site-")
        self.addCleanup(shutil.rmtree, own)
        with open(os.path.join(own, "sitecustomize.py"), "w") as f:
            f.write("import builtins\nbuiltins.USER_SITECUSTOMIZE_RAN = True\n")
        script = "print(USER_SITECUSTOMIZE_RAN, cronium.input()['hello'])\n"
        pythonpath = os.pathsep.join([str(support.PRELOAD_DIR), own])
        run = self.run_script(script, self.env(pythonpath))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.split(), ["True", "world"])

    def test_missing_configuration_is_one_clear_message(self: Any) -> None:
        script = "cronium.getVariable('x')\n"
        env = self.env(str(support.PRELOAD_DIR))
        del env["CRONIUM_EXECUTION_TOKEN"]
        run = self.run_script(script, env)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn(
            "cronium.CroniumError: configuration_missing: CRONIUM_EXECUTION_TOKEN is not set: "
            "run the script through cronium (cronium run) or export it",
            run.stderr,
        )


class PreloadOverTcp(Preload, LiveTestCase):
    transport = "tcp"


class PreloadOverUnixSocket(Preload, LiveTestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
