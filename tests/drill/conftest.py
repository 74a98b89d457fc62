"""Helpers for driving /drill through the emulator."""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator.interactions import Interaction
from bot.sandbox.emulator.state import Message

EPHEMERAL = 64


async def reply_to(inter: Interaction, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
    """The bot's answer to a command: the response message, or the follow-up after a defer."""
    response = await inter.wait_response(timeout)
    if response["type"] == 5:
        return await inter.wait_followup(timeout)
    assert inter.message is not None, response
    return inter.message


def text_of(message: Message) -> str:
    """Content, every embed's visible text and a V2 layout's text displays, for assertions on
    what the reader sees."""
    return message.text


async def run(
    member: Any, command: str, options: dict[str, Any] | None = None, *, channel_id: int
) -> Message:
    inter = await member.slash(command, options or {}, channel_id=channel_id)
    message = await reply_to(inter)
    assert message.flags & EPHEMERAL, f"/{command} answered in public: {message.content!r}"
    return message
