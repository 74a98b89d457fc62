"""When the daily question goes out: local time in two zones, DST days, and restarts around
the scheduled minute. The real client against the emulator; the clock only moves when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.storage import DailyPost, Store
from tests.conftest import BotFactory, World
from tests.daily.helpers import all_posts, configure, configure_world, daily_posts, stored

BERLIN = ZoneInfo("Europe/Berlin")


async def test_two_guilds_post_at_nine_in_their_own_timezones(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    ny = emu.create_guild("New York study group")
    ny_channel = ny.create_text_channel("daily")
    ny_owner = ny.add_member("nora", permissions=["MANAGE_GUILD"])
    await configure_world(store, world)
    await configure(store, ny.id, ny_channel.id, ny_owner.id, tz="America/New_York")
    async with start_bot() as bot:
        clock.set(datetime(2026, 3, 2, 7, 59, tzinfo=UTC))  # 08:59 Berlin, 02:59 New York
        await bot.jobs.idle()
        assert daily_posts(emu, world.channel.id) == []
        clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # 09:00 Berlin
        await bot.jobs.idle()
        assert len(daily_posts(emu, world.channel.id)) == 1
        assert daily_posts(emu, ny_channel.id) == []
        clock.set(datetime(2026, 3, 2, 13, 59, tzinfo=UTC))  # 08:59 New York (EST)
        await bot.jobs.idle()
        assert daily_posts(emu, ny_channel.id) == []
        clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
        await bot.jobs.idle()
        assert len(daily_posts(emu, ny_channel.id)) == 1
        # New York moves its clocks on 8 March, Berlin on 29 March: for those three weeks
        # 09:00 in New York is 13:00 UTC, and Berlin is still at 08:00 UTC.
        clock.set(datetime(2026, 3, 9, 12, 59, tzinfo=UTC))
        await bot.jobs.idle()
        assert await store.daily.get(ny.id, "2026-03-09") is None
        berlin_monday = await stored(store, world.guild.id, "2026-03-09")
        assert berlin_monday.scheduled_for == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
        clock.set(datetime(2026, 3, 9, 13, 0, tzinfo=UTC))
        await bot.jobs.idle()
    ny_monday = await stored(store, ny.id, "2026-03-09")
    assert ny_monday.state == "posted"
    assert ny_monday.scheduled_for == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert len(daily_posts(emu, ny_channel.id)) == 2
    # Days skipped while the clock jumped are not posted late.
    assert sorted(p.local_date for p in await all_posts(store, ny.id)) == [
        "2026-03-02",
        "2026-03-09",
    ]


async def posted_at_the_minute(
    bot: Any, store: Store, clock: FakeClock, guild_id: int, at: datetime
) -> DailyPost:
    """Nothing a minute before ``at``; at ``at`` the local day's post is out."""
    local_date = at.astimezone(BERLIN).date().isoformat()
    clock.set(at - timedelta(minutes=1))
    await bot.jobs.idle()
    assert await store.daily.get(guild_id, local_date) is None
    clock.advance(minutes=1)
    await bot.jobs.idle()
    post = await stored(store, guild_id, local_date)
    assert post.state == "posted"
    return post


async def test_nine_oclock_stays_local_across_spring_forward_and_fall_back(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        for day, utc_hour in [(28, 8), (29, 7), (30, 7)]:  # Sat CET, Sun CEST, Mon CEST
            at = datetime(2026, 3, day, utc_hour, 0, tzinfo=UTC)
            post = await posted_at_the_minute(bot, store, clock, world.guild.id, at)
            assert post.posted_at is not None
            assert post.posted_at.astimezone(BERLIN).strftime("%H:%M") == "09:00"
        for day, utc_hour in [(24, 7), (25, 8), (26, 8)]:  # Sat CEST, Sun CET, Mon CET
            at = datetime(2026, 10, day, utc_hour, 0, tzinfo=UTC)
            await posted_at_the_minute(bot, store, clock, world.guild.id, at)
    assert len(daily_posts(emu, world.channel.id)) == 6


async def test_a_0230_post_on_spring_forward_day_goes_out_at_0330_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world, time="02:30")
    async with start_bot() as bot:
        # 02:30 does not exist on 29 March in Berlin: 02:00 CET jumps to 03:00 CEST.
        clock.set(datetime(2026, 3, 29, 1, 29, tzinfo=UTC))  # 02:29 "CET" = 03:29 CEST
        await bot.jobs.idle()
        assert await store.daily.get(world.guild.id, "2026-03-29") is None
        clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 03:30 CEST
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, "2026-03-29")
        assert post.state == "posted"
        assert post.scheduled_for.astimezone(BERLIN).strftime("%H:%M") == "03:30"
        for hours in range(1, 22, 4):  # the rest of the day: still one post
            clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=UTC) + timedelta(hours=hours))
            await bot.jobs.idle()
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_0230_post_on_fall_back_day_goes_out_once_though_0230_happens_twice(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world, time="02:30")
    async with start_bot() as bot:
        clock.set(datetime(2026, 10, 25, 0, 29, tzinfo=UTC))  # 02:29 CEST
        await bot.jobs.idle()
        assert daily_posts(emu, world.channel.id) == []
        clock.set(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST, the first time
        await bot.jobs.idle()
        assert len(daily_posts(emu, world.channel.id)) == 1
        clock.set(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 CET, the second time
        await bot.jobs.idle()
        await bot.jobs.idle()
        assert len(daily_posts(emu, world.channel.id)) == 1
        clock.set(datetime(2026, 10, 26, 1, 30, tzinfo=UTC))  # Monday 02:30 CET
        await bot.jobs.idle()
    assert len(daily_posts(emu, world.channel.id)) == 2
    assert sorted(p.local_date for p in await all_posts(store, world.guild.id)) == [
        "2026-10-25",
        "2026-10-26",
    ]


async def test_a_bot_started_before_the_minute_posts_at_the_minute(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:  # 07:00 Berlin
        await bot.jobs.idle()
    assert daily_posts(emu, world.channel.id) == []
    clock.set(datetime(2026, 3, 2, 7, 59, tzinfo=UTC))
    async with start_bot() as bot:  # restarted a minute before 09:00
        await bot.jobs.idle()
        assert daily_posts(emu, world.channel.id) == []
        clock.advance(minutes=1)
        await bot.jobs.idle()
        assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_bot_started_at_the_minute_posts_on_its_own(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    async with start_bot() as bot:
        # No tick from the test: start-up itself catches up what is due.
        await emu.wait_until(lambda: daily_posts(emu, world.channel.id), timeout=5)
        await bot.jobs.idle()
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_bot_down_at_the_minute_catches_up_later_that_local_day(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        await bot.jobs.idle()
    clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 Berlin: the day is not over
    async with start_bot() as bot:
        await emu.wait_until(lambda: daily_posts(emu, world.channel.id), timeout=5)
        await bot.jobs.idle()
    post = await stored(store, world.guild.id, "2026-03-02")
    assert post.state == "posted"
    assert post.scheduled_for == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_bot_down_all_day_does_not_post_the_day_it_missed(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # Tuesday 00:30 Berlin
    async with start_bot() as bot:
        await bot.jobs.idle()
        assert daily_posts(emu, world.channel.id) == []
        assert await all_posts(store, world.guild.id) == []
        clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # Tuesday 09:00
        await bot.jobs.idle()
    assert [p.local_date for p in await all_posts(store, world.guild.id)] == ["2026-03-03"]
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_restart_after_the_post_does_not_post_again(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    async with start_bot() as bot:
        await bot.jobs.idle()
    assert len(daily_posts(emu, world.channel.id)) == 1
    clock.advance(minutes=1)
    async with start_bot() as bot:
        await bot.jobs.idle()
        clock.advance(hours=3)
        await bot.jobs.idle()
    assert len(daily_posts(emu, world.channel.id)) == 1
    post = await stored(store, world.guild.id, "2026-03-02")
    threads = [c for c in emu.world.channels.values() if c.is_thread]
    assert [t.id for t in threads] == [post.thread_id]
