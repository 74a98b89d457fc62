"""Study plans, and what a member practised in a time window (for a plan's progress)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.backend import Backend
from bot.storage.database import iso


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
            cur = await conn.execute(
                "SELECT 1 FROM study_plans WHERE user_id = ? AND state = 'active'", (user_id,)
            )
            replaced = await cur.fetchone() is not None
            await conn.execute(
                "INSERT INTO study_plans (user_id, guild_id, first_day, interview_day, timezone,"
                " remind_at, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?)"
                " ON CONFLICT (user_id) DO UPDATE SET guild_id = excluded.guild_id,"
                " first_day = excluded.first_day, interview_day = excluded.interview_day,"
                " timezone = excluded.timezone, remind_at = excluded.remind_at,"
                " state = 'active', created_at = excluded.created_at",
                (user_id, guild_id, first_day.isoformat(), interview_day.isoformat(), timezone,
                 remind_at, iso(now)),
            )  # fmt: skip
        return replaced

    async def get(self, user_id: int) -> StoredPlan | None:
        row = await self.db.fetchone(
            "SELECT user_id, guild_id, first_day, interview_day, timezone, remind_at, state"
            " FROM study_plans WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return StoredPlan(
            row[0], row[1], date.fromisoformat(row[2]), date.fromisoformat(row[3]), *row[4:]
        )

    async def stop(self, user_id: int) -> bool:
        """Guarded: False if there was no active plan (a second /plan stop changes nothing)."""
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                "UPDATE study_plans SET state = 'stopped', remind_at = NULL"
                " WHERE user_id = ? AND state = 'active'",
                (user_id,),
            )
            return cur.rowcount == 1

    async def stop_reminders(self, user_id: int) -> None:
        """DMs are closed: stop reminding, keep the plan."""
        await self.db.execute(
            "UPDATE study_plans SET remind_at = NULL WHERE user_id = ?", (user_id,)
        )

    async def with_reminders(self) -> list[StoredPlan]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM study_plans WHERE state = 'active' AND remind_at IS NOT NULL"
        )
        plans = [await self.get(r[0]) for r in rows]
        return [p for p in plans if p is not None]

    async def practised(self, user_id: int, start: datetime, end: datetime) -> Practised:
        window = (user_id, iso(start), iso(end))
        quiz = await self.db.fetchall(
            # A question counts once answered, or graded after reading the notes only.
            "SELECT question_id, mode FROM quiz_sessions WHERE user_id = ? AND mode != 'daily'"
            " AND COALESCE(answered_at, graded_at) >= ? AND COALESCE(answered_at, graded_at) < ?",
            window,
        )
        daily = await self.db.fetchall(
            "SELECT DISTINCT p.question_id FROM answers a JOIN daily_posts p"
            " ON p.id = a.daily_post_id WHERE a.user_id = ? AND a.deleted_at IS NULL"
            " AND a.created_at >= ? AND a.created_at < ?",
            window,
        )
        mocks = await self.db.fetchall(
            "SELECT round FROM mock_sessions WHERE user_id = ? AND state = 'done'"
            " AND finished_at >= ? AND finished_at < ?",
            window,
        )
        questions = [r[0] for r in quiz if r[1] == "quiz"] + [r[0] for r in daily]
        return Practised(
            tuple(questions), sum(1 for r in quiz if r[1] == "review"), tuple(r[0] for r in mocks)
        )
