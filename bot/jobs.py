"""The one wake-up path: a dispatcher that sleeps until the earliest due time.

``bot/schedule.py`` says when each guild is next due (DST included). The dispatcher keeps one
instant per guild in a heap and sets a single alarm for the earliest (on the real clock, an
APScheduler date-trigger job; see bot/clock.py). When it rings, only the guilds whose time has
come are handed to the daily service, each in a task of its own, so a slow route or a 429 in
one guild holds no other. A run requested for a guild while one runs there runs once after it.
After a run the guild's next instant is worked out again: its next post, an open post's
reveal, or a retry in a minute if today's post or a due reveal is still unfinished.

Settings changes (``reschedule``) replan one guild; nothing else wakes the bot. This replaces
the per-guild cron jobs, the 60 s sweep, the reveal date jobs and the clock subscription, in
the style of RoboDanny's ``cogs/reminder.py`` ``dispatch_timers``.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot import schedule
from bot.clock import Alarm, Clock
from bot.storage import GuildSettings, Store

log = logging.getLogger(__name__)
RETRY = timedelta(minutes=1)  # a guild with a failed post or reveal looks again this soon
PARALLEL_GUILDS = 32  # guild runs at once; discord.py paces the requests behind them
STOP_GRACE = 10.0  # seconds a run half-way through a post gets to finish on shutdown


class GuildWork(Protocol):
    """What the dispatcher needs from the daily service."""

    async def run_guild(self, guild_id: int) -> object:
        """Do what is due in one guild now: post, retry, reveal. Idempotent."""
        ...

    def unblock(self, guild_id: int) -> None:
        """The guild's settings changed: try its channel again."""
        ...


class Dispatcher:
    def __init__(
        self,
        store: Store,
        work: GuildWork,
        clock: Clock,
        *,
        parallel: int = PARALLEL_GUILDS,
        owns: Callable[[int], bool] = lambda _guild_id: True,
    ) -> None:
        self.store = store
        self.owns = owns  # the guilds of this process's shards (bot/ops/shards.py); all by default
        self.work = work
        self.clock = clock
        self.alarm = clock.alarm(self._ring)
        self._settings: dict[int, GuildSettings] = {}  # guilds that post
        self._due: dict[int, datetime] = {}  # guild -> when it next wants a run
        self._heap: list[tuple[datetime, int]] = []  # (when, guild); stale entries skipped
        self._armed: datetime | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._helpers: set[asyncio.Task[Any]] = set()
        self._gate = asyncio.Semaphore(parallel)
        self._stopping = False
        self._held = True  # until the first wake(): the client has caught up with Discord
        self.rings = 0  # times the dispatcher woke (figures for tests and benchmarks)
        self.runs = 0  # guild runs started

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Inside the running loop, once Discord is wired (discord.py's setup_hook). Runs
        wait for the first ``wake()``: answers given while the bot was down are read back
        before anything is revealed."""
        self.alarm.start()
        await self.reload()

    async def reload(self) -> None:
        """Plan every guild from the database: two queries for all guilds, one for all open
        posts. A slot that came while the bot was down is due at once."""
        now = self.clock.now()
        self._settings = {
            s.guild_id: s for s in await self.store.guilds.configured() if self.owns(s.guild_id)
        }
        self._due.clear()
        self._heap.clear()
        for settings in self._settings.values():
            self._plan(settings.guild_id, schedule.next_due(settings, now))
        for post in await self.store.daily.in_state("posted"):
            if post.reveal_at is not None and self.owns(post.guild_id):
                self._plan(post.guild_id, max(post.reveal_at, now))
        for guild_id, lock_at in (await self.store.blind.next_lock()).items():
            if self.owns(guild_id):
                self._plan(guild_id, max(lock_at, now))
        log.info("planned %d guild(s)", len(self._due))
        self._arm()

    async def shutdown(self) -> None:
        """No more rings; runs half-way through a post finish (up to STOP_GRACE), the rest
        never start."""
        self._stopping = True
        self.alarm.shutdown()
        running = set(self._running.values())
        if running:
            _, late = await asyncio.wait(running, timeout=STOP_GRACE)
            if late:
                log.warning("stopping with %d guild run(s) unfinished", len(late))
        for task in [*self._running.values(), *self._helpers]:
            task.cancel()
        await asyncio.gather(*self._running.values(), *self._helpers, return_exceptions=True)

    # -- what changes the plan ----------------------------------------------------------------
    async def reschedule(self, guild_id: int | None = None) -> None:
        """A guild's settings changed (or, without a guild, possibly all of them)."""
        if guild_id is None:
            await self.reload()
            return
        if not self.owns(guild_id):
            return  # another shard process plans it
        self.work.unblock(guild_id)
        settings = await self.store.guilds.get(guild_id)
        if settings is not None and schedule.posts(settings):
            self._settings[guild_id] = settings
        else:
            self._settings.pop(guild_id, None)
        self._due.pop(guild_id, None)
        await self._replan(guild_id, self.clock.now(), after_run=False)

    def reveal_at(self, post_id: int, when: datetime) -> None:
        """A post made outside the schedule (/drill post-now) reveals at ``when``."""
        self._helper(self._plan_reveal(post_id, when))

    async def _plan_reveal(self, post_id: int, when: datetime) -> None:
        post = await self.store.daily.by_id(post_id)
        if post is not None and self.owns(post.guild_id):
            self._plan(post.guild_id, when)
            self._arm()

    @property
    def scheduler(self) -> Alarm:
        """What wakes the dispatcher (on the real clock, an APScheduler date job)."""
        return self.alarm

    @property
    def running(self) -> frozenset[int]:
        """The guilds with a run in progress."""
        return frozenset(self._running)

    def next_run(self, guild_id: int) -> datetime | None:
        """The guild's next scheduled post; None if it does not post."""
        settings = self._settings.get(guild_id)
        return schedule.next_post_after(settings, self.clock.now()) if settings else None

    # -- the wake-up --------------------------------------------------------------------------
    def _ring(self) -> None:
        if not self._held:
            self.wake()

    def wake(self) -> None:
        """Start a run for every guild whose time has come. The alarm rings this; the client
        calls it once connected and caught up (nothing runs before that first call). Looks
        only at the due end of the heap, never at every guild."""
        self._held = False
        if self._stopping:
            return
        self.rings += 1
        now = self.clock.now()
        self._armed = None
        while self._heap and self._heap[0][0] <= now:
            when, guild_id = heapq.heappop(self._heap)
            if self._due.get(guild_id) == when:
                del self._due[guild_id]
                self._start(guild_id)
        self._arm()

    def _start(self, guild_id: int) -> None:
        if guild_id in self._running:
            self._again.add(guild_id)  # once more after the run in progress, not twice
            return
        task = asyncio.get_running_loop().create_task(
            self._run(guild_id), name=f"drillbot-guild-{guild_id}"
        )
        self._running[guild_id] = task
        task.add_done_callback(lambda _t: self._running.pop(guild_id, None))

    async def _run(self, guild_id: int) -> None:
        again = True
        while again and not self._stopping:
            self._again.discard(guild_id)
            async with self._gate:
                if self._stopping:
                    return
                self.runs += 1
                try:
                    await self.work.run_guild(guild_id)
                except Exception:
                    log.exception("run for guild %s failed", guild_id)
            again = guild_id in self._again
        try:
            await self._replan(guild_id, self.clock.now(), after_run=True)
        except Exception:
            log.exception("planning guild %s failed; looking again in %s", guild_id, RETRY)
            self._plan(guild_id, self.clock.now() + RETRY)
            self._arm()

    async def _replan(self, guild_id: int, now: datetime, *, after_run: bool) -> None:
        """The guild's next instant: its next post, an open post's reveal, or a retry soon if
        what was due is unfinished. One or two queries, for this guild only."""
        settings = self._settings.get(guild_id)
        wake: datetime | None = None
        if settings is not None:
            if not after_run:
                wake = schedule.next_due(settings, now)
            else:
                wake = schedule.next_post_after(settings, now)
                slot = schedule.due_slot(settings, now)
                post = await self.store.daily.get(guild_id, slot.key) if slot else None
                if slot is not None and (post is None or post.state == "pending"):
                    wake = now + RETRY
        for post in await self.store.daily.in_state("posted", guild_id):
            if post.reveal_at is not None:
                # Still open after a run that was due to reveal it: it failed, look again soon.
                at = max(post.reveal_at, now + RETRY if after_run else now)
                wake = at if wake is None else min(wake, at)
        for lock_at in (await self.store.blind.next_lock(guild_id)).values():
            # A blind discussion thread to lock; still unlocked after its run: retry soon.
            at = max(lock_at, now + RETRY if after_run else now)
            wake = at if wake is None else min(wake, at)
        self._plan(guild_id, wake)
        self._arm()

    def _plan(self, guild_id: int, when: datetime | None) -> None:
        """Ask for a run at ``when`` (the earlier one wins if the guild has one planned)."""
        if when is None:
            return
        current = self._due.get(guild_id)
        if current is None or when < current:
            self._due[guild_id] = when
            heapq.heappush(self._heap, (when, guild_id))

    def _arm(self) -> None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
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
