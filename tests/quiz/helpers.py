"""Small steps the quiz scenarios share: run a command, press a button, read what came back."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.interactions import Interaction
from bot.sandbox.emulator.layouts import buttons, texts
from bot.sandbox.emulator.state import Message

EPHEMERAL = 64


def button_ids(message: Message) -> list[str]:
    return [b["custom_id"] for b in buttons(message.components) if "custom_id" in b]


def footer_session(message: Message) -> int:
    """The session id the bot printed in the card's last line (``-# cicd-001 v1 · session 7``,
    with `` · part 1 of 2`` when the notes went on)."""
    footer = texts(message.components)[-1]
    return int(footer.rsplit("session ", 1)[1].split(" ")[0])


def title(message: Message) -> str:
    """The card's heading (``## Practice question``) without its markup."""
    return texts(message.components)[0].splitlines()[0].removeprefix("## ")


def prompt(message: Message) -> str:
    """The question card's prompt: the text beside the Answer button."""
    return next(t for t in texts(message.components) if not t.startswith(("#", "-#")))


def shown_texts(message: Message) -> list[str]:
    return texts(message.components)


async def ask(member: Any, channel_id: int, command: str, **options: Any) -> Message:
    """Run a practice command and return the ephemeral follow-up it produced."""
    inter = await member.slash(command, options, channel_id=channel_id)
    assert (await inter.wait_response())["type"] == 5  # deferred, so never past 3 s
    message = await inter.wait_followup()
    assert message.flags & EPHEMERAL
    return message


async def press(member: Any, message: Message, custom_id: str) -> Interaction:
    inter = await member.click(message.channel_id, message.id, custom_id)
    await inter.wait_response()
    return inter


async def refusal(inter: Interaction) -> str:
    """The ephemeral text an interaction was answered with (response or follow-up)."""
    response = await inter.wait_response()
    if response["type"] == 4:
        assert response["data"]["flags"] & EPHEMERAL
        return str(response["data"]["content"])
    message = await inter.wait_followup()
    assert message.flags & EPHEMERAL
    return message.content


def transcript(emu: Emulator, since: int = 0) -> str:
    """The REST calls the bot made, bodies decoded, for reading a whole exchange."""
    lines = []
    for call in emu.calls[since:]:
        body = json.dumps(call.json, ensure_ascii=False) if call.json is not None else ""
        lines.append(f"{call.method} {call.path} -> {call.status}\n    {body}")
    return "\n".join(lines)
