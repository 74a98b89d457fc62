"""Two shard processes (here: two bots in one event loop) sharing one database and one
Discord: each plans and posts in the guilds of its own shards only, every guild gets exactly
one post a day; and two processes that both think they own every guild still post once."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import build_app
from bot.bank import Bank
from bot.client import DrillBot, ShardedDrillBot, make_bot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.ops.shards import ShardPlan, shard_of
from bot.sandbox.emulator import Emulator
from bot.storage import Store
from tests.conftest import eventually
from tests.daily.helpers import all_posts, configure, daily_posts
from tests.support.backends import db_settings
from tests.support.discord_harness import connected

NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GUILDS = 6


async def make_guilds(
    emulator: Emulator, store: Store, clock: FakeClock, count: int = GUILDS
) -> list[Any]:
    """Guilds whose snowflakes are a millisecond apart, so they fall on alternate shards."""
    made = []
    for i in range(count):
        clock.advance(milliseconds=1)
        guild = emulator.create_guild(f"group {i}")
        channel = guild.create_text_channel("daily-question")
        owner = guild.add_member(f"owner{i}", permissions=["MANAGE_GUILD"])
        guild.add_member(f"member{i}")
        await configure(store, guild.id, channel.id, owner.id)
        made.append((guild, channel))
    return made


@contextlib.asynccontextmanager
async def shard_bot(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank, plan: ShardPlan
) -> AsyncIterator[DrillBot]:
    settings = Settings(
        token=Secret(emulator.token),
        **db_settings(store),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
        shards=plan,
    )
    app = await build_app(settings, clock, bank=bank, store=store)
    bot = make_bot(app, guild_ready_timeout=0.05)
    async with connected(bot, emulator, timeout=15) as ready:
        assert isinstance(ready, DrillBot)
        yield ready


async def test_two_shard_processes_split_the_guilds_and_each_guild_gets_one_post(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.client")
    guilds = await make_guilds(emulator, store, clock)
    assert {shard_of(g.id, 2) for g, _ in guilds} == {0, 1}
    low, high = ShardPlan(2, 0, 0, sharded=True), ShardPlan(2, 1, 1, sharded=True)
    # READY advertises a resume host that is unreachable (as Discord's is behind a proxy).
    emulator.resume_gateway_url = "ws://127.0.0.1:9/unreachable"
    async with (
        shard_bot(emulator, store, clock, bank, low) as first,
        shard_bot(emulator, store, clock, bank, high) as second,
    ):
        assert isinstance(first, ShardedDrillBot) and isinstance(second, ShardedDrillBot)
        # One command upload for the bot, from the process holding shard 0, logged as such.
        syncs = [
            c for c in emulator.calls if c.route_key.endswith("/commands") and c.method == "PUT"
        ]
        assert len(syncs) == 1
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.client"]
        assert sum("commands globally (this process holds shard 0 of 2)" in m for m in lines) == 1
        assert sum("commands not synced here" in m for m in lines) == 1
        shards = sorted(tuple(i["shard"]) for i in emulator.gateway.identifies)
        assert shards == [(0, 2), (1, 2)]  # each identified as its own shard
        for bot, plan in ((first, low), (second, high)):
            # Discord (the emulator) hands each process only its shard's guilds ...
            assert {g.id for g in bot.guilds} == {g.id for g, _ in guilds if plan.owns(g.id)}
            # ... and it plans only those.
            planned = {g.id for g, _ in guilds if bot.app.daily_job.next_run(g.id) is not None}
            assert planned == {g.id for g, _ in guilds if plan.owns(g.id)}
        assert first.app.jobs.jobs == (
            "daily",
            "plan-reminders",
            "digest",
            "nudges",
        )  # reminders: shard 0
        assert second.app.jobs.jobs == ("daily", "digest", "nudges")
        for bot in (first, second):  # every shard resumes through the configured gateway
            for info in bot.shards.values():
                await eventually(lambda i=info: str(i._parent.ws.gateway) == emulator.gateway_url)
        clock.set(NINE_BERLIN)
        for _guild, channel in guilds:
            await eventually(lambda c=channel: len(daily_posts(emulator, c.id)) == 1, timeout=10)
        await eventually(
            lambda: not first.app.daily_job.running and not second.app.daily_job.running
        )
        assert first.jobs.runs + second.jobs.runs == GUILDS  # no guild run in two processes
        clock.advance(timedelta(hours=1))  # an hour on: nothing is posted twice
        await eventually(
            lambda: not first.app.daily_job.running and not second.app.daily_job.running
        )
    for guild, channel in guilds:
        assert len(daily_posts(emulator, channel.id)) == 1
        assert len(await all_posts(store, guild.id)) == 1


async def test_two_processes_that_both_plan_every_guild_still_post_once(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    # A misconfiguration (two processes for the same shards, or a replacement started before
    # the old one stopped): the claim in the database keeps it to one post per guild and day.
    guilds = await make_guilds(emulator, store, clock)
    everything = ShardPlan()
    async with (
        shard_bot(emulator, store, clock, bank, everything) as first,
        shard_bot(emulator, store, clock, bank, everything) as second,
    ):
        assert not isinstance(first, ShardedDrillBot)
        clock.set(NINE_BERLIN)
        await eventually(lambda: first.jobs.runs >= GUILDS and second.jobs.runs >= GUILDS)
        await eventually(
            lambda: not first.app.daily_job.running and not second.app.daily_job.running
        )
    for guild, channel in guilds:
        assert len(daily_posts(emulator, channel.id)) == 1
        assert len(await all_posts(store, guild.id)) == 1
