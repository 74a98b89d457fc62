"""The one source of time for the core, the scheduler and the tests.

Only ``SystemClock`` reads the wall clock; everything else takes a ``Clock``. Each clock also
makes the one alarm the dispatcher (bot/jobs.py) sleeps on: on the real clock an APScheduler
date job, on ``FakeClock`` a bell rung when a test moves time past it. Tests move time without
sleeping, and the bot wakes exactly as it would in production: when something is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

# APScheduler's default grace of 1 s silently drops a run that starts late (a busy loop, a
# suspended laptop): never drop, and fold missed runs into one (shared/FACTS.md).
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class Alarm(Protocol):
    """One alarm: ``set`` replaces the time it rings at; ringing calls the callback once."""

    def start(self) -> None:
        """Call inside the running loop (discord.py's setup_hook)."""
        ...

    def set(self, when: datetime | None) -> None:
        """Ring at ``when`` (at once if it is past); None: don't ring."""
        ...

    def shutdown(self) -> None: ...

    @property
    def running(self) -> bool:
        """Started and not shut down (readiness checks ask this)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def alarm(self, ring: Callable[[], None]) -> Alarm:
        """An alarm on this clock's time that calls ``ring`` in the event loop."""
        ...


class SchedulerAlarm:
    """The real clock's alarm: one APScheduler date-trigger job, replaced on every ``set``.
    The alarms of one clock share its scheduler (one job each)."""

    def __init__(
        self,
        ring: Callable[[], None],
        scheduler: AsyncIOScheduler | None = None,
        job_id: str = "dispatch",
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        self.ring = ring
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self.job_id = job_id
        self._on_shutdown = on_shutdown
        self._started = False
        self._stopped = False

    def start(self) -> None:
        self._started = True
        if not self.scheduler.running:
            self.scheduler.start()

    def set(self, when: datetime | None) -> None:
        if self._stopped:
            return
        if when is None:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(self.job_id)
            return
        self.scheduler.add_job(
            self._ring, DateTrigger(run_date=when), id=self.job_id, replace_existing=True
        )

    async def _ring(self) -> None:
        # A coroutine job runs on the loop; a plain function would go to a thread pool.
        self.ring()

    @property
    def running(self) -> bool:
        return self._started and not self._stopped and bool(self.scheduler.running)

    def next_ring(self) -> datetime | None:
        job = self.scheduler.get_job(self.job_id)
        return job.next_run_time if job else None

    def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._on_shutdown is not None:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(self.job_id)
            self._on_shutdown()
        elif self.scheduler.running:
            # AsyncIOScheduler stops on the loop's next turn and reports running until then:
            # a second call in between would raise from inside the loop.
            self.scheduler.shutdown(wait=False)


class SystemClock:
    """Wall-clock time. Its alarms share one APScheduler, stopped with the last alarm."""

    def __init__(self) -> None:
        self._scheduler: AsyncIOScheduler | None = None
        self._alarms = 0
        self._ids = itertools.count(1)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def alarm(self, ring: Callable[[], None]) -> Alarm:
        if self._scheduler is None:
            self._scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self._alarms += 1
        return SchedulerAlarm(ring, self._scheduler, f"alarm-{next(self._ids)}", self._release)

    def _release(self) -> None:
        self._alarms -= 1
        if self._alarms == 0 and self._scheduler is not None:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            self._scheduler = None


class FakeAlarm:
    """Rings when the fake clock is moved to or past the time it is set to."""

    def __init__(self, clock: FakeClock, ring: Callable[[], None]) -> None:
        self.clock = clock
        self.ring = ring
        self.when: datetime | None = None
        self._running = False
        clock.subscribe(self._moved)

    def start(self) -> None:
        self._running = True
        self._moved(self.clock.now())

    def set(self, when: datetime | None) -> None:
        self.when = when
        self._moved(self.clock.now())

    def shutdown(self) -> None:
        self._running = False
        self.when = None

    @property
    def running(self) -> bool:
        return self._running

    def _moved(self, now: datetime) -> None:
        if self._running and self.when is not None and now >= self.when:
            self.when = None
            # On the loop's next turn, as a scheduler job would: never inside clock.set().
            asyncio.get_running_loop().call_soon(self._ring)

    def _ring(self) -> None:
        if self._running:
            self.ring()


class FakeClock:
    """A clock that only moves when told to. Starts at ``start`` (aware)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._listeners: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        return self._now

    def alarm(self, ring: Callable[[], None]) -> Alarm:
        return FakeAlarm(self, ring)

    def subscribe(self, listener: Callable[[datetime], None]) -> None:
        """Call ``listener(now)`` whenever the clock is moved."""
        self._listeners.append(listener)

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = when.astimezone(UTC)
        for listener in list(self._listeners):
            listener(self._now)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.set(self._now + (delta if delta is not None else timedelta(**kwargs)))
        return self._now
