"""What the gap report reads: a window of daily posts, who answered them, self-grades, and
the members hidden from the boards. Read-only; the arithmetic lives in bot/gaps/service.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.storage.backend import Backend
from bot.storage.database import iso
from bot.storage.schema import answers, daily_posts, hidden_members, quiz_sessions

_P = daily_posts.c
_A = answers.c
_Q = quiz_sessions.c


@dataclass(frozen=True, slots=True)
class WindowPost:
    post_id: int
    question_id: str
    topic: str
    local_date: str


@dataclass(frozen=True, slots=True)
class WindowGrade:
    user_id: int
    question_id: str
    grade: int


@dataclass(frozen=True, slots=True)
class GapHistory:
    posts: tuple[WindowPost, ...]
    answers: tuple[tuple[int, int], ...]  # (post id, user id), one per member and post
    grades: tuple[WindowGrade, ...]
    hidden: frozenset[int]


class GapRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def history(self, guild_id: int, since_date: str, since: datetime) -> GapHistory:
        """Posts of local dates from ``since_date`` on that reached the channel, the members
        who answered each (deleted answers do not count), and self-grades (daily and practice)
        given from ``since`` on."""
        posts = await self.db.fetchall(
            select(_P.id, _P.question_id, _P.topic, _P.local_date)
            .where(
                _P.guild_id == guild_id,
                _P.local_date >= since_date,
                _P.state.in_(("posted", "revealed")),
            )
            .order_by(_P.local_date)
        )
        # The window's answers by answers_post, from the posts just read: joined to daily_posts,
        # SQLite's planner walked every answer of every guild in answers_post order (4.2 s against
        # 0.7 s at 1,000,000 answers). An empty window has none.
        answered = (
            await self.db.fetchall(
                select(_A.daily_post_id, _A.user_id)
                .distinct()
                .where(_A.daily_post_id.in_([r[0] for r in posts]), _A.deleted_at.is_(None))
                .order_by(_A.daily_post_id, _A.user_id)
            )
            if posts
            else []
        )
        grades = await self.db.fetchall(
            select(_Q.user_id, _Q.question_id, _Q.grade)
            .where(_Q.guild_id == guild_id, _Q.grade.is_not(None), _Q.graded_at >= iso(since))
            .order_by(_Q.id)
        )
        hidden = await self.db.fetchall(
            select(hidden_members.c.user_id).where(hidden_members.c.guild_id == guild_id)
        )
        return GapHistory(
            posts=tuple(WindowPost(r[0], r[1], r[2], r[3]) for r in posts),
            answers=tuple((r[0], r[1]) for r in answered),
            grades=tuple(WindowGrade(r[0], r[1], r[2]) for r in grades),
            hidden=frozenset(r[0] for r in hidden),
        )
