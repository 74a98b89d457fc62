"""Steps the leaderboard stories share: seed points for emulator members, read replies."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.state import Message
from bot.storage import Store
from tests.drill.conftest import reply_to, text_of
from tests.leaderboard.history import day

__all__ = ["attachment", "board_text", "buttons", "png_size", "reply_to", "seed", "text_of"]


async def seed(store: Store, guild_id: int, dates: list[str], members: list[Any]) -> None:
    """Member k (0-based) answers on the last k+1 of ``dates``: later members rank higher."""
    for n, local in enumerate(dates):
        answering = [m.id for k, m in enumerate(members) if n >= len(dates) - 1 - k]
        await day(store, local, *answering, guild=guild_id)


def buttons(message: Message) -> dict[str, bool]:
    """custom id -> disabled, for every button of a message."""
    return {
        c["custom_id"]: bool(c.get("disabled"))
        for row in message.components
        for c in row.get("components", [])
    }


def board_text(emu: Emulator, message: Message) -> str:
    current = emu.message(message.channel_id, message.id)
    assert current is not None
    return text_of(current)


def attachment(emu: Emulator, message: Message) -> tuple[str, bytes]:
    assert message.attachments, "no file attached"
    att = message.attachments[0]
    filename, data, _ = emu.world.blobs[int(att["id"])]
    return filename, data


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def both(*awaitables: Any) -> list[Any]:
    return list(await asyncio.gather(*awaitables))
