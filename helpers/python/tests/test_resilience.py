"""Keep-alive, reconnection, retries and exactly-once writes, for real.

The runtime is really stopped and started again, and a byte relay (tests/relay.py) between the
helper and the runtime counts connections and breaks them the ways networks and servers do.
"""

import json
import os
import subprocess
import sys
import threading
import time
import unittest
from typing import Any, Dict

import support
from relay import parse_api
from support import LiveTestCase, RetryLog, cronium, unique


class Resilience:
    # keep-alive

    def test_one_connection_is_kept_alive_across_calls(self: Any) -> None:
        relay = self.through_relay()
        key = unique("alive")
        cronium.setVariable(key, 0)
        for i in range(20):
            cronium.getVariable(key)
        cronium.output({"calls": 21})
        cronium.event()
        self.assertEqual(relay.requests, 23)
        self.assertEqual(relay.accepted, 1, "every call must reuse the one kept-alive connection")

    def test_connection_counter_of_the_direct_connection(self: Any) -> None:
        from cronium import _client

        cronium.input()  # the pooled connection exists now
        endpoint = _client.endpoint_for(self.api)
        before = endpoint.connections_opened
        for _ in range(25):
            cronium.getVariable("anything-" + self.transport)
        self.assertEqual(endpoint.connections_opened, before)

    def test_reconnects_when_the_server_closed_the_idle_connection(self: Any) -> None:
        relay = self.through_relay()
        self.assertEqual(cronium.input(), {"hello": "world"})
        relay.close_client_connections()  # as a server's keep-alive timeout does
        time.sleep(0.1)
        with RetryLog() as log:
            started = time.monotonic()
            self.assertEqual(cronium.input(), {"hello": "world"})
            elapsed = time.monotonic() - started
        self.assertEqual(relay.accepted, 2)
        self.assertEqual(log.messages, [], "a closed idle connection is not an outage")
        self.assertLess(elapsed, 0.5)

    def test_resends_at_once_when_the_connection_dies_under_the_request(self: Any) -> None:
        relay = self.through_relay()
        key = unique("race")
        cronium.setVariable(key, "before")
        relay.drop_next_request = True  # closed just as the next request arrives
        with RetryLog() as log:
            started = time.monotonic()
            self.assertEqual(cronium.getVariable(key), "before")
            elapsed = time.monotonic() - started
        self.assertEqual(relay.accepted, 2)
        self.assertTrue(any("reconnecting" in m for m in log.messages), log.messages)
        self.assertFalse(any("retrying" in m for m in log.messages), log.messages)
        self.assertLess(elapsed, 0.5)

    # exactly once

    def test_write_whose_answer_is_lost_lands_exactly_once(self: Any) -> None:
        key = unique("once")
        first = cronium.setVariable(key, "v1")
        relay = self.through_relay()
        relay.swallow_answers = 1  # the runtime stores the write, the answer never comes back
        with RetryLog() as log:
            result = cronium.setVariable(key, "v2")
        self.assertTrue(log.messages, "the lost answer must have been retried")
        self.assertEqual(relay.accepted, 2)
        self.assertEqual(len(relay.idempotency_keys), 2)
        self.assertEqual(relay.idempotency_keys[0], relay.idempotency_keys[1], "a retry reuses its Idempotency-Key")
        self.assertEqual(result["version"], first["version"] + 1)
        stored = support.user_variable(key)
        self.assertEqual((stored["version"], stored["value"]), (first["version"] + 1, "v2"))

    def test_delete_whose_answer_is_lost_succeeds_once(self: Any) -> None:
        # Without the reused Idempotency-Key the retry would meet a 404 for its own delete.
        key = unique("del-once")
        cronium.setVariable(key, 1)
        relay = self.through_relay()
        relay.swallow_answers = 1
        self.assertIsNone(cronium.deleteVariable(key))
        self.assertEqual(relay.accepted, 2)
        self.assertEqual(relay.idempotency_keys[0], relay.idempotency_keys[1])
        self.assertIsNone(cronium.getVariable(key))

    def test_each_write_has_its_own_idempotency_key(self: Any) -> None:
        relay = self.through_relay()
        key = unique("keys")
        cronium.setVariable(key, 1)
        cronium.setVariable(key, 1)  # same body, new call: a new key, a second effect
        cronium.setCondition(True)
        cronium.output(None)
        cronium.deleteVariable(key)
        cronium.getVariable(key)  # reads carry none
        self.assertEqual(len(relay.idempotency_keys), 5)
        self.assertEqual(len(set(relay.idempotency_keys)), 5)

    # retries

    def test_5xx_from_a_proxy_is_retried_until_the_runtime_answers(self: Any) -> None:
        upstream = parse_api(self.api)
        relay = self.through_relay()
        if isinstance(upstream, str):
            relay.upstream = os.path.join(os.path.dirname(upstream), "not-yet.sock")
        else:
            relay.upstream = ("127.0.0.1", 1)
        key = unique("gateway")
        timer = threading.Timer(1.0, lambda: setattr(relay, "upstream", upstream))
        timer.start()
        self.addCleanup(timer.cancel)
        with RetryLog() as log:
            started = time.monotonic()
            result = cronium.setVariable(key, "through")
            elapsed = time.monotonic() - started
        self.assertEqual(result["key"], key)
        self.assertGreaterEqual(relay.bad_gateways, 2)
        self.assertTrue(any("502" in m for m in log.messages), log.messages)
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertEqual(support.user_variable(key)["value"], "through")

    def test_set_variable_survives_a_runtime_restart(self: Any) -> None:
        key = unique("restart")
        before = cronium.setVariable(key, "before")  # the kept-alive connection exists now
        outcome: Dict[str, Any] = {}

        def write() -> None:
            try:
                outcome["result"] = cronium.setVariable(key, "after restart")
            except BaseException as error:  # reported by the assertions below
                outcome["error"] = error

        support.stop_runtime()
        try:
            with RetryLog() as log:
                writer = threading.Thread(target=write)
                writer.start()
                time.sleep(1.5)
                self.assertTrue(writer.is_alive(), "the write must wait for the runtime: %r" % outcome)
        finally:
            support.start_runtime()
        writer.join(40)
        self.assertNotIn("error", outcome)
        self.assertEqual(outcome["result"]["version"], before["version"] + 1)
        self.assertTrue(any("retrying" in m for m in log.messages), log.messages)
        stored = support.user_variable(key)
        self.assertEqual((stored["version"], stored["value"]), (before["version"] + 1, "after restart"))

    def test_a_script_started_while_the_runtime_is_down_completes(self: Any) -> None:
        key = unique("script")
        before = cronium.setVariable(key, 0)
        script = (
            "import json, sys\n"
            "sys.path.insert(0, %r)\n"
            "import cronium\n"
            "count = cronium.getVariable(%r)\n"
            "print(json.dumps(cronium.setVariable(%r, count + 1)))\n"
        ) % (str(support.HELPER_DIR), key, key)
        env = support.helper_env(self.api, self.execution)
        support.stop_runtime()
        try:
            full = {k: v for k, v in os.environ.items() if not k.startswith("CRONIUM_")}
            full.update(env)
            process = subprocess.Popen(
                [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full
            )
            time.sleep(1.5)
            self.assertIsNone(process.poll(), "the script must be waiting for the runtime")
        finally:
            support.start_runtime()
        out, err = process.communicate(timeout=40)
        self.assertEqual(process.returncode, 0, err)
        self.assertEqual(json.loads(out)["version"], before["version"] + 1)
        stored = support.user_variable(key)
        self.assertEqual((stored["version"], stored["value"]), (before["version"] + 1, 1))


class ResilienceOverTcp(Resilience, LiveTestCase):
    transport = "tcp"


class ResilienceOverUnixSocket(Resilience, LiveTestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
