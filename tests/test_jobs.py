"""APScheduler wiring without Discord: one cron job per guild in its own timezone, jobs that
are never dropped for running late, and sync that adds, replaces and removes jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from bot.app import DiscordPort
from bot.bank import Bank
from bot.catalog import Catalog
from bot.clock import FakeClock
from bot.daily import DailyService
from bot.ingest import AnswerWriter
from bot.jobs import SWEEP_SECONDS, DailyJobs, cron_for
from bot.publishing import Publisher
from bot.storage import GuildSettings, Store

BERLIN = ZoneInfo("Europe/Berlin")


def guild(gid: int, **changes: object) -> GuildSettings:
    base: dict[str, object] = {"guild_id": gid, "channel_id": 10 + gid, "timezone": "Europe/Berlin"}
    return GuildSettings(**{**base, **changes})  # type: ignore[arg-type]


def make_jobs(store: Store, bank: Bank, clock: FakeClock) -> DailyJobs:
    daily = DailyService(
        store, Catalog(bank, store), cast(Publisher, DiscordPort()), clock, AnswerWriter(store)
    )
    return DailyJobs(store, daily, clock)


@pytest.fixture
async def jobs(store: Store, bank: Bank, clock: FakeClock) -> AsyncIterator[DailyJobs]:
    # Started inside the running loop, as setup_hook does; shut down whatever the test did.
    scheduler = make_jobs(store, bank, clock)
    await scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.shutdown()


def fires(settings: GuildSettings, after: datetime, count: int) -> list[datetime]:
    trigger = cron_for(settings)
    out: list[datetime] = []
    previous: datetime | None = None
    now = after
    while len(out) < count:
        at = trigger.get_next_fire_time(previous, now)
        assert at is not None
        out.append(at)
        previous, now = at, at + timedelta(seconds=1)
    return out


def test_cron_fires_at_local_time_in_the_guilds_timezone() -> None:
    after = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    berlin = fires(guild(1), after, 1)[0]
    new_york = fires(guild(2, timezone="America/New_York"), after, 1)[0]
    assert berlin.astimezone(UTC) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert new_york.astimezone(UTC) == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_cron_keeps_local_time_across_spring_forward_and_fall_back() -> None:
    spring = fires(guild(1), datetime(2026, 3, 28, 0, 0, tzinfo=UTC), 3)
    assert [f.astimezone(BERLIN).hour for f in spring] == [9, 9, 9]
    assert [f.astimezone(UTC).hour for f in spring] == [8, 7, 7]
    autumn = fires(guild(1), datetime(2026, 10, 24, 0, 0, tzinfo=UTC), 3)
    assert [f.astimezone(UTC).hour for f in autumn] == [7, 8, 8]


def test_cron_for_a_time_in_the_spring_forward_gap_does_not_fire_at_a_wrong_day() -> None:
    # APScheduler skips or shifts the non-existent 02:30; the sweep (and tick's due_slot)
    # cover the day. Whatever it does, it must not fire twice nor on another local date.
    after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    local_dates = [
        f.astimezone(BERLIN).date() for f in fires(guild(1, post_time="02:30"), after, 3)
    ]
    assert len(set(local_dates)) == 3
    assert local_dates[0].isoformat() in {"2026-03-29", "2026-03-30"}


def test_cron_only_on_the_guilds_weekdays() -> None:
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    days = [f.weekday() for f in fires(guild(1, weekdays=frozenset({0, 2, 4})), friday, 4)]
    assert days == [0, 2, 4, 0]


async def test_sync_adds_one_job_per_configured_active_guild(jobs: DailyJobs) -> None:
    jobs.sync([guild(1), guild(2, timezone="America/New_York"), guild(3, paused=True)])
    ids = {j.id for j in jobs.scheduler.get_jobs()}
    assert ids == {"sweep", "post:1", "post:2"}
    job = jobs.scheduler.get_job("post:2")
    assert job is not None
    assert str(job.trigger.timezone) == "America/New_York"
    assert "day_of_week='mon,tue,wed,thu,fri,sat,sun'" in repr(job.trigger)


async def test_sync_skips_guilds_without_channel_or_weekdays(jobs: DailyJobs) -> None:
    jobs.sync([guild(1, channel_id=None), guild(2, weekdays=frozenset())])
    assert [j.id for j in jobs.scheduler.get_jobs()] == ["sweep"]


async def test_every_job_is_never_dropped_for_starting_late_and_coalesces(
    jobs: DailyJobs,
) -> None:
    jobs.sync([guild(1)])
    jobs.reveal_at(7, datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    all_jobs = jobs.scheduler.get_jobs()
    assert {j.id for j in all_jobs} == {"sweep", "post:1", "reveal:7"}
    for job in all_jobs:
        assert job.misfire_grace_time is None, job.id
        assert job.coalesce is True, job.id
        assert job.max_instances == 1, job.id


async def test_sync_replaces_a_changed_guild_and_removes_a_gone_one(jobs: DailyJobs) -> None:
    jobs.sync([guild(1), guild(2)])
    jobs.sync([guild(1, post_time="18:30", timezone="America/New_York")])
    assert {j.id for j in jobs.scheduler.get_jobs()} == {"sweep", "post:1"}
    job = jobs.scheduler.get_job("post:1")
    assert job is not None
    nxt = job.trigger.get_next_fire_time(None, datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    assert nxt.astimezone(UTC) == datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert jobs.next_run(1) is not None and jobs.next_run(2) is None


async def test_pausing_a_guild_removes_its_job(jobs: DailyJobs) -> None:
    jobs.sync([guild(1)])
    jobs.sync([guild(1, paused=True)])
    assert jobs.scheduler.get_job("post:1") is None


async def test_a_posts_reveal_job_is_added_once(jobs: DailyJobs) -> None:
    # Re-adding a job whose time is past would fire it again at once, on every tick.
    first = datetime(2030, 1, 1, tzinfo=UTC)
    jobs.reveal_at(7, first)
    jobs.reveal_at(7, first + timedelta(hours=1))
    jobs.reveal_at(8, first)
    reveal = {j.id: j for j in jobs.scheduler.get_jobs() if j.id.startswith("reveal:")}
    assert set(reveal) == {"reveal:7", "reveal:8"}
    assert reveal["reveal:7"].next_run_time == first


async def test_the_sweep_runs_every_minute(jobs: DailyJobs) -> None:
    sweep = jobs.scheduler.get_job("sweep")
    assert sweep is not None
    assert sweep.trigger.interval == timedelta(seconds=SWEEP_SECONDS) <= timedelta(minutes=1)


async def test_shutdown_is_safe_twice(store: Store, bank: Bank, clock: FakeClock) -> None:
    scheduler = make_jobs(store, bank, clock)
    await scheduler.start()
    await scheduler.shutdown()
    await (
        scheduler.shutdown()
    )  # AsyncIOScheduler stops on the next loop turn; a second call is a no-op
    await asyncio.sleep(0)
    assert not scheduler.scheduler.running
