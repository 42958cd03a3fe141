"""429 for real: a second runtime with a low rate limit (the harness's CRONIUM_TEST_RATE_LIMIT).

The helper must wait as Retry-After says and get through, and with no time left to wait it must
surface ``rate_limited`` (429) with the problem, not hide it.
"""

import os
import time
import unittest
from typing import Any, Dict

import support
from support import RetryLog, cronium, unique

PERMITS_PER_SECOND = 4


class RateLimitedRuntime:
    """The second runtime: its own state folder and port, stopped when the class is done."""

    env: Dict[str, str] = {}
    apis: Dict[str, str] = {}

    @classmethod
    def start(cls) -> None:
        base = os.environ.get("CRONIUM_TEST_DIR")
        if not base:
            raise unittest.SkipTest("CRONIUM_TEST_DIR is not set (run helpers/python/test.sh)")
        port = int(os.environ.get("CRONIUM_TEST_PORT", "18281")) + 1
        cls.env = dict(
            os.environ,
            CRONIUM_TEST_DIR=os.path.join(base, "rate-limited"),
            CRONIUM_TEST_PORT=str(port),
            CRONIUM_TEST_RATE_LIMIT=str(PERMITS_PER_SECOND),
        )
        out = support.harness("start", env=cls.env)
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        cls.apis = {"tcp": values["CRONIUM_RUNTIME_API"], "unix": values["CRONIUM_RUNTIME_SOCKET"]}

    @classmethod
    def stop(cls) -> None:
        if cls.env:
            support.harness("stop", env=cls.env, check=False)


def setUpModule() -> None:
    RateLimitedRuntime.start()


def tearDownModule() -> None:
    RateLimitedRuntime.stop()


class RateLimit:
    transport = ""

    def setUp(self: Any) -> None:
        import json

        execution = json.loads(support.harness("new-execution", "{}", env=RateLimitedRuntime.env))
        self.token = execution["token"]
        env = support.environment(
            **support.helper_env(RateLimitedRuntime.apis[self.transport], execution), CRONIUM_RETRY_DEADLINE=None
        )
        env.__enter__()
        self.addCleanup(env.__exit__, None, None, None)

    def test_429_is_retried_after_retry_after(self: Any) -> None:
        key = unique("limited")
        calls = PERMITS_PER_SECOND * 3
        with RetryLog() as log:
            started = time.monotonic()
            for i in range(calls):
                self.assertIsNone(cronium.getVariable(key))
            elapsed = time.monotonic() - started
        limited = [m for m in log.messages if "429" in m]
        self.assertTrue(limited, "%d calls at %d/s must meet the limit: %r" % (calls, PERMITS_PER_SECOND, log.messages))
        self.assertTrue(all("rate_limited" in m for m in limited), limited)
        self.assertGreaterEqual(elapsed, 1.0, "Retry-After (>= 1 s) must be honoured")

    def test_429_surfaces_when_there_is_no_time_to_wait(self: Any) -> None:
        os.environ["CRONIUM_RETRY_DEADLINE"] = "0"
        with self.assertRaises(cronium.CroniumError) as caught:
            for _ in range(PERMITS_PER_SECOND * 10):
                cronium.getVariable("limited")
        error = caught.exception
        self.assertEqual((error.status, error.code), (429, "rate_limited"), repr(error))
        self.assertEqual(error.problem.get("status"), 429)
        self.assertGreaterEqual(error.problem.get("retryAfter", 0), 1, error.problem)
        self.assertNotIn(self.token, str(error) + repr(error))


class RateLimitOverTcp(RateLimit, unittest.TestCase):
    transport = "tcp"


class RateLimitOverUnixSocket(RateLimit, unittest.TestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
