"""Every operation's happy path against the live runtime, over TCP and over the Unix socket."""

import json
import unittest
from typing import Any, Dict

import support
from support import LiveTestCase, cronium, unique


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON, types included (True is not 1, 1.5 is not "1.5")."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


ROUND_TRIP_VALUES: Dict[str, Any] = {
    "string": "hello",
    "empty-string": "",
    "unicode": "héllo wörld ✓ 日本語 🚀 \u0000 \"quoted\" \\ back\nline",
    "int": 42,
    "negative": -7,
    "big-int": 2 ** 53,
    "float": 1.5,
    "tiny-float": -0.000125,
    "huge-float": 1e300,
    "true": True,
    "false": False,
    "null": None,
    "empty-list": [],
    "empty-object": {},
    "list": [1, "two", 3.5, None, True, {"six": [7]}],
    "nested": {"a": {"b": {"c": [1, {"d": "é"}]}}, "n": None, "t": True, "f": 0},
}


class Operations:
    """Mixed into a LiveTestCase per transport (see the bottom of the file)."""

    def use(self: Any, execution: Dict[str, Any]) -> None:
        env = support.environment(**support.helper_env(self.api, execution))
        env.__enter__()
        self.addCleanup(env.__exit__, None, None, None)

    def execution_record(self: Any, execution_id: str) -> Dict[str, Any]:
        return support.api("GET", "/v1/executions/%s" % execution_id)

    # input / output

    def test_input_returns_the_execution_input(self: Any) -> None:
        self.assertEqual(cronium.input(), {"hello": "world"})

    def test_input_is_none_when_the_execution_has_none(self: Any) -> None:
        self.use(support.new_execution({"input": None}))
        self.assertIsNone(cronium.input())

    def test_input_keeps_any_json(self: Any) -> None:
        value = ROUND_TRIP_VALUES["nested"]
        self.use(support.new_execution({"input": value}))
        self.assertTrue(same_json(cronium.input(), value))

    def test_output_is_stored_and_the_last_call_wins(self: Any) -> None:
        self.assertIsNone(cronium.output({"first": True}))
        value = {"list": [1, 2.5, None], "text": "é✓🚀", "ok": False}
        self.assertIsNone(cronium.output(value))
        self.assertTrue(same_json(self.execution_record(self.execution_id)["output"], value))

    def test_output_null(self: Any) -> None:
        cronium.output("something")
        cronium.output(None)
        self.assertIsNone(self.execution_record(self.execution_id)["output"])

    # variables

    def test_set_variable_returns_key_version_and_time(self: Any) -> None:
        key = unique()
        first = cronium.setVariable(key, "one")
        self.assertEqual(sorted(first), ["key", "updatedAt", "version"])
        self.assertEqual(first["key"], key)
        self.assertGreaterEqual(first["version"], 1)
        second = cronium.setVariable(key, "two")
        self.assertEqual(second["version"], first["version"] + 1)
        self.assertEqual(support.user_variable(key)["version"], second["version"])

    def test_values_round_trip_with_their_types(self: Any) -> None:
        for name, value in ROUND_TRIP_VALUES.items():
            with self.subTest(name):
                key = unique(name)
                cronium.setVariable(key, value)
                got = cronium.getVariable(key, default="<missing>")
                self.assertTrue(same_json(got, value), "%r came back as %r" % (value, got))
                # and the runtime stored what was sent (read with the orchestrator key)
                self.assertTrue(same_json(support.user_variable(key)["value"], value))

    def test_near_limit_value_round_trips(self: Any) -> None:
        key = unique("big")
        value = "x" * (1024 * 1024 - 64)  # just under the 1 MiB value limit once JSON-encoded
        cronium.setVariable(key, value)
        self.assertEqual(cronium.getVariable(key), value)

    def test_near_limit_unicode_value_round_trips(self: Any) -> None:
        key = unique("big-unicode")
        value = "✓" * ((1024 * 1024 - 64) // 3)  # 3 bytes each in UTF-8
        cronium.setVariable(key, value)
        self.assertEqual(cronium.getVariable(key), value)

    def test_get_variable_returns_the_default_when_missing(self: Any) -> None:
        key = unique("missing")
        self.assertIsNone(cronium.getVariable(key))
        self.assertEqual(cronium.getVariable(key, 42), 42)
        self.assertEqual(cronium.getVariable(key, default={"d": 1}), {"d": 1})

    def test_get_variable_returns_a_stored_null_not_the_default(self: Any) -> None:
        key = unique("null")
        cronium.setVariable(key, None)
        self.assertIsNone(cronium.getVariable(key, "default"))

    def test_keys_with_every_allowed_character(self: Any) -> None:
        key = "Az09_.:-" + unique()
        cronium.setVariable(key, "punctuated")
        self.assertEqual(cronium.getVariable(key), "punctuated")
        self.assertEqual(support.user_variable(key)["value"], "punctuated")

    def test_set_variable_if_version(self: Any) -> None:
        key = unique("cas")
        created = cronium.setVariable(key, 1, if_version=0)  # 0: only if absent
        updated = cronium.setVariable(key, 2, if_version=created["version"])
        self.assertEqual(updated["version"], created["version"] + 1)
        self.assertEqual(cronium.getVariable(key), 2)

    def test_delete_variable(self: Any) -> None:
        key = unique("del")
        cronium.setVariable(key, "bye")
        self.assertIsNone(cronium.deleteVariable(key))
        self.assertEqual(cronium.getVariable(key, "gone"), "gone")
        found, body = support.api_status("GET", "/v1/users/%s/variables/%s" % (support.USER, key))
        self.assertEqual(body.get("code"), "variable_not_found", body)

    def test_version_keeps_growing_across_delete_and_recreate(self: Any) -> None:
        key = unique("regrow")
        first = cronium.setVariable(key, "a")
        cronium.deleteVariable(key)
        second = cronium.setVariable(key, "b")
        self.assertGreater(second["version"], first["version"])

    def test_list_variables_with_prefix(self: Any) -> None:
        prefix = unique("list") + "."
        keys = [prefix + name for name in ("c", "a", "b")]
        for key in keys:
            cronium.setVariable(key, key)
        cronium.setVariable(prefix[:-1] + "-outside", 0)
        items = cronium.listVariables(prefix)
        self.assertEqual([item["key"] for item in items], sorted(keys))
        for item in items:
            self.assertEqual(sorted(item), ["key", "updatedAt", "version"])
            self.assertGreaterEqual(item["version"], 1)

    def test_list_variables_without_prefix_includes_everything(self: Any) -> None:
        key = unique("all")
        cronium.setVariable(key, True)
        self.assertIn(key, [item["key"] for item in cronium.listVariables()])

    def test_list_variables_empty(self: Any) -> None:
        self.assertEqual(cronium.listVariables(unique("nothing")), [])

    def test_list_variables_follows_every_page(self: Any) -> None:
        # The runtime's pages hold at most 1000 items; 1001 variables need a second page.
        prefix = unique("paged") + "."
        keys = sorted("%s%04d" % (prefix, i) for i in range(1001))
        for key in keys:
            cronium.setVariable(key, 1)
        self.assertEqual([item["key"] for item in cronium.listVariables(prefix)], keys)

    # condition, event

    def test_set_condition(self: Any) -> None:
        self.assertIsNone(cronium.setCondition(True))
        self.assertIs(self.execution_record(self.execution_id)["condition"], True)
        cronium.setCondition(False)
        self.assertIs(self.execution_record(self.execution_id)["condition"], False)

    def test_set_condition_strict_takes_a_real_boolean_only(self: Any) -> None:
        for wrong in (1, 0, "true", None, [True]):
            with self.subTest(wrong=wrong):
                with self.assertRaises(TypeError):
                    cronium.setCondition(wrong, strict=True)
        self.assertIsNone(self.execution_record(self.execution_id)["condition"])

    def test_set_condition_refuses_what_is_not_a_condition(self: Any) -> None:
        for wrong in (None, [True], 2, -1, "maybe", "", 1.0):
            with self.subTest(wrong=wrong):
                with self.assertRaises(TypeError):
                    cronium.setCondition(wrong)
        self.assertIsNone(self.execution_record(self.execution_id)["condition"])

    def test_get_condition_reads_back_what_was_set(self: Any) -> None:
        self.assertIs(cronium.getCondition(), False)
        self.assertIsNone(cronium.getCondition(None))
        cronium.setCondition(True)
        self.assertIs(cronium.getCondition(), True)
        self.assertIs(cronium.get_condition(None), True)
        cronium.setCondition(False)
        self.assertIs(cronium.getCondition(True), False)

    def test_event_returns_the_whole_context(self: Any) -> None:
        execution = support.new_execution(
            {
                "jobId": "job-" + unique(),
                "metadata": {"team": "ops", "ünï": "cödé"},
                "workflow": {"id": "wf-1", "runId": "run-1", "nodeId": "node-1"},
                "attempt": 2,
            }
        )
        self.use(execution)
        context = cronium.event()
        self.assertEqual(context["executionId"], execution["executionId"])
        self.assertEqual(context["userId"], support.USER)
        self.assertTrue(context["jobId"].startswith("job-"))
        self.assertEqual(context["event"], {"id": "evt-test", "name": "helper test", "type": "BASH"})
        self.assertEqual(context["workflow"], {"id": "wf-1", "runId": "run-1", "nodeId": "node-1"})
        self.assertEqual(context["attempt"], 2)
        self.assertEqual(context["metadata"], {"team": "ops", "ünï": "cödé"})
        self.assertEqual(context["deadline"][:4], execution["deadline"][:4])
        for field in ("startedAt", "deadline"):
            self.assertIsInstance(context[field], str)

    def test_event_without_workflow(self: Any) -> None:
        context = cronium.event()
        self.assertIsNone(context["workflow"])
        self.assertEqual(context["attempt"], 1)
        self.assertEqual(context["executionId"], self.execution_id)

    def test_snake_case_aliases_work(self: Any) -> None:
        key = unique("snake")
        self.assertEqual(cronium.set_variable(key, [1])["key"], key)
        self.assertEqual(cronium.get_variable(key), [1])
        self.assertIn(key, [i["key"] for i in cronium.list_variables(key)])
        cronium.delete_variable(key)
        self.assertIsNone(cronium.get_variable(key))
        cronium.set_condition(True)
        self.assertIs(self.execution_record(self.execution_id)["condition"], True)


class OperationsOverTcp(Operations, LiveTestCase):
    transport = "tcp"


class OperationsOverUnixSocket(Operations, LiveTestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
