"""The one wake-up path: a dispatcher that sleeps until the earliest due time of any timed work.

Every kind of timed work (the daily post, reveal and lock per guild; study-plan reminders; later
digests and nudges) is a ``Job`` registered once in the composition root. A job answers two
questions — "what is planned, from the database" at start and "when is this key next due" after
each run or change — and does one thing: ``run(key)``. The dispatcher keeps one instant per
(job, key) in a heap and sets a single alarm for the earliest (on the real clock, an APScheduler
date-trigger job; on the fake clock, a bell rung when a test moves time: see bot/clock.py). When
it rings, the keys whose time has come run, each in a task of its own, so a slow route or a 429
in one guild holds no other. A run asked for while one runs for the same key runs once after it.

Adding a kind of timed work touches its own package and one ``register`` call in bot/app.py,
nothing here. In the style of RoboDanny's ``cogs/reminder.py`` ``dispatch_timers``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Alarm, Clock

log = logging.getLogger(__name__)
RETRY = timedelta(minutes=1)  # a run whose planning failed, or whose work is unfinished
PARALLEL_RUNS = 32  # runs at once; discord.py paces the requests behind them
STOP_GRACE = 10.0  # seconds a run half-way through a post gets to finish on shutdown

Key = Hashable


class Job(Protocol):
    """One kind of timed work. ``name`` is unique among the registered jobs."""

    name: str

    async def planned(self, now: datetime) -> Iterable[tuple[Key, datetime]]:
        """Every (key, when) due from now on, read from the database (at start and reload).
        A time already past is due at once."""
        ...

    async def next_due(self, key: Key, now: datetime, *, after_run: bool) -> datetime | None:
        """When ``key`` is next due: after a run of it (``after_run``; ``now`` is then when
        that run began, so what fell due while it ran is not taken for what it failed), or
        after a change."""
        ...

    async def run(self, key: Key) -> None:
        """Do what is due for ``key`` now. Idempotent: exactly-once lives in the database."""
        ...


class Dispatcher:
    def __init__(self, clock: Clock, *, parallel: int = PARALLEL_RUNS) -> None:
        self.clock = clock
        self.alarm = clock.alarm(self._ring)
        self._jobs: dict[str, Job] = {}
        self._due: dict[tuple[str, Key], datetime] = {}  # (job, key) -> when it next runs
        self._heap: list[tuple[datetime, int, str, Key]] = []  # stale entries are skipped
        self._order = itertools.count()  # ties in the heap never compare keys
        self._armed: datetime | None = None
        self._running: dict[tuple[str, Key], asyncio.Task[None]] = {}
        self._again: set[tuple[str, Key]] = set()
        self._helpers: set[asyncio.Task[Any]] = set()
        self._gate = asyncio.Semaphore(parallel)
        self._stopping = False
        self._held = True  # until the first wake(): the client has caught up with Discord
        self._woken = asyncio.Event()  # set with the first wake() (or on shutdown)
        self.rings = 0  # times the dispatcher woke (figures for tests and benchmarks)
        self.runs = 0  # runs started

    def register(self, job: Job) -> None:
        """In the composition root, before ``start``."""
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name!r} is registered already")
        self._jobs[job.name] = job

    @property
    def jobs(self) -> tuple[str, ...]:
        return tuple(self._jobs)

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Inside the running loop, once Discord is wired (discord.py's setup_hook). Runs wait
        for the first ``wake()``: answers given while the bot was down are read back before
        anything is revealed."""
        self.alarm.start()
        await self.reload()

    async def reload(self) -> None:
        """Plan every job from the database."""
        now = self.clock.now()
        self._due.clear()
        self._heap.clear()
        for job in self._jobs.values():
            for key, when in await job.planned(now):
                self._plan(job.name, key, max(when, now))
        log.info("planned %d run(s) of %d kind(s)", len(self._due), len(self._jobs))
        self._arm()

    async def shutdown(self) -> None:
        """No more rings; runs half-way through finish (up to STOP_GRACE), the rest never
        start."""
        self._stopping = True
        self._woken.set()
        self.alarm.shutdown()
        running = set(self._running.values())
        if running:
            _, late = await asyncio.wait(running, timeout=STOP_GRACE)
            if late:
                log.warning("stopping with %d run(s) unfinished", len(late))
        for task in [*self._running.values(), *self._helpers]:
            task.cancel()
        await asyncio.gather(*self._running.values(), *self._helpers, return_exceptions=True)

    async def idle(self) -> None:
        """Until nothing runs and nothing due is waiting: what a test awaits after moving the
        fake clock (the alarm rings on the loop's next turn, as a scheduler job would)."""
        await self._woken.wait()  # the client wakes the dispatcher once it has caught up
        while True:
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            busy = [*self._running.values(), *self._helpers]
            if busy:
                await asyncio.gather(*busy, return_exceptions=True)
                continue
            if not self._held and self._heap and self._heap[0][0] <= self.clock.now():
                self.wake()
                continue
            return

    # -- what changes the plan ----------------------------------------------------------------
    async def replan(self, name: str, key: Key) -> None:
        """Something about ``key`` changed (settings, a plan): ask the job again when it is due;
        this replaces what was planned for it."""
        job = self._jobs[name]
        self._due.pop((name, key), None)
        self._plan(name, key, await job.next_due(key, self.clock.now(), after_run=False))
        self._arm()

    def at(self, name: str, key: Key, when: datetime) -> None:
        """Run ``key`` at ``when`` too (the earlier of this and what is planned wins)."""
        self._plan(name, key, when)
        self._arm()

    def soon(self, name: str, key: Key) -> None:
        """``replan`` from synchronous code (a cog's callback): done in a task of its own."""
        self._helper(self.replan(name, key))

    @property
    def scheduler(self) -> Alarm:
        """What wakes the dispatcher (on the real clock, an APScheduler date job)."""
        return self.alarm

    def running(self, name: str) -> frozenset[Key]:
        """The keys of ``name`` with a run in progress."""
        return frozenset(key for job, key in self._running if job == name)

    def planned_at(self, name: str, key: Key) -> datetime | None:
        return self._due.get((name, key))

    # -- the wake-up --------------------------------------------------------------------------
    def _ring(self) -> None:
        if not self._held:
            self.wake()

    def wake(self) -> None:
        """Start a run for every key whose time has come. The alarm rings this; the client
        calls it once connected and caught up (nothing runs before that first call). Looks
        only at the due end of the heap."""
        self._held = False
        self._woken.set()
        if self._stopping:
            return
        self.rings += 1
        now = self.clock.now()
        self._armed = None
        while self._heap and self._heap[0][0] <= now:
            when, _, name, key = heapq.heappop(self._heap)
            if self._due.get((name, key)) == when:
                del self._due[(name, key)]
                self._start(name, key)
        self._arm()

    def _start(self, name: str, key: Key) -> None:
        slot = (name, key)
        if slot in self._running:
            self._again.add(slot)  # once more after the run in progress, not twice
            return
        task = asyncio.get_running_loop().create_task(
            self._run(name, key), name=f"drillbot-{name}-{key}"
        )
        self._running[slot] = task  # until _run leaves (its ``finally``)

    async def _run(self, name: str, key: Key) -> None:
        job, slot = self._jobs[name], (name, key)
        try:
            while not self._stopping:
                self._again.discard(slot)
                began = self.clock.now()
                async with self._gate:
                    if self._stopping:
                        return
                    self.runs += 1
                    try:
                        await job.run(key)
                    except Exception:
                        log.exception("%s run for %s failed", name, key)
                try:
                    when = await job.next_due(key, began, after_run=True)
                except Exception:
                    log.exception("planning %s for %s failed; looking again soon", name, key)
                    when = self.clock.now() + RETRY
                self._plan(name, key, when)
                # Asked for again while this run was under way (even while it was planning):
                # once more. No await between this check and leaving ``_running``.
                if slot not in self._again:
                    break
        finally:
            self._running.pop(slot, None)
        self._arm()

    def _plan(self, name: str, key: Key, when: datetime | None) -> None:
        """Ask for a run at ``when`` (the earlier one wins if one is planned)."""
        if when is None or name not in self._jobs:
            return
        current = self._due.get((name, key))
        if current is None or when < current:
            self._due[(name, key)] = when
            heapq.heappush(self._heap, (when, next(self._order), name, key))

    def _arm(self) -> None:
        while self._heap:
            when, _, name, key = self._heap[0]
            if self._due.get((name, key)) == when:
                break
            heapq.heappop(self._heap)
        earliest = self._heap[0][0] if self._heap else None
        if earliest != self._armed and not self._stopping:
            self._armed = earliest
            self.alarm.set(earliest)

    def _helper(self, coro: Any) -> None:
        if self._stopping:
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro)
        self._helpers.add(task)
        task.add_done_callback(self._helpers.discard)
