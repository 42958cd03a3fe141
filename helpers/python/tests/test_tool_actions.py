"""Tool actions through the runtime to real local providers (loopback), over both transports."""

import os
import threading
import time
import unittest
from typing import Any, Dict

import support
from support import LiveTestCase, RetryLog, cronium, unique


# The provider round trips need the runtime's senders. Setting this skips them (and only them)
# while a runtime has none yet; by default they run and fail loudly.
needs_sender = unittest.skipIf(
    os.environ.get("CRONIUM_TEST_SKIP_TOOL_SENDERS") == "1", "CRONIUM_TEST_SKIP_TOOL_SENDERS=1"
)


class ToolActions(support.WithProviders):
    @classmethod
    def credentials(cls) -> Any:
        return {
            # the default credentials, named after their tool
            "slack": {"tool": "slack", "secret": {"url": cls.webhooks.url("/slack/default")}},
            "discord": {"tool": "discord", "secret": {"url": cls.webhooks.url("/discord/default")}},
            "email": {"tool": "email", "secret": cls.email_secret()},
            # named ones
            "slack-" + cls.suffix: {"tool": "slack", "secret": {"url": cls.webhooks.url("/slack/named")}},
            "discord-" + cls.suffix: {"tool": "discord", "secret": {"url": cls.webhooks.url("/discord/named")}},
            "slack-held-" + cls.suffix: {"tool": "slack", "secret": {"url": cls.webhooks.url("/slack/held")}},
        }

    @needs_sender
    def test_send_slack_with_the_default_credential(self: Any) -> None:
        text = "hello from python " + unique()
        result = cronium.sendSlack(text)
        self.assertEqual(sorted(result), ["data", "error", "success"])
        self.assertIs(result["success"], True, result)
        self.assertIsNone(result["error"])
        self.assertIn({"text": text}, self.received("/slack/default"))

    @needs_sender
    def test_send_slack_with_a_named_credential(self: Any) -> None:
        text = "named " + unique()
        result = cronium.send_slack(text, credential="slack-" + self.suffix)
        self.assertIs(result["success"], True, result)
        self.assertIn({"text": text}, self.received("/slack/named"))

    @needs_sender
    def test_send_discord(self: Any) -> None:
        content = "discord ✓ " + unique()
        result = cronium.sendDiscord(content, "discord-" + self.suffix)
        self.assertIs(result["success"], True, result)
        self.assertIn({"content": content}, self.received("/discord/named"))
        content2 = "default " + unique()
        self.assertIs(cronium.send_discord(content2)["success"], True)
        self.assertIn({"content": content2}, self.received("/discord/default"))

    @needs_sender
    def test_send_email(self: Any) -> None:
        subject = "Report " + unique()
        result = cronium.sendEmail("ops@example.test", subject, "All good.\nSecond line.")
        self.assertIs(result["success"], True, result)
        support.wait_until(lambda: any(subject in m["data"] for m in self.smtp.messages), timeout=5)
        mail = [m for m in self.smtp.messages if subject in m["data"]]
        self.assertEqual(len(mail), 1, self.smtp.messages)
        self.assertIn("ops@example.test", " ".join(mail[0]["to"]))
        self.assertIn("All good.", mail[0]["data"])

    @needs_sender
    def test_tool_action_generic_form(self: Any) -> None:
        text = "generic " + unique()
        result = cronium.toolAction("slack", "send", {"text": text}, "slack-" + self.suffix)
        self.assertIs(result["success"], True, result)
        self.assertIn({"text": text}, self.received("/slack/named"))
        self.assertIs(cronium.tool_action("slack", "send", {"text": text + "!"})["success"], True)

    @needs_sender
    def test_a_send_whose_connection_drops_is_delivered_once_and_its_answer_replayed(self: Any) -> None:
        # The connection breaks while the provider is still busy with the first attempt: the runtime
        # finishes that send (it is not cancelled with the request), the helper's retry meets
        # 409 idempotency_in_progress, waits out its Retry-After and gets the first attempt's answer.
        relay = self.through_relay()
        text = "held " + unique()
        cut = threading.Event()

        def hold(entry: Dict[str, Any]) -> None:
            if entry["path"] == "/slack/held" and not cut.is_set():
                cut.set()
                relay.close_client_connections()
                time.sleep(2.5)

        self.webhooks.on_receive = hold
        self.addCleanup(setattr, self.webhooks, "on_receive", None)
        with RetryLog() as log:
            result = cronium.sendSlack(text, credential="slack-held-" + self.suffix)
        self.assertTrue(cut.is_set())
        self.assertIs(result["success"], True, result)
        self.assertEqual(self.received("/slack/held"), [{"text": text}], "one send, not one per attempt")
        self.assertEqual(len(set(relay.idempotency_keys)), 1)
        self.assertTrue(any("idempotency_in_progress" in m for m in log.messages), log.messages)

    def test_missing_credential_is_credential_not_found(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.sendSlack("nobody hears this", credential="no-such-" + unique())
        self.assertProblem(caught.exception, 404, "credential_not_found")

    def test_credential_of_another_tool_is_tool_failed(self: Any) -> None:
        with self.assertRaises(cronium.CroniumError) as caught:
            cronium.sendSlack("wrong tool", credential="discord-" + self.suffix)
        self.assertProblem(caught.exception, 422, "tool_failed")

    @needs_sender
    def test_credential_secret_never_reaches_the_script(self: Any) -> None:
        result = cronium.sendSlack("secret check " + unique())
        self.assertNotIn(self.webhooks.url("/slack/default"), repr(result))


class ToolActionsOverTcp(ToolActions, LiveTestCase):
    transport = "tcp"


class ToolActionsOverUnixSocket(ToolActions, LiveTestCase):
    transport = "unix"


if __name__ == "__main__":
    unittest.main()
