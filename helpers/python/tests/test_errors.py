"""Errors reach the script as CroniumError with the problem's status, code and detail."""

import json
import os
import pickle
import socket
import tempfile
import time
import unittest
import uuid
from typing import Any

import support
from support import LiveTestCase, RetryLog, cronium, unique

MiB = 1024 * 1024


class Errors:
    def use(self: Any, execution: Any, **extra: str) -> None:
        env = support.environment(**support.helper_env(self.api, execution, **extra))
        env.__enter__()
        self.addCleanup(env.__exit__, None, None, None)

    # variables

    def test_delete_missing_variable_is_variable_not_found(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.deleteVariable(unique("never"))
        self.assertProblem(caught.exception, 404, "variable_not_found")
        self.assertEqual(caught.exception.operation, "deleteVariable")

    def test_version_conflict(self: Any) -> None:
        key = unique("conflict")
        stored = cronium.setVariable(key, "v")
        with RetryLog() as retries, self.assertRaises(cronium.CroniumError) as caught:
            cronium.setVariable(key, "w", if_version=stored["version"] + 5)
        self.assertProblem(caught.exception, 409, "version_conflict")
        self.assertEqual(caught.exception.problem.get("currentVersion"), stored["version"])
        self.assertEqual(retries.messages, [], "a 4xx other than 429 must not be retried")
        self.assertEqual(cronium.getVariable(key), "v")

    def test_if_version_zero_on_an_existing_variable_conflicts(self: Any) -> None:
        key = unique("exists")
        stored = cronium.setVariable(key, 1)
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.setVariable(key, 2, if_version=0)
        self.assertProblem(caught.exception, 409, "version_conflict")
        self.assertEqual(caught.exception.problem.get("currentVersion"), stored["version"])

    def test_if_version_on_a_missing_variable_conflicts_with_current_version_zero(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.setVariable(unique("absent"), 1, if_version=3)
        self.assertProblem(caught.exception, 409, "version_conflict")
        self.assertEqual(caught.exception.problem.get("currentVersion"), 0)

    def test_oversized_value_is_payload_too_large(self: Any) -> None:
        key = unique("huge")
        value = "x" * (MiB + 1)
        with RetryLog() as retries, self.assertRaises(cronium.CroniumError) as caught:
            cronium.setVariable(key, value)
        self.assertProblem(caught.exception, 413, "payload_too_large")
        self.assertEqual(caught.exception.problem.get("limit"), MiB)
        self.assertGreater(caught.exception.problem.get("received", 0), MiB)
        self.assertEqual(retries.messages, [])
        self.assertIsNone(cronium.getVariable(key), "nothing may be stored, not even truncated")

    def test_oversized_output_is_payload_too_large(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.output("y" * (8 * MiB + 16))  # over the 8 MiB output limit, under the 9 MiB body limit
        self.assertProblem(caught.exception, 413, "payload_too_large")
        self.assertEqual(caught.exception.problem.get("limit"), 8 * MiB)
        self.assertIsNone(support.api("GET", "/v1/executions/%s" % self.execution_id)["output"])

    def test_body_over_the_request_limit_is_payload_too_large(self: Any) -> None:
        # Over 9 MiB the runtime may answer before reading the whole body; the helper must still
        # report that answer, not a connection error. A short deadline keeps a failure quick.
        os.environ["CRONIUM_RETRY_DEADLINE"] = "5"
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.output("z" * (10 * MiB))
        self.assertProblem(caught.exception, 413, "payload_too_large")

    def test_invalid_key_is_validation_failed(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.setVariable("has space/and slash", 1)
        self.assertProblem(caught.exception, 400, "validation_failed")

    def test_empty_or_non_string_key_is_refused_before_any_call(self: Any) -> None:
        with self.assertRaises(ValueError):
            cronium.getVariable("")
        with self.assertRaises(TypeError):
            cronium.setVariable(42, 1)  # type: ignore[arg-type]

    def test_unserializable_value_raises_before_any_call(self: Any) -> None:
        with self.assertRaises(TypeError):
            cronium.setVariable(unique(), object())
        with self.assertRaises(ValueError):
            cronium.setVariable(unique(), float("nan"))

    # tokens

    def test_expired_token_is_token_expired(self: Any) -> None:
        execution = support.new_execution({"timeoutSeconds": 1})
        self.use(execution)
        self.assertEqual(cronium.input(), {"hello": "world"})  # valid at first
        time.sleep(3.2)  # timeout 1 s + grace 1 s, no clock skew in the harness
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.getVariable(unique())
        self.token = execution["token"]
        self.assertProblem(caught.exception, 401, "token_expired")

    def test_finished_execution_is_execution_finished(self: Any) -> None:
        cronium.output("done")
        support.complete(self.execution_id)
        with RetryLog() as retries, self.assertRaises(cronium.CroniumError) as caught:
            cronium.setVariable(unique(), "too late")
        self.assertProblem(caught.exception, 401, "execution_finished")
        self.assertEqual(retries.messages, [])
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.input()
        self.assertProblem(caught.exception, 401, "execution_finished")

    def test_other_execution_id_is_execution_mismatch(self: Any) -> None:
        other = support.new_execution()
        os.environ["CRONIUM_EXECUTION_ID"] = other["executionId"]
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.getVariable(unique())
        self.assertProblem(caught.exception, 403, "execution_mismatch")

    def test_unknown_execution_id_is_execution_mismatch(self: Any) -> None:
        os.environ["CRONIUM_EXECUTION_ID"] = str(uuid.uuid4())
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.output(1)
        self.assertProblem(caught.exception, 403, "execution_mismatch")

    def test_forged_token_is_invalid_token(self: Any) -> None:
        header, payload, _ = self.token.split(".")
        forged = header + "." + payload + ".c2lnbmF0dXJlLW9mLW5vYm9keQ"
        os.environ["CRONIUM_EXECUTION_TOKEN"] = forged
        self.token = forged
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.input()
        self.assertProblem(caught.exception, 401, "invalid_token")

    def test_garbage_token_is_invalid_token(self: Any) -> None:
        os.environ["CRONIUM_EXECUTION_TOKEN"] = "not-a-jwt"
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.event()
        self.assertEqual((caught.exception.status, caught.exception.code), (401, "invalid_token"))

    # configuration

    def test_missing_environment_variables_are_named(self: Any) -> None:
        for name in ("CRONIUM_RUNTIME_API", "CRONIUM_EXECUTION_TOKEN", "CRONIUM_EXECUTION_ID"):
            with self.subTest(name), support.environment(**{name: None}):
                with self.assertRaises(cronium.CroniumError) as caught:
                    cronium.getVariable("anything")
                error = caught.exception
                self.assertEqual((error.status, error.code), (0, "configuration_missing"))
                self.assertEqual(
                    str(error),
                    "configuration_missing: %s is not set: run the script through cronium (cronium run) or export it"
                    % name,
                )
                self.assertNotIn(self.token, str(error) + repr(error))

    def test_invalid_runtime_address_is_configuration_invalid(self: Any) -> None:
        for api in ("ftp://127.0.0.1:1", "unix://relative.sock", "127.0.0.1:8081", "http://127.0.0.1:notaport"):
            with self.subTest(api), support.environment(CRONIUM_RUNTIME_API=api):
                with self.assertRaises(cronium.CroniumError) as caught:
                    cronium.input()
                self.assertEqual((caught.exception.status, caught.exception.code), (0, "configuration_invalid"))

    def test_invalid_retry_deadline_is_configuration_invalid(self: Any) -> None:
        for value in ("soon", "-1", "inf", "nan"):
            with self.subTest(value), support.environment(CRONIUM_RETRY_DEADLINE=value):
                with self.assertRaises(cronium.CroniumError) as caught:
                    cronium.input()
                self.assertEqual((caught.exception.status, caught.exception.code), (0, "configuration_invalid"))
                self.assertIn("CRONIUM_RETRY_DEADLINE", str(caught.exception))

    def test_unreachable_runtime_is_unavailable_after_the_deadline(self: Any) -> None:
        if self.transport == "unix":
            folder = tempfile.mkdtemp()
            self.addCleanup(os.rmdir, folder)
            dead = "unix://" + os.path.join(folder, "absent.sock")
        else:
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d" % probe.getsockname()[1]
            probe.close()  # nothing listens there now
        with support.environment(CRONIUM_RUNTIME_API=dead, CRONIUM_RETRY_DEADLINE="1.5"), RetryLog() as retries:
            started = time.monotonic()
            with self.assertRaises(cronium.CroniumError) as caught:
                cronium.setVariable(unique(), 1)
            elapsed = time.monotonic() - started
        error = caught.exception
        self.assertEqual((error.status, error.code), (0, "unavailable"))
        self.assertIn(dead, str(error))
        self.assertNotIn(self.token, str(error) + repr(error) + json.dumps(error.problem))
        self.assertGreaterEqual(len(retries.messages), 3, retries.messages)  # 0.1, 0.2, 0.4 ... s apart
        self.assertGreater(elapsed, 0.5)
        self.assertLess(elapsed, 1.5 + 0.5)

    def test_zero_deadline_means_one_attempt(self: Any) -> None:
        with support.environment(CRONIUM_RUNTIME_API="unix:///nonexistent/cronium.sock", CRONIUM_RETRY_DEADLINE="0"):
            started = time.monotonic()
            with self.assertRaises(cronium.CroniumError) as caught:
                cronium.input()
            self.assertLess(time.monotonic() - started, 0.5)
        self.assertEqual(caught.exception.code, "unavailable")

    def test_error_is_picklable_with_its_problem(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.deleteVariable(unique("never"))
        copy = pickle.loads(pickle.dumps(caught.exception))
        self.assertEqual((copy.code, copy.status, copy.detail), (caught.exception.code, 404, caught.exception.detail))
        self.assertEqual(copy.problem, caught.exception.problem)
        self.assertEqual(copy.operation, "deleteVariable")


class ErrorsOverTcp(Errors, LiveTestCase):
    transport = "tcp"


class ErrorsOverUnixSocket(Errors, LiveTestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
