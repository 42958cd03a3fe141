"""Cronium's container SDK names, as thin wrappers over the helper's functions (no request of their own).

Scripts written for that SDK call ``execute_tool_action``, ``send_email(..., cc=, bcc=, html=)``,
``send_slack_message``, ``send_discord_message`` and use the ``Cronium`` / ``AsyncCronium``
clients. They behave as that SDK documented: the tool functions return the provider's answer
(``data``) and raise ``CroniumAPIError`` when the provider failed, where ``toolAction`` and
``sendEmail`` return ``{success, data, error}``.
"""

import functools
from typing import Any, AsyncIterator, Callable, Dict, Optional

from . import (
    deleteVariable,
    event,
    getCondition,
    getVariable,
    input,
    listVariables,
    output,
    setCondition,
    setVariable,
    toolAction,
)
from ._errors import CroniumAPIError


def execute_tool_action(
    tool: str, action: str, config: Optional[Dict[str, Any]] = None, credential: Optional[str] = None
) -> Any:
    """Runs a tool action (``action`` ``send_message`` is ``send``); returns the provider's answer.

    A provider that failed (``success: false``) raises ``CroniumAPIError`` with code ``tool_failed``.
    """
    result = toolAction(tool, action, config, credential)
    if not result.get("success"):
        raise CroniumAPIError(
            200, str(result.get("error") or "the tool reported a failure"), "tool_failed",
            {"code": "tool_failed", "status": 200, "detail": result.get("error"), "data": result.get("data")},
            "runToolAction",
        )
    return result.get("data")


def _present(**fields: Any) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def send_email(
    to: Any,
    subject: str,
    body: str,
    credential: Optional[str] = None,
    *,
    cc: Any = None,
    bcc: Any = None,
    html: Any = None,
    **extra: Any,
) -> Any:
    """Email through the runtime; ``to``, ``cc``, ``bcc`` an address or a list, ``html=True`` when body is HTML."""
    params = dict(extra)
    params.update(_present(to=to, subject=subject, body=body, cc=cc, bcc=bcc, html=html))
    return execute_tool_action("email", "send", params, credential)


def send_slack_message(channel: Optional[str], text: str, credential: Optional[str] = None, **extra: Any) -> Any:
    """A Slack message through the runtime (the webhook's own channel unless it honours ``channel``)."""
    params = dict(extra)
    params.update(_present(channel=channel, text=text))
    return execute_tool_action("slack", "send", params, credential)


def send_discord_message(channel_id: Optional[str], content: str, credential: Optional[str] = None, **extra: Any) -> Any:
    """A Discord message through the runtime (a webhook posts to its own channel; ``channelId`` is passed along)."""
    params = dict(extra)
    params.update(_present(channelId=channel_id, content=content))
    return execute_tool_action("discord", "send", params, credential)


# What a Cronium / AsyncCronium client offers: the SDK's snake_case methods and the camelCase ones.
_METHODS: Dict[str, Callable[..., Any]] = {
    "input": input,
    "output": output,
    "get_variable": getVariable,
    "set_variable": setVariable,
    "delete_variable": deleteVariable,
    "list_variables": listVariables,
    "set_condition": setCondition,
    "get_condition": getCondition,
    "event": event,
    "execute_tool_action": execute_tool_action,
    "send_email": send_email,
    "send_slack_message": send_slack_message,
    "send_discord_message": send_discord_message,
    "getVariable": getVariable,
    "setVariable": setVariable,
    "deleteVariable": deleteVariable,
    "listVariables": listVariables,
    "setCondition": setCondition,
    "getCondition": getCondition,
    "toolAction": toolAction,
}


class Cronium:
    """The client object of Cronium's SDK. It holds nothing: every method is the module function of the
    same name (configuration is read from the environment at each call, so making one never fails)."""


class AsyncCronium:
    """The asyncio client of Cronium's SDK: the same methods as coroutines (each call runs in a worker
    thread, so the event loop is never blocked). ``async with AsyncCronium() as c:`` works."""

    async def close(self) -> None:
        """Nothing to close (connections are shared and kept alive); kept for Cronium's SDK."""

    async def stream_input(self) -> AsyncIterator[Any]:
        """Cronium's SDK: the input as one chunk (nothing when there is none)."""
        data = await self.input()  # type: ignore[attr-defined]
        if data is not None:
            yield data

    async def stream_output(self, chunks: AsyncIterator[Any]) -> None:
        """Cronium's SDK: the output is the list of the chunks."""
        await self.output([chunk async for chunk in chunks])  # type: ignore[attr-defined]

    async def __aenter__(self) -> "AsyncCronium":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def _sync_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return method


def _async_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Imported here: asyncio takes 10-20 ms to import, which every Python script paid at start-up for a
        # client that only async code calls (and async code has it imported already).
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    return method


for _name, _fn in _METHODS.items():
    setattr(Cronium, _name, _sync_method(_fn))
    setattr(AsyncCronium, _name, _async_method(_fn))

# The instance Cronium's SDK exported as ``cronium.cronium``.
cronium = Cronium()
