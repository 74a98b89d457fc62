"""The dispatcher: one alarm at the earliest due time of every kind of timed work, runs for the
due keys only, one guild never waiting on another, repeated requests coalesced; the daily job
planned from the database; and the APScheduler alarm under it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeAlarm, FakeClock, SchedulerAlarm, SystemClock
from bot.daily.job import DailyJob
from bot.jobs import RETRY, Dispatcher
from bot.storage import Store
from tests.conftest import START, eventually

# START is Monday 2026-03-02 06:00 UTC: 07:00 in Berlin, 01:00 in New York.
NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NINE_NEW_YORK = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


class Daily(Dispatcher):
    """The dispatcher with the daily job registered, as bot/app.py builds it."""

    def __init__(self, store: Store, work: Work, clock: FakeClock, **kwargs: Any) -> None:
        super().__init__(clock)
        self.daily = DailyJob(store, work, self, **kwargs)
        self.register(self.daily)

    def next_run(self, guild_id: int) -> datetime | None:
        return self.daily.next_run(guild_id)

    async def reschedule(self, guild_id: int | None = None) -> None:
        await self.daily.reschedule(guild_id)

    def reveal_at(self, guild_id: int, when: datetime) -> None:
        self.daily.reveal_at(guild_id, when)

    @property
    def guilds_running(self) -> frozenset[int]:
        return self.daily.running


class Work:
    """The daily service as the dispatcher sees it; posts by storing what a post stores."""

    def __init__(self, store: Store, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.runs: Counter[int] = Counter()
        self.unblocked: list[int] = []
        self.hold: dict[int, asyncio.Event] = {}  # guild -> released when the test says
        self.post = True  # False: every post fails and stays pending

    async def run_guild(self, guild_id: int) -> None:
        self.runs[guild_id] += 1
        if guild_id in self.hold:
            await self.hold[guild_id].wait()
        if self.post:
            await post_in_store(self.store, guild_id, self.clock.now(), reveal_after=None)

    def unblock(self, guild_id: int) -> None:
        self.unblocked.append(guild_id)


async def post_in_store(
    store: Store, guild_id: int, now: datetime, reveal_after: timedelta | None = timedelta(hours=23)
) -> None:
    local = now.astimezone(BERLIN).date()
    post, _ = await store.daily.claim(
        guild_id=guild_id,
        local_date=local.isoformat(),
        question_id="q",
        topic="python",
        channel_id=10 + guild_id,
        nonce=f"n{guild_id}{local}",
        scheduled_for=now,
        reveal_at=now + reveal_after if reveal_after is not None else None,
        now=now,
    )
    await store.daily.mark_posted(post.id, guild_id * 100, None, now)


async def configure(store: Store, guild_id: int, **values: Any) -> None:
    values = {"channel_id": 10 + guild_id, "post_time": "09:00", **values}
    values.setdefault("timezone", "Europe/Berlin")
    await store.guilds.update(guild_id, 1, START, **values)


@pytest.fixture
def work(store: Store, clock: FakeClock) -> Work:
    return Work(store, clock)


@pytest.fixture
async def dispatcher(store: Store, clock: FakeClock, work: Work) -> AsyncIterator[Daily]:
    jobs = Daily(store, work, clock)
    try:
        yield jobs
    finally:
        for event in work.hold.values():
            event.set()
        await jobs.shutdown()


async def started(jobs: Daily) -> Daily:
    await jobs.start()
    jobs.wake()  # as the client does once connected
    return jobs


async def settle(jobs: Daily) -> None:
    """Let rung alarms and the runs they started finish (bounded)."""
    await asyncio.sleep(0)  # a FakeAlarm rings on the loop's next turn
    await eventually(lambda: not jobs.guilds_running, timeout=5)


def alarm_time(jobs: Daily) -> datetime | None:
    assert isinstance(jobs.alarm, FakeAlarm)
    return jobs.alarm.when


async def test_the_alarm_is_set_for_the_earliest_guild_only(
    store: Store, clock: FakeClock, dispatcher: Daily
) -> None:
    await configure(store, 1)
    await configure(store, 2, timezone="America/New_York")
    await started(dispatcher)
    assert alarm_time(dispatcher) == NINE_BERLIN
    assert dispatcher.next_run(2) == NINE_NEW_YORK


async def test_a_ring_runs_the_guilds_that_are_due_and_no_other(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    await configure(store, 2)
    await configure(store, 3, timezone="America/New_York")
    await configure(store, 4, post_time="10:00")
    await started(dispatcher)
    clock.set(NINE_BERLIN)
    await settle(dispatcher)
    assert work.runs == Counter({1: 1, 2: 1})
    assert dispatcher.rings == 2  # the start-up wake and the 09:00 bell
    assert alarm_time(dispatcher) == NINE_BERLIN + timedelta(hours=1)  # guild 4 next


async def test_a_ring_reads_no_guild_settings(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily, monkeypatch: Any
) -> None:
    for gid in range(1, 201):
        await configure(store, gid, post_time="09:00" if gid == 7 else "18:00")
    await started(dispatcher)
    reads: Counter[str] = Counter()
    for name in ("configured", "get", "get_or_default"):
        original = getattr(store.guilds, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            reads[_name] += 1
            return _original(*args)

        monkeypatch.setattr(store.guilds, name, counted)
    clock.set(NINE_BERLIN)
    await settle(dispatcher)
    assert work.runs == Counter({7: 1})
    assert reads == Counter()


async def test_after_a_post_the_next_bell_is_the_next_local_09_00_across_dst(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    clock.set(datetime(2026, 3, 28, 7, 0, tzinfo=UTC))  # Saturday 08:00 Berlin (UTC+1)
    await started(dispatcher)
    rung = []
    for _ in range(3):
        when = alarm_time(dispatcher)
        assert when is not None
        clock.set(when)
        await settle(dispatcher)
        rung.append(when)
    # 09:00 local each day: 08:00 UTC before the change on Sunday 29 March, 07:00 after.
    assert rung == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]
    assert work.runs == Counter({1: 3})


async def test_a_time_in_the_fall_back_hour_runs_once_that_day(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    # 02:30 happens twice in Berlin on Sunday 25 October 2026: the first one counts.
    await configure(store, 1, post_time="02:30")
    clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    await started(dispatcher)
    await settle(dispatcher)  # Saturday's 02:30 has passed: that post is made at once
    assert work.runs == Counter({1: 1})
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert alarm_time(dispatcher) == first
    clock.set(first)
    await settle(dispatcher)
    clock.set(first + timedelta(hours=1))  # 02:30 CET, the second time round
    await settle(dispatcher)
    assert work.runs == Counter({1: 2})
    assert alarm_time(dispatcher) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


async def test_a_failed_post_is_looked_at_again_a_minute_later(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    work.post = False
    await started(dispatcher)
    clock.set(NINE_BERLIN)
    await settle(dispatcher)
    assert alarm_time(dispatcher) == NINE_BERLIN + RETRY
    work.post = True
    clock.set(NINE_BERLIN + RETRY)
    await settle(dispatcher)
    assert work.runs == Counter({1: 2})
    assert alarm_time(dispatcher) == NINE_BERLIN + timedelta(days=1)


async def test_a_run_requested_while_one_runs_runs_once_after_it(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    work.hold[1] = asyncio.Event()
    await started(dispatcher)
    clock.set(NINE_BERLIN)
    await eventually(lambda: work.runs[1] == 1)
    for _ in range(3):  # settings saved three times while the post is under way
        await dispatcher.reschedule(1)
        await asyncio.sleep(0)
    assert work.runs[1] == 1
    work.hold[1].set()
    await settle(dispatcher)
    assert work.runs == Counter({1: 2})


async def test_a_guild_stuck_on_discord_holds_no_other(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    await configure(store, 2)
    work.hold[1] = asyncio.Event()  # e.g. a pin waiting out a 30 s cooldown
    await started(dispatcher)
    clock.set(NINE_BERLIN)
    await eventually(lambda: store.daily.get(2, "2026-03-02"), timeout=5)
    await eventually(lambda: 2 not in dispatcher.guilds_running)
    assert 1 in dispatcher.guilds_running and work.runs == Counter({1: 1, 2: 1})


async def test_a_settings_change_replans_that_guild(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    await started(dispatcher)
    await configure(store, 1, post_time="07:30", timezone="UTC")
    await dispatcher.reschedule(1)
    assert alarm_time(dispatcher) == datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    assert work.unblocked == [1]
    await configure(store, 1, paused=True)
    await dispatcher.reschedule(1)
    assert alarm_time(dispatcher) is None and dispatcher.next_run(1) is None
    clock.set(NINE_BERLIN)
    await settle(dispatcher)
    assert work.runs == Counter()


async def test_setting_up_after_todays_time_is_due_at_once(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await started(dispatcher)
    clock.set(NINE_BERLIN + timedelta(hours=1))
    await configure(store, 1)
    await dispatcher.reschedule(1)
    await settle(dispatcher)
    assert work.runs == Counter({1: 1})


async def test_an_open_posts_reveal_rings_at_its_time(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1, paused=True)  # paused guilds still reveal what is open
    await post_in_store(store, 1, NINE_BERLIN - timedelta(hours=20))
    work.post = False
    await started(dispatcher)
    reveal = NINE_BERLIN + timedelta(hours=3)
    assert alarm_time(dispatcher) == reveal
    clock.set(reveal - timedelta(seconds=1))
    await settle(dispatcher)
    assert work.runs == Counter()
    clock.set(reveal)
    await settle(dispatcher)
    assert work.runs == Counter({1: 1})
    # The fake work does not reveal: the post is still open, so it is tried again soon.
    assert alarm_time(dispatcher) == reveal + RETRY


async def test_a_reveal_falling_due_while_a_run_is_under_way_is_not_taken_for_a_failure(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    # The run that starts at 09:00 takes two minutes (a pin waiting out a cooldown); the post's
    # reveal falls due at 09:01, during it. That reveal was never attempted, so it is due at
    # once when the run ends, not a minute "retry" later.
    await configure(store, 1)
    work.post = False
    await post_in_store(store, 1, NINE_BERLIN, reveal_after=timedelta(minutes=1))
    work.hold[1] = asyncio.Event()
    await started(dispatcher)
    clock.set(NINE_BERLIN)
    await eventually(lambda: work.runs[1] == 1)
    clock.set(NINE_BERLIN + timedelta(minutes=2))
    work.hold[1].set()
    await settle(dispatcher)
    assert work.runs[1] == 2  # the reveal's run, at 09:02, without the clock moving again


async def test_a_post_now_reveal_is_planned(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1, paused=True)
    await started(dispatcher)
    await post_in_store(store, 1, clock.now())
    post = (await store.daily.in_state("posted", 1))[0]
    assert post.reveal_at is not None
    dispatcher.reveal_at(post.guild_id, post.reveal_at)
    await eventually(lambda: alarm_time(dispatcher) == post.reveal_at)


async def test_nothing_runs_before_the_first_wake(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    clock.set(NINE_BERLIN + timedelta(hours=2))  # due since 09:00, e.g. down over it
    await dispatcher.start()
    await asyncio.sleep(0)
    assert work.runs == Counter()
    dispatcher.wake()
    await settle(dispatcher)
    assert work.runs == Counter({1: 1})


async def test_shutdown_lets_a_run_finish_and_starts_no_more(
    store: Store, clock: FakeClock, work: Work, dispatcher: Daily
) -> None:
    await configure(store, 1)
    await configure(store, 2)
    work.hold[1] = asyncio.Event()
    dispatcher._gate = asyncio.Semaphore(1)  # guild 2 queues behind guild 1
    await started(dispatcher)
    clock.set(NINE_BERLIN)
    await eventually(lambda: work.runs[1] == 1)
    stopping = asyncio.create_task(dispatcher.shutdown())
    await asyncio.sleep(0)
    assert not stopping.done()
    work.hold[1].set()
    await asyncio.wait_for(stopping, timeout=5)
    assert await store.daily.get(1, "2026-03-02") is not None
    assert work.runs == Counter({1: 1})  # guild 2 never started
    clock.advance(days=1)
    await asyncio.sleep(0)
    assert work.runs == Counter({1: 1})


# -- the APScheduler alarm ----------------------------------------------------------------------
@pytest.fixture
async def alarm() -> AsyncIterator[tuple[SchedulerAlarm, asyncio.Event]]:
    rang = asyncio.Event()
    bell = SchedulerAlarm(rang.set)
    bell.start()  # inside the running loop, as setup_hook does
    try:
        yield bell, rang
    finally:
        bell.shutdown()


async def test_the_alarm_is_one_date_job_never_dropped_for_running_late(
    alarm: tuple[SchedulerAlarm, asyncio.Event],
) -> None:
    bell, _ = alarm
    bell.set(datetime(2030, 1, 1, tzinfo=UTC))
    bell.set(datetime(2031, 1, 1, tzinfo=UTC))
    jobs = bell.scheduler.get_jobs()
    assert [j.id for j in jobs] == ["dispatch"]
    assert bell.next_ring() == datetime(2031, 1, 1, tzinfo=UTC)
    assert jobs[0].misfire_grace_time is None
    assert jobs[0].coalesce is True and jobs[0].max_instances == 1
    bell.set(None)
    assert bell.scheduler.get_jobs() == []


async def test_the_alarm_rings_at_once_for_a_time_already_past(
    alarm: tuple[SchedulerAlarm, asyncio.Event],
) -> None:
    bell, rang = alarm
    bell.set(datetime.now(UTC) - timedelta(minutes=5))  # e.g. the loop was blocked
    await asyncio.wait_for(rang.wait(), timeout=5)
    assert bell.scheduler.get_jobs() == []  # a date job runs once


async def test_the_alarm_shuts_down_safely_twice() -> None:
    bell = SchedulerAlarm(lambda: None)
    bell.start()
    assert bell.running
    bell.shutdown()
    assert not bell.running
    bell.shutdown()
    bell.set(datetime(2030, 1, 1, tzinfo=UTC))  # after shutdown: ignored, no error
    await asyncio.sleep(0)
    assert not bell.scheduler.running


async def test_the_dispatchers_scheduler_runs_from_start_to_shutdown(
    dispatcher: Daily,
) -> None:
    assert not dispatcher.scheduler.running
    await dispatcher.start()
    assert dispatcher.scheduler.running
    await dispatcher.shutdown()
    assert not dispatcher.scheduler.running


async def test_the_real_clocks_alarms_share_one_scheduler_and_ring_apart() -> None:
    clock = SystemClock()
    rang: list[str] = []
    dispatch = clock.alarm(lambda: rang.append("dispatch"))
    reminders = clock.alarm(lambda: rang.append("reminders"))
    assert isinstance(dispatch, SchedulerAlarm) and isinstance(reminders, SchedulerAlarm)
    assert dispatch.scheduler is reminders.scheduler
    dispatch.start()
    reminders.start()
    try:
        dispatch.set(datetime.now(UTC) - timedelta(seconds=1))
        reminders.set(datetime(2030, 1, 1, tzinfo=UTC))
        await eventually(lambda: rang == ["dispatch"])
        assert [j.id for j in reminders.scheduler.get_jobs()] == [reminders.job_id]
        dispatch.shutdown()
        assert reminders.running and not dispatch.running  # the other alarm keeps going
        assert reminders.next_ring() == datetime(2030, 1, 1, tzinfo=UTC)
    finally:
        dispatch.shutdown()
        reminders.shutdown()
    await asyncio.sleep(0)
    assert not reminders.scheduler.running  # the last alarm stopped the shared scheduler


async def test_a_shard_process_plans_and_runs_only_its_own_guilds(
    store: Store, clock: FakeClock, work: Work
) -> None:
    from bot.ops.shards import ShardPlan

    plan = ShardPlan(2, 1, 1, sharded=True)
    guilds = [ms << 22 for ms in range(1, 7)]  # shards 1, 0, 1, 0, 1, 0
    for gid in guilds:
        await configure(store, gid)
    jobs = Daily(store, work, clock, owns=plan.owns)
    try:
        await started(jobs)
        await jobs.reschedule(guilds[1])  # another process's guild: not taken over
        clock.set(NINE_BERLIN)
        await settle(jobs)
        assert set(work.runs) == {g for g in guilds if plan.owns(g)} == set(guilds[::2])
        assert all(n == 1 for n in work.runs.values())
        assert jobs.next_run(guilds[1]) is None and jobs.next_run(guilds[0]) is not None
    finally:
        await jobs.shutdown()
