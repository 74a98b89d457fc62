"""What the gap report reads: a window of daily posts, who answered them, self-grades, and
the members hidden from the boards. Read-only; the arithmetic lives in bot/gaps/service.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.backend import Backend
from bot.storage.database import iso


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
            "SELECT id, question_id, topic, local_date FROM daily_posts"
            " WHERE guild_id = ? AND local_date >= ? AND state IN ('posted', 'revealed')"
            " ORDER BY local_date",
            (guild_id, since_date),
        )
        # The window's posts first, then their answers by answers_post: SQLite's planner
        # otherwise walked every answer of every guild in answers_post order (4.2 s against
        # 0.7 s at 1,000,000 answers; CROSS JOIN fixes SQLite's order, PostgreSQL plans freely).
        answers = await self.db.fetchall(
            "SELECT DISTINCT a.daily_post_id, a.user_id FROM daily_posts p CROSS JOIN answers a"
            " WHERE a.daily_post_id = p.id AND p.guild_id = ? AND p.local_date >= ?"
            " AND p.state IN ('posted', 'revealed') AND a.deleted_at IS NULL"
            " ORDER BY a.daily_post_id, a.user_id",
            (guild_id, since_date),
        )
        grades = await self.db.fetchall(
            "SELECT user_id, question_id, grade FROM quiz_sessions"
            " WHERE guild_id = ? AND grade IS NOT NULL AND graded_at >= ? ORDER BY id",
            (guild_id, iso(since)),
        )
        hidden = await self.db.fetchall(
            "SELECT user_id FROM hidden_members WHERE guild_id = ?", (guild_id,)
        )
        return GapHistory(
            posts=tuple(WindowPost(r[0], r[1], r[2], r[3]) for r in posts),
            answers=tuple((r[0], r[1]) for r in answers),
            grades=tuple(WindowGrade(r[0], r[1], r[2]) for r in grades),
            hidden=frozenset(r[0] for r in hidden),
        )
