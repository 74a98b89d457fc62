"""Study plans, and what a member practised in a time window (for a plan's progress)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.storage.backend import Backend
from bot.storage.database import iso
from bot.storage.schema import answers, daily_posts, mock_sessions, quiz_sessions, study_plans

_sp = study_plans.c
_PLAN = select(
    _sp.user_id,
    _sp.guild_id,
    _sp.first_day,
    _sp.interview_day,
    _sp.timezone,
    _sp.remind_at,
    _sp.state,
)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    user_id: int
    guild_id: int | None
    first_day: date
    interview_day: date
    timezone: str
    remind_at: str | None
    state: str


@dataclass(frozen=True, slots=True)
class Practised:
    """Question ids answered in /quiz and the daily thread, reviews done, mock rounds finished."""

    questions: tuple[str, ...]
    reviews: int
    mocks: tuple[str, ...]


class PlanRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def start(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        first_day: date,
        interview_day: date,
        timezone: str,
        remind_at: str | None,
        now: datetime,
    ) -> bool:
        """Start (or replace) the member's plan; True if it replaced an active one."""
        async with self.db.transaction(("member", user_id)) as conn:
            found = await conn.execute(
                select(_sp.user_id).where(_sp.user_id == user_id, _sp.state == "active")
            )
            replaced = found.first() is not None
            ins = self.db.insert(study_plans)
            await conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[_sp.user_id],
                    set_={
                        c: ins.excluded[c]
                        for c in (
                            "guild_id",
                            "first_day",
                            "interview_day",
                            "timezone",
                            "remind_at",
                            "state",
                            "created_at",
                        )
                    },
                ),
                {  # as parameters: text is cleaned of NULs there (bot/storage/engine.py)
                    "user_id": user_id,
                    "guild_id": guild_id,
                    "first_day": first_day.isoformat(),
                    "interview_day": interview_day.isoformat(),
                    "timezone": timezone,
                    "remind_at": remind_at,
                    "state": "active",
                    "created_at": iso(now),
                },
            )
        return replaced

    async def get(self, user_id: int) -> StoredPlan | None:
        row = await self.db.fetchone(_PLAN.where(_sp.user_id == user_id))
        return None if row is None else _plan(row)

    async def stop(self, user_id: int) -> bool:
        """Guarded: False if there was no active plan (a second /plan stop changes nothing)."""
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                update(study_plans)
                .where(_sp.user_id == user_id, _sp.state == "active")
                .values(state="stopped", remind_at=None)
            )
            return cur.rowcount == 1

    async def stop_reminders(self, user_id: int) -> None:
        """DMs are closed: stop reminding, keep the plan."""
        await self.db.execute(
            update(study_plans).where(_sp.user_id == user_id).values(remind_at=None)
        )

    async def with_reminders(self) -> list[StoredPlan]:
        rows = await self.db.fetchall(
            _PLAN.where(_sp.state == "active", _sp.remind_at.is_not(None))
        )  # one read, where each plan was once read on its own
        return [_plan(r) for r in rows]

    async def practised(self, user_id: int, start: datetime, end: datetime) -> Practised:
        since, until = iso(start), iso(end)
        q, a, p, m = quiz_sessions.c, answers.c, daily_posts.c, mock_sessions.c
        # A question counts once answered, or graded after reading the notes only.
        done = func.coalesce(q.answered_at, q.graded_at)
        quiz = await self.db.fetchall(
            select(q.question_id, q.mode).where(
                q.user_id == user_id, q.mode != "daily", done >= since, done < until
            )
        )
        daily = await self.db.fetchall(
            select(p.question_id)
            .distinct()
            .join_from(answers, daily_posts, p.id == a.daily_post_id)
            .where(
                a.user_id == user_id,
                a.deleted_at.is_(None),
                a.created_at >= since,
                a.created_at < until,
            )
        )
        mocks = await self.db.fetchall(
            select(m.round).where(
                m.user_id == user_id,
                m.state == "done",
                m.finished_at >= since,
                m.finished_at < until,
            )
        )
        questions = [r[0] for r in quiz if r[1] == "quiz"] + [r[0] for r in daily]
        return Practised(
            tuple(questions), sum(1 for r in quiz if r[1] == "review"), tuple(r[0] for r in mocks)
        )


def _plan(row: Any) -> StoredPlan:
    return StoredPlan(
        row[0], row[1], date.fromisoformat(row[2]), date.fromisoformat(row[3]), *row[4:]
    )
