"""/plan: start a study plan, see today's items and what is behind, stop it.

The plan's days are computed from its dates (bot/plan/rules.py), never stored, so a change to the
structure applies to running plans; progress is read from what the member practised.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import schedule
from bot.bank import Bank
from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.errors import DrillError
from bot.plan.rules import (
    Behind,
    DayDone,
    DayProgress,
    PlanDay,
    behind,
    build_plan,
    progress,
    study_days,
)
from bot.storage import Store
from bot.storage.plans import StoredPlan

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII digits only
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True, slots=True)
class Started:
    days: tuple[PlanDay, ...]
    interview: date
    replaced: bool


@dataclass(frozen=True, slots=True)
class Today:
    today: DayProgress | None  # None on the interview day or after it
    behind: Behind
    next_mock: PlanDay | None
    days_left: int
    interview: date


def parse_date(text: str) -> date:
    text = text.strip()
    if not _DATE.match(text):
        raise DrillError("Give the interview date as YYYY-MM-DD, e.g. 2027-01-15.")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DrillError(f"{text} is not a date on the calendar.") from exc


def parse_reminder(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if not _TIME.match(text.strip()):
        raise DrillError("Give the reminder time as HH:MM in 24-hour time, e.g. 08:30.")
    return text.strip()


class PlanService:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store, self.catalog, self.clock = store, catalog, clock

    async def start(
        self,
        guild_id: int | None,
        user_id: int,
        interview: str | None = None,
        weeks: int | None = None,
        remind_at: str | None = None,
    ) -> Started:
        """Start or replace the member's plan; ``remind_at`` (HH:MM, local) turns on a daily DM."""
        zone = await self._zone(guild_id)
        today = schedule.day_in(zone, self.clock.now())
        when = parse_date(interview) if interview else None
        reminder = parse_reminder(remind_at)
        first, day = study_days(today, when, weeks)
        replaced = await self.store.plans.start(
            user_id=user_id, guild_id=guild_id, first_day=first, interview_day=day,
            timezone=zone, remind_at=reminder, now=self.clock.now(),
        )  # fmt: skip
        return Started(tuple(build_plan(first, day, await self._topics(guild_id))), day, replaced)

    async def today(self, user_id: int) -> Today:
        plan = await self._plan(user_id)
        zone = plan.timezone
        today = schedule.day_in(zone, self.clock.now())
        days = build_plan(plan.first_day, plan.interview_day, await self._topics(plan.guild_id))
        bank = await self.catalog.for_guild(plan.guild_id)
        done = [
            progress(d, await self._done(user_id, d.day, zone, bank))
            for d in days
            if d.day <= today
        ]
        now = done[-1] if done and done[-1].plan.day == today else None
        past = [p for p in done if p.plan.day < today]
        upcoming = [d for d in days if d.day >= today and d.mock is not None]
        return Today(now, behind(past), upcoming[0] if upcoming else None,
                     (plan.interview_day - today).days, plan.interview_day)  # fmt: skip

    async def stop(self, user_id: int) -> None:
        if not await self.store.plans.stop(user_id):
            raise DrillError("You have no study plan running.")

    # -- reminders --------------------------------------------------------------------------
    async def next_reminder(self, after: datetime) -> datetime | None:
        """The earliest reminder of any plan after ``after`` (looking two days ahead)."""
        soon = [
            when
            for plan in await self.store.plans.with_reminders()
            for when in reminders_between(plan, after, after + timedelta(days=2))
        ]
        return min(soon, default=None)

    async def due_reminders(self, since: datetime, now: datetime) -> list[tuple[int, Today]]:
        """Members whose reminder fell in (since, now], with today's view. One reminder per
        member however long the gap was: a restart does not deliver a backlog."""
        due = []
        for plan in await self.store.plans.with_reminders():
            if reminders_between(plan, since, now):
                due.append((plan.user_id, await self.today(plan.user_id)))
        return due

    async def dms_closed(self, user_id: int) -> None:
        """The member's DMs are closed: stop reminding at once; the plan itself stays."""
        await self.store.plans.stop_reminders(user_id)

    async def _plan(self, user_id: int) -> StoredPlan:
        plan = await self.store.plans.get(user_id)
        if plan is None or plan.state != "active":
            raise DrillError("You have no study plan: start one with /plan start.")
        return plan

    async def _zone(self, guild_id: int | None) -> str:
        """The time zone a plan runs in: its server's (UTC outside a server)."""
        if guild_id is None:
            return "UTC"
        settings = await self.store.guilds.get(guild_id)
        return settings.timezone if settings else "UTC"

    async def _topics(self, guild_id: int | None) -> set[str]:
        bank = await self.catalog.for_guild(guild_id)
        off = await self.store.guilds.disabled_topics(guild_id) if guild_id else frozenset()
        return {slug for slug in bank.topics if slug not in off}

    async def _done(self, user_id: int, day: date, zone: str, bank: Bank) -> DayDone:
        start, end = schedule.day_bounds(day, zone)
        practised = await self.store.plans.practised(user_id, start, end)
        topics = Counter(
            q.topic for qid in practised.questions if (q := bank.lookup(qid)) is not None
        )
        return DayDone(dict(topics), practised.reviews, practised.mocks)


def reminder_at(plan: StoredPlan, day: date) -> datetime:
    """The UTC instant of the plan's reminder on a local day."""
    return schedule.at_local(day, plan.remind_at or "00:00", plan.timezone)


def reminders_between(plan: StoredPlan, since: datetime, until: datetime) -> list[datetime]:
    """The plan's reminder instants in (since, until], only on its study days."""
    if plan.remind_at is None or plan.state != "active":
        return []
    day = max(plan.first_day, schedule.day_in(plan.timezone, since))
    last = min(plan.interview_day - timedelta(days=1), schedule.day_in(plan.timezone, until))
    out = []
    while day <= last:
        when = reminder_at(plan, day)
        if since < when <= until:
            out.append(when)
        day += timedelta(days=1)
    return out
