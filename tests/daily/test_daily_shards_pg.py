"""Two real bot processes, one PostgreSQL, 20 guilds split between them by shard; one is
SIGKILLed right after Discord took its first post and is restarted: still exactly one post
per guild and one row per (guild, day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.emulator import Emulator
from bot.shards import shard_of
from bot.storage import open_store
from tests.daily.helpers import all_posts, daily_posts
from tests.daily.killable import Killer, bot_process
from tests.daily.test_daily_shards import make_guilds

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the guilds' post time
COUNT = 2
pytestmark = pytest.mark.timeout(240)  # three processes import discord.py on a shared machine


def finished(emu: Emulator, channels: set[int]) -> Killer:
    """Kills the process once every channel's post has its thread (the post was stored)."""

    def matches(call: Any) -> bool:
        opened = {  # the call in hand is not in emu.calls yet
            int(c.path.split("/")[2])
            for c in [*emu.calls, call]
            if c.method == "POST" and c.path.endswith("/threads") and c.status < 300
        }
        return channels <= opened

    return Killer(matches)


async def test_two_shard_processes_on_postgres_survive_a_sigkill_with_one_post_per_guild(
    emulator: Emulator, clock: FakeClock, pg_url: str
) -> None:
    store = await open_store(pg_url)
    try:
        guilds = await make_guilds(emulator, store, clock, count=20)
        clock.set(NINE)
        shard = {g.id: shard_of(g.id, COUNT) for g, _ in guilds}
        channels = {s: {c.id for g, c in guilds if shard[g.id] == s} for s in range(COUNT)}
        assert all(len(channels[s]) >= 5 for s in range(COUNT))
        paths = {f"/channels/{c}/messages" for c in channels[0]}
        first_post = Killer(lambda call: call.method == "POST" and call.path in paths)
        async with (
            bot_process(emulator, pg_url, NINE, first_post, (COUNT, 0, 0)),
            bot_process(emulator, pg_url, NINE, finished(emulator, channels[1]), (COUNT, 1, 1)),
        ):
            pass
        # Shard 0's process died right after its first post reached Discord; its replacement
        # catches up: posts the rest, adopts the one it never stored, posts nothing twice.
        emulator.forget_nonces()
        later = NINE + timedelta(minutes=20)
        clock.set(later)
        async with bot_process(
            emulator, pg_url, later, finished(emulator, channels[0]), (COUNT, 0, 0)
        ):
            pass
        for guild, channel in guilds:
            assert len(daily_posts(emulator, channel.id)) == 1, guild.name
            assert len(await all_posts(store, guild.id)) == 1, guild.name
        killed_in = int(first_post.killed[0].path.split("/")[2])
        (row,) = await all_posts(store, next(g.id for g, c in guilds if c.id == killed_in))
        assert row.state == "posted" and row.message_id is not None  # adopted, not reposted
    finally:
        await store.close()
