"""Row streams for /stats and /drill export: a member's practice, a guild's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from bot.storage.database import Database, from_iso

# Documented in docs/commands.md (/drill export); append new columns at the end only.
EXPORT_COLUMNS = (
    "event",
    "event_id",
    "at",
    "user_id",
    "daily_post_id",
    "local_date",
    "topic",
    "question_id",
    "points",
    "reason",
    "season",
    "message_id",
    "edited_at",
    "deleted_at",
    "content",
)
_ANSWERS_SQL = (
    "SELECT CASE WHEN a.daily_post_id IS NULL THEN 'practice_answer' ELSE 'answer' END,"
    " a.id, a.created_at, a.user_id, a.daily_post_id, p.local_date,"
    " p.topic, COALESCE(p.question_id, s.question_id), NULL, NULL, NULL, a.message_id,"
    " a.edited_at, a.deleted_at, a.content"
    " FROM answers a LEFT JOIN daily_posts p ON p.id = a.daily_post_id"
    " LEFT JOIN quiz_sessions s ON s.id = a.quiz_session_id"
    " WHERE a.guild_id = ? AND a.id > ? ORDER BY a.id LIMIT ?"
)
_POINTS_SQL = (
    "SELECT 'points', x.id, x.awarded_at, x.user_id, x.daily_post_id, x.local_date, x.topic,"
    " p.question_id, x.points, x.reason, x.season, NULL, NULL, NULL, NULL"
    " FROM points x LEFT JOIN daily_posts p ON p.id = x.daily_post_id"
    " WHERE x.guild_id = ? AND x.id > ? ORDER BY x.id LIMIT ?"
)


class HistoryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def practice(self, guild_id: int, user_id: int) -> list[tuple[str, int | None, Any]]:
        """(question_id, self-grade or None, shown_at) of a member's practice in a guild,
        /quiz, /review and the daily reveal's grade buttons."""
        rows = await self.db.fetchall(
            "SELECT question_id, grade, shown_at FROM quiz_sessions"
            " WHERE user_id = ? AND guild_id = ? AND state IN ('answered', 'revealed', 'graded')",
            (user_id, guild_id),
        )
        return [(r[0], r[1], from_iso(r[2])) for r in rows]

    async def export_rows(self, guild_id: int, batch: int = 5000) -> AsyncIterator[tuple[Any, ...]]:
        """Every answer, then every point event, of a guild; in id order, batch by batch."""
        for sql in (_ANSWERS_SQL, _POINTS_SQL):
            last = 0
            while True:
                rows = await self.db.fetchall(sql, (guild_id, last, batch))
                for row in rows:
                    yield tuple(row)
                if len(rows) < batch:
                    break
                last = rows[-1][1]
