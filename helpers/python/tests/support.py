"""Shared test plumbing: the live runtime (tests/support/runtime.sh), environments, both transports.

The suite runs against a real runtime started by helpers/python/test.sh; each test case class is
declared once as a mixin and instantiated for TCP and for the Unix socket.
"""

import json
import os
import subprocess
import sys
import time
import unittest
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple
from contextlib import contextmanager

HELPER_DIR = Path(__file__).resolve().parents[1]  # helpers/python
REPO = HELPER_DIR.parents[1]
HARNESS = REPO / "tests" / "support" / "runtime.sh"
PRELOAD_DIR = HELPER_DIR / "preload"
USER = os.environ.get("CRONIUM_TEST_USER", "test-user")

# The suite tests the source tree, not whatever may be installed.
sys.path.insert(0, str(HELPER_DIR))
# The stand-in providers (providers.py) are shared with the bash suite.
sys.path.insert(0, str(REPO / "tests" / "support"))

import cronium  # noqa: E402
from cronium import _client  # noqa: E402


class HarnessError(RuntimeError):
    pass


def harness(*args: str, env: Optional[Dict[str, str]] = None, check: bool = True) -> str:
    run = subprocess.run(
        ["bash", str(HARNESS), *args], capture_output=True, text=True, env=env or os.environ.copy()
    )
    if check and run.returncode != 0:
        raise HarnessError("runtime.sh %s failed (%d): %s %s" % (" ".join(args), run.returncode, run.stdout, run.stderr))
    return run.stdout


_apis: Dict[str, str] = {}


def start_runtime() -> Dict[str, str]:
    """Starts the runtime if it is not running (a no-op otherwise) and returns its two addresses."""
    out = harness("start")
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    _apis["tcp"] = values["CRONIUM_RUNTIME_API"]
    _apis["unix"] = values["CRONIUM_RUNTIME_SOCKET"]
    return dict(_apis)


def stop_runtime() -> None:
    harness("stop")


def api_for(transport: str) -> str:
    if not _apis:
        start_runtime()
    return _apis[transport]


def new_execution(overrides: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return json.loads(harness("new-execution", json.dumps(overrides or {})))


def complete(execution_id: str, status: str = "succeeded") -> Dict[str, Any]:
    return json.loads(harness("complete", execution_id, status))


def api(method: str, path: str, body: Any = None) -> Any:
    """An orchestrator call through the harness; raises HarnessError on a status >= 400."""
    args = [method, path] + ([json.dumps(body)] if body is not None else [])
    out = harness("api", *args).strip()
    return json.loads(out) if out else None


def api_status(method: str, path: str) -> Tuple[bool, Any]:
    out = harness("api", method, path, check=False).strip()
    try:
        return True, json.loads(out)
    except ValueError:
        return False, out


def user_variable(key: str) -> Dict[str, Any]:
    return api("GET", "/v1/users/%s/variables/%s" % (USER, key))


def unique(prefix: str = "k") -> str:
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


@contextmanager
def environment(**values: Optional[str]) -> Iterator[None]:
    """Sets (or, with None, removes) environment variables for the duration of the block."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def helper_env(api: str, execution: Dict[str, Any], **extra: str) -> Dict[str, str]:
    env = {
        "CRONIUM_RUNTIME_API": api,
        "CRONIUM_EXECUTION_TOKEN": execution["token"],
        "CRONIUM_EXECUTION_ID": execution["executionId"],
    }
    env.update(extra)
    return env


class LiveTestCase(unittest.TestCase):
    """A fresh execution per test, its helper environment set in os.environ for the test."""

    transport = ""  # "tcp" or "unix", set by the concrete subclasses
    execution_overrides: Optional[Dict[str, Any]] = None

    def setUp(self) -> None:
        self.api = api_for(self.transport)
        self.execution = new_execution(self.execution_overrides)
        self.execution_id = self.execution["executionId"]
        self.token = self.execution["token"]
        env = environment(**helper_env(self.api, self.execution), CRONIUM_RETRY_DEADLINE=None)
        env.__enter__()
        self.addCleanup(env.__exit__, None, None, None)

    def through_relay(self) -> Any:
        """Points the helper at a byte relay (relay.py) in front of this test's runtime."""
        from relay import Relay, parse_api

        relay = Relay(parse_api(self.api), unix=self.transport == "unix")
        self.addCleanup(relay.close)
        env = environment(CRONIUM_RUNTIME_API=relay.api)
        env.__enter__()
        self.addCleanup(env.__exit__, None, None, None)
        return relay

    def assertProblem(self, error: "cronium.CroniumError", status: int, code: str) -> None:
        """Status and code first, then the body: the problem document says the same."""
        self.assertEqual(error.status, status, repr(error))
        self.assertEqual(error.code, code, repr(error))
        self.assertEqual(error.problem.get("status"), status, error.problem)
        self.assertEqual(error.problem.get("code"), code, error.problem)
        self.assertTrue(error.detail, "a problem must explain itself: %r" % error.problem)
        self.assertIn("traceId", error.problem)
        self.assertNotIn(self.token, str(error))
        self.assertNotIn(self.token, repr(error))
        self.assertNotIn(self.token, json.dumps(error.problem))

    def run_script(self, source: str, env: Dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Runs Python source in a new interpreter with exactly this helper environment added."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("CRONIUM_")}
        full.update(env)
        return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, env=full, timeout=timeout)


class RetryLog:
    """Collects the helper's retry messages (logger ``cronium``, DEBUG)."""

    def __init__(self) -> None:
        import logging

        self.records = []  # type: list
        self._handler = logging.Handler()
        self._handler.emit = self.records.append  # type: ignore[assignment]
        self._logger = logging.getLogger("cronium")

    def __enter__(self) -> "RetryLog":
        import logging

        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)

    @property
    def messages(self):  # type: ignore[no-untyped-def]
        return [r.getMessage() for r in self.records]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class WithProviders:
    """Real local tool providers for a test class (a webhook receiver, an SMTP server: tests/support/providers.py)
    and the test user's credentials pointing at them, which ``credentials()`` names."""

    webhooks: Any
    smtp: Any
    suffix = ""

    @classmethod
    def credentials(cls) -> Dict[str, Dict[str, Any]]:
        return {}

    @classmethod
    def email_secret(cls) -> Dict[str, Any]:
        return {"host": "127.0.0.1", "port": cls.smtp.port, "username": "", "password": "",
                "from": "cronium@example.test", "useTls": False}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()  # type: ignore[misc]
        from providers import SmtpServer, WebhookServer

        cls.webhooks = WebhookServer()
        cls.smtp = SmtpServer()
        cls.suffix = unique("cred")
        for name, body in cls.credentials().items():
            api("PUT", "/v1/users/%s/tool-credentials/%s" % (USER, name), body)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.webhooks.close()
        cls.smtp.close()
        super().tearDownClass()  # type: ignore[misc]

    def received(self, path: str) -> Any:
        wait_until(lambda: any(r["path"] == path for r in self.webhooks.received), timeout=5)
        return [r["body"] for r in self.webhooks.received if r["path"] == path]
