"""The weekly digest through the real client and the emulator: set by an organiser, posted once
on its day in each guild's own time zone, once across a restart and across a crash after
Discord took it, with hidden members nowhere in it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.storage import Store
from tests.conftest import START, BotFactory, World, eventually
from tests.daily.helpers import configure, configure_world
from tests.drill.conftest import run, text_of
from tests.leaderboard import history

# START is Monday 2 March 2026, 06:00 UTC (07:00 in Berlin, 01:00 in New York). Last week is
# 23 February - 1 March.
NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NINE_NEW_YORK = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LAST_WEEK = ("2026-02-23", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27")


def digests(world: World, channel_id: int) -> list[Any]:
    return [
        m
        for m in world.emu.messages(channel_id)
        if m.author.id == world.emu.bot_user_id
        and m.embeds
        and str(m.embeds[0].get("title", "")).startswith("Weekly digest")
    ]


async def last_week(store: Store, guild_id: int, *members: int) -> None:
    """Five days of answers: the first member every day, the others on some."""
    for i, day in enumerate(LAST_WEEK):
        await history.day(store, day, *members[: 1 + i % len(members)], guild=guild_id)


async def test_set_by_an_organiser_posted_once_on_its_day_and_again_the_next_week(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    await configure_world(store, world, time="18:00")
    ana, ben, cy = world["ana"], world["ben"], world["cy"]
    await last_week(store, world.guild.id, ana.id, ben.id, cy.id)
    await store.boards.set_hidden(world.guild.id, cy.id, True, START)
    async with start_bot() as bot:
        refused = await run(ana, "drill digest", {"day": "mon"}, channel_id=world.channel.id)
        assert "Only organisers" in text_of(refused)
        set_up = await run(
            world.owner,
            "drill digest",
            {"day": "mon", "time": "09:00"},
            channel_id=world.channel.id,
        )
        assert f"<t:{int(NINE_BERLIN.timestamp())}:F>" in set_up.content  # today, 09:00 Berlin
        clock.set(NINE_BERLIN - timedelta(minutes=1))
        await bot.jobs.idle()
        assert digests(world, world.channel.id) == []
        clock.set(NINE_BERLIN)
        await bot.jobs.idle()
        (posted,) = await eventually(lambda: digests(world, world.channel.id))
        shown = text_of(posted)
        assert "23 February – 1 March 2026" in shown
        assert f"<@{ana.id}>" in shown and f"<@{ben.id}>" in shown
        assert str(cy.id) not in shown  # hidden from the boards: hidden here
        assert "Top 5" in shown and "Streaks still alive" in shown
    async with start_bot() as bot:  # a restart on the same day posts nothing more
        clock.advance(hours=2)
        await bot.jobs.idle()
        assert len(digests(world, world.channel.id)) == 1
        clock.set(NINE_BERLIN + timedelta(days=7))  # the next Monday: the week of 2 March
        await bot.jobs.idle()
        await eventually(lambda: len(digests(world, world.channel.id)) == 2)
    claims = [await store.digests.get(world.guild.id, w) for w in ("2026-02-23", "2026-03-02")]
    assert [c.state if c else None for c in claims] == ["posted", "posted"]


async def test_two_time_zones_each_get_theirs_at_their_own_nine(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    emu = world.emu
    ny = emu.create_guild("New York group")
    ny_channel = ny.create_text_channel("daily")
    await configure_world(store, world)
    await configure(store, ny.id, ny_channel.id, ny.owner.id, tz="America/New_York")
    for guild_id in (world.guild.id, ny.id):
        await store.digests.set(guild_id, 0, "09:00", 1, START - timedelta(days=1))
    async with start_bot() as bot:
        clock.set(NINE_BERLIN)
        await bot.jobs.idle()
        await eventually(lambda: digests(world, world.channel.id))
        assert digests(world, ny_channel.id) == []  # 03:00 in New York
        clock.set(NINE_NEW_YORK - timedelta(minutes=1))
        await bot.jobs.idle()
        assert digests(world, ny_channel.id) == []
        clock.set(NINE_NEW_YORK)
        await bot.jobs.idle()
        await eventually(lambda: digests(world, ny_channel.id))
    assert len(digests(world, world.channel.id)) == 1 and len(digests(world, ny_channel.id)) == 1


async def test_a_crash_after_discord_took_it_is_recovered_without_a_second_message(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await configure_world(store, world)
    await store.digests.set(world.guild.id, 0, "09:00", 1, START - timedelta(days=1))
    real = store.digests.mark_posted
    crashes: list[int] = []

    async def crash_once(claim_id: int, *args: Any) -> bool:
        if not crashes:
            crashes.append(claim_id)
            raise RuntimeError("process died before the message id was stored")
        return await real(claim_id, *args)

    monkeypatch.setattr(store.digests, "mark_posted", crash_once)
    async with start_bot() as bot:
        clock.set(NINE_BERLIN)
        await eventually(lambda: crashes)
        await bot.jobs.idle()
        assert len(digests(world, world.channel.id)) == 1
        claim = await store.digests.get(world.guild.id, "2026-02-23")
        assert claim is not None and claim.state == "pending"
    clock.advance(minutes=5)
    async with start_bot() as bot:  # found again in the channel by time, not resent
        await bot.jobs.idle()
    (posted,) = digests(world, world.channel.id)
    claim = await store.digests.get(world.guild.id, "2026-02-23")
    assert claim is not None and claim.state == "posted" and claim.message_id == posted.id


async def test_set_on_a_wednesday_for_mondays_waits_for_monday(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    await configure_world(store, world)
    clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # Wednesday
    async with start_bot() as bot:
        await run(world.owner, "drill digest", {"day": "mon"}, channel_id=world.channel.id)
        await bot.jobs.idle()
        assert digests(world, world.channel.id) == []
        assert bot.jobs.planned_at("digest", world.guild.id) == NINE_BERLIN + timedelta(days=7)


async def test_two_runs_racing_for_one_week_post_one_digest(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    # The unique (guild, week) claim lets one run in; the other finds the claim pending and the
    # message not yet in the channel, so it sends too, with the same nonce: Discord (and the
    # emulator) return the first message for it, and the claim is marked posted once.
    await configure_world(store, world)
    await store.digests.set(world.guild.id, 0, "09:00", 1, START - timedelta(days=1))
    async with start_bot() as bot:
        clock.set(NINE_BERLIN - timedelta(minutes=1))
        await bot.jobs.idle()
        clock.set(NINE_BERLIN)
        await asyncio.gather(bot.app.digest.run(world.guild.id), bot.app.digest.run(world.guild.id))
        await bot.jobs.idle()
    (posted,) = digests(world, world.channel.id)
    claim = await store.digests.get(world.guild.id, "2026-02-23")
    assert claim is not None and claim.state == "posted" and claim.message_id == posted.id
