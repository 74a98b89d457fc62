"""APScheduler wiring: one cron job per configured guild, a sweep, and reveal jobs.

The jobs carry no state: each one just calls ``tick()``, which asks the database what is due.
``misfire_grace_time=None`` with ``coalesce=True``: APScheduler's default grace of 1 s would
silently drop a run that starts late (a busy loop, a suspended laptop), see shared/FACTS.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.schedule import DAY_NAMES, zone
from bot.storage import GuildSettings

log = logging.getLogger(__name__)
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
SWEEP_SECONDS = 60


def cron_for(settings: GuildSettings) -> CronTrigger:
    hour, minute = map(int, settings.post_time.split(":"))
    days = ",".join(DAY_NAMES[d] for d in sorted(settings.weekdays))
    return CronTrigger(hour=hour, minute=minute, day_of_week=days, timezone=zone(settings.timezone))


class DailyJobs:
    def __init__(self, tick: Callable[[], Awaitable[None]]) -> None:
        self.tick = tick
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self._reveals: set[int] = set()  # posts whose reveal job was added once already
        self._stopping = False

    def start(self) -> None:
        """Call inside the running loop (discord.py's setup_hook)."""
        # The sweep catches reveals, retries and anything a restart or a clock jump skipped.
        self.scheduler.add_job(
            self.tick, IntervalTrigger(seconds=SWEEP_SECONDS), id="sweep", replace_existing=True
        )
        self.scheduler.start()

    def shutdown(self) -> None:
        # AsyncIOScheduler stops on the loop's next turn and reports running until then: a
        # second call in between would raise from inside the loop, so remember we asked.
        if self.scheduler.running and not self._stopping:
            self._stopping = True
            self.scheduler.shutdown(wait=False)

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
