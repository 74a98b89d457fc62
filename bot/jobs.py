"""APScheduler wiring: one cron job per configured guild, a sweep, and reveal jobs.

The jobs carry no state: each one just calls ``tick()``, which asks the database what is due.
``misfire_grace_time=None`` with ``coalesce=True``: APScheduler's default grace of 1 s would
silently drop a run that starts late (a busy loop, a suspended laptop), see shared/FACTS.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.daily import DailyService
from bot.schedule import DAY_NAMES, zone
from bot.storage import GuildSettings, Store

log = logging.getLogger(__name__)
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
SWEEP_SECONDS = 60


def cron_for(settings: GuildSettings) -> CronTrigger:
    hour, minute = map(int, settings.post_time.split(":"))
    days = ",".join(DAY_NAMES[d] for d in sorted(settings.weekdays))
    return CronTrigger(hour=hour, minute=minute, day_of_week=days, timezone=zone(settings.timezone))


class DailyJobs:
    def __init__(self, store: Store, daily: DailyService, clock: Clock) -> None:
        self.store = store
        self.daily = daily
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self._reveals: set[int] = set()  # posts whose reveal job was added once already
        self._background: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._stopped = False

    async def start(self) -> None:
        """Call inside the running loop (discord.py's setup_hook), once Discord is wired."""
        # The sweep catches reveals, retries and anything a restart or a clock jump skipped.
        self.scheduler.add_job(
            self.tick, IntervalTrigger(seconds=SWEEP_SECONDS), id="sweep", replace_existing=True
        )
        self.scheduler.start()
        await self.reschedule()
        self.clock.subscribe(lambda _now: self._spawn(self.tick()))

    async def reschedule(self, guild_id: int | None = None) -> None:
        """Rebuild the cron jobs from the database (after start or a settings change)."""
        self.sync(await self.store.guilds.configured())
        if guild_id is not None:
            self.daily.unblock(guild_id)

    async def tick(self) -> None:
        if self._stopping:
            return
        try:
            await self.daily.tick()
            for post in await self.store.daily.in_state("posted"):
                if post.reveal_at is not None:
                    self.reveal_at(post.id, post.reveal_at)
        except asyncio.CancelledError:
            # Shutting down cancels ticks still queued behind the one close() waited for;
            # that is the plan, not a failed job for APScheduler to log.
            if self._stopping:
                return
            raise

    def _spawn(self, coro: Any) -> None:
        if self._stopping:
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def shutdown(self) -> None:
        """Stop waking up; let a tick half-way through a post finish rather than cancel it."""
        self._stopping = True
        try:
            async with asyncio.timeout(10):
                await self.daily.idle()
        except TimeoutError:
            log.warning("closing while a daily tick is still running")
        # AsyncIOScheduler stops on the loop's next turn and reports running until then: a
        # second call in between would raise from inside the loop, so remember we asked.
        if self.scheduler.running and not self._stopped:
            self._stopped = True
            self.scheduler.shutdown(wait=False)
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def sync(self, guilds: Iterable[GuildSettings]) -> None:
        """Make the post jobs match the guilds' settings (add, replace, remove)."""
        wanted = {}
        for settings in guilds:
            if settings.configured and not settings.paused and settings.weekdays:
                wanted[f"post:{settings.guild_id}"] = cron_for(settings)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("post:") and job.id not in wanted:
                job.remove()
        for job_id, trigger in wanted.items():
            self.scheduler.add_job(self.tick, trigger, id=job_id, replace_existing=True)
        log.info("scheduled %d guild(s)", len(wanted))

    def reveal_at(self, post_id: int, when: datetime) -> None:
        """Wake up at a post's reveal time (once per post; the sweep covers the rest)."""
        if post_id in self._reveals:
            return
        self._reveals.add(post_id)
        self.scheduler.add_job(
            self.tick, DateTrigger(run_date=when), id=f"reveal:{post_id}", replace_existing=True
        )

    def next_run(self, guild_id: int) -> datetime | None:
        job = self.scheduler.get_job(f"post:{guild_id}")
        return job.next_run_time if job else None
