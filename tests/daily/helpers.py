"""Shared steps for the daily-question stories: configure a guild, read what the bot posted."""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator import Emulator
from bot.storage import DailyPost, Store
from tests.conftest import START, World

TITLE = "Question of the day"
ANSWER = "I would gate the release on offline metrics, then a canary with rollback."


async def configure(
    store: Store,
    guild_id: int,
    channel_id: int,
    organiser_id: int,
    *,
    time: str = "09:00",
    tz: str = "Europe/Berlin",
    **extra: object,
) -> None:
    await store.guilds.update(
        guild_id,
        organiser_id,
        START,
        channel_id=channel_id,
        post_time=time,
        timezone=tz,
        **extra,
    )


async def configure_world(store: Store, world: World, **options: Any) -> None:
    await configure(store, world.guild.id, world.channel.id, world.owner.id, **options)


def daily_posts(emu: Emulator, channel_id: int) -> list[Any]:
    """The bot's question posts in a channel (not its notices or reveals)."""
    return [
        m
        for m in emu.messages(channel_id)
        if m.author.id == emu.bot_user_id and f"## {TITLE}\n" in m.text
    ]


def post_calls(emu: Emulator, channel_id: int, status: int | None = None) -> list[Any]:
    path = f"/channels/{channel_id}/messages"
    return [
        c
        for c in emu.calls
        if c.method == "POST" and c.path == path and (status is None or c.status == status)
    ]


async def stored(store: Store, guild_id: int, local_date: str) -> DailyPost:
    post = await store.daily.get(guild_id, local_date)
    assert post is not None, f"no daily post stored for {local_date}"
    return post


async def all_posts(store: Store, guild_id: int) -> list[DailyPost]:
    return [
        p
        for state in ("pending", "posted", "revealed")
        for p in await store.daily.in_state(state, guild_id)
    ]
