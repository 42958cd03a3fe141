"""Cronium's names (its user docs' camelCase and its container SDK's snake_case, clients and errors)
against the live runtime, over both transports: they must behave as Cronium documented them."""

import asyncio
import pickle
import unittest
from typing import Any

import support
from support import LiveTestCase, cronium, unique


class CroniumNames(support.WithProviders):
    @classmethod
    def credentials(cls) -> Any:
        return {
            "slack-" + cls.suffix: {"tool": "slack", "secret": {"url": cls.webhooks.url("/slack/compat")}},
            "discord-" + cls.suffix: {"tool": "discord", "secret": {"url": cls.webhooks.url("/discord/compat")}},
            "failing-" + cls.suffix: {"tool": "slack", "secret": {"url": cls.webhooks.url("/fail")}},
            "email-" + cls.suffix: {"tool": "email", "secret": cls.email_secret()},
        }

    @classmethod
    def tearDownClass(cls) -> None:
        for name in cls.credentials():
            support.api("DELETE", "/v1/users/%s/tool-credentials/%s" % (support.USER, name))
        super().tearDownClass()

    def execution_record(self: Any, execution_id: str) -> Any:
        return support.api("GET", "/v1/executions/%s" % execution_id)

    # variables: a missing one is None, values keep their JSON type

    def test_snake_case_variables(self: Any) -> None:
        key = unique("snake")
        self.assertIsNone(cronium.get_variable(key))
        cronium.set_variable(key, {"mode": "test", "debug": True})
        self.assertEqual(cronium.get_variable(key), {"mode": "test", "debug": True})
        self.assertEqual(support.user_variable(key)["value"], {"mode": "test", "debug": True})

    # condition: the container SDK's words, and the user docs' getCondition

    def test_set_condition_takes_cronium_words(self: Any) -> None:
        for given, stored in ((True, True), ("yes", True), ("off", False), ("ON", True), (0, False), ("1", True), ("False", False)):
            with self.subTest(given=given):
                cronium.set_condition(given)
                self.assertIs(self.execution_record(self.execution_id)["condition"], stored)
                self.assertIs(cronium.getCondition(), stored)

    # the flat context

    def test_event_is_flat_as_in_cronium(self: Any) -> None:
        context = cronium.event()
        self.assertEqual((context["id"], context["name"], context["type"]), ("evt-test", "helper test", "BASH"))
        self.assertEqual((context["eventId"], context["eventName"], context["eventType"]), ("evt-test", "helper test", "BASH"))
        self.assertEqual(context["executionId"], self.execution_id)
        self.assertEqual(context["userId"], support.USER)

    # tool actions: the provider's answer back, a failure raised

    def test_execute_tool_action_with_send_message_returns_the_providers_answer(self: Any) -> None:
        text = "legacy " + unique()
        data = cronium.execute_tool_action("slack", "send_message", {"text": text}, "slack-" + self.suffix)
        self.assertEqual(data, {"status": 200, "body": "ok"})
        self.assertIn({"text": text}, self.received("/slack/compat"))

    def test_a_failing_provider_raises_croniumapierror(self: Any) -> None:
        with self.assertRaises(cronium.CroniumAPIError) as caught:
            cronium.send_slack_message("#ops", "nobody hears this", "failing-" + self.suffix)
        self.assertEqual((caught.exception.status_code, caught.exception.code), (200, "tool_failed"))
        self.assertIn("500", caught.exception.message)
        self.assertIsInstance(caught.exception, cronium.CroniumError)

    def test_send_slack_and_discord_messages(self: Any) -> None:
        text, content = "slack " + unique(), "discord " + unique()
        cronium.send_slack_message("#ops", text, "slack-" + self.suffix, username="bot")
        cronium.send_discord_message("1234", content, "discord-" + self.suffix, embeds=[{"title": "t"}])
        self.assertIn({"channel": "#ops", "text": text, "username": "bot"}, self.received("/slack/compat"))
        self.assertIn({"channelId": "1234", "content": content, "embeds": [{"title": "t"}]}, self.received("/discord/compat"))

    def test_send_email_with_copies_and_html(self: Any) -> None:
        subject = "Report " + unique()
        data = cronium.send_email(["ops@example.test"], subject, "<p>All <b>good</b></p>", "email-" + self.suffix,
                                  cc="cc@example.test", bcc=["bcc@example.test"], html=True)
        self.assertIn("messageId", data)
        support.wait_until(lambda: any(subject in m["data"] for m in self.smtp.messages), timeout=5)
        mail = [m for m in self.smtp.messages if subject in m["data"]][0]
        self.assertEqual(len(mail["to"]), 3, mail["to"])
        self.assertIn("text/html", mail["data"])

    # errors: Cronium's classes, with its attributes

    def test_an_http_problem_is_a_croniumapierror_with_status_code_and_message(self: Any) -> None:
        with self.assertRaises(cronium.CroniumAPIError) as caught:
            cronium.delete_variable(unique("absent"))
        error = caught.exception
        self.assertEqual((error.status_code, error.code), (404, "variable_not_found"))
        self.assertEqual(error.message, error.detail)
        self.assertIsInstance(error, cronium.CroniumError)
        copy = pickle.loads(pickle.dumps(error))
        self.assertEqual((type(copy), copy.status_code, copy.message, copy.code), (type(error), 404, error.message, error.code))

    def test_an_unreachable_runtime_is_a_croniumtimeouterror(self: Any) -> None:
        with support.environment(CRONIUM_RUNTIME_API="unix:///nonexistent/cronium.sock", CRONIUM_RETRY_DEADLINE="0"):
            with self.assertRaises(cronium.CroniumTimeoutError) as caught:
                cronium.get_variable("anything")
        self.assertEqual(caught.exception.code, "unavailable")
        self.assertIsInstance(caught.exception, cronium.CroniumError)
        copy = pickle.loads(pickle.dumps(caught.exception))
        self.assertEqual((type(copy), copy.message), (cronium.CroniumTimeoutError, caught.exception.message))

    # the clients

    def test_cronium_client_and_instance(self: Any) -> None:
        key = unique("client")
        client = cronium.Cronium()
        client.set_variable(key, 41)
        self.assertEqual(client.get_variable(key), 41)
        self.assertEqual(cronium.cronium.getVariable(key), 41)
        client.set_condition(True)
        self.assertIs(client.get_condition(), True)
        self.assertEqual(client.event()["id"], "evt-test")

    def test_async_client(self: Any) -> None:
        key = unique("async")

        async def main() -> Any:
            async with cronium.AsyncCronium() as client:
                await client.set_variable(key, [1, 2])
                values = await asyncio.gather(client.get_variable(key), client.input(), client.event())
                await client.output({"done": True})
                return values

        async def chunks() -> Any:
            for chunk in ({"a": 1}, {"b": 2}):
                yield chunk

        async def streams() -> Any:
            client = cronium.AsyncCronium()
            got = [chunk async for chunk in client.stream_input()]
            await client.stream_output(chunks())
            return got

        self.assertEqual(asyncio.run(streams()), [{"hello": "world"}])
        self.assertEqual(self.execution_record(self.execution_id)["output"], [{"a": 1}, {"b": 2}])
        value, data, context = asyncio.run(main())
        self.assertEqual((value, data, context["name"]), ([1, 2], {"hello": "world"}, "helper test"))
        self.assertEqual(self.execution_record(self.execution_id)["output"], {"done": True})


class CroniumNamesOverTcp(CroniumNames, LiveTestCase):
    transport = "tcp"


class CroniumNamesOverUnixSocket(CroniumNames, LiveTestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
