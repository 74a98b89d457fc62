"""Row streams for /stats and /drill export: a member's practice, a guild's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from bot.storage.backend import Backend
from bot.storage.database import from_iso

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
# Blind answers stay out until their post is revealed; members hidden from the boards stay out
# unless the raw audit is asked for.
_ANSWERS_SQL = (
    "SELECT CASE WHEN a.daily_post_id IS NULL THEN 'practice_answer' ELSE 'answer' END,"
    " a.id, a.created_at, a.user_id, a.daily_post_id, p.local_date,"
    " p.topic, COALESCE(p.question_id, s.question_id), NULL, NULL, NULL, a.message_id,"
    " a.edited_at, a.deleted_at, a.content"
    " FROM answers a LEFT JOIN daily_posts p ON p.id = a.daily_post_id"
    " LEFT JOIN quiz_sessions s ON s.id = a.quiz_session_id"
    " WHERE a.guild_id = ?1 AND a.id > ?2"
    " AND (p.id IS NULL OR p.mode <> 'blind' OR p.state = 'revealed'){hidden}{since}"
    " ORDER BY a.id LIMIT ?3"
)
_POINTS_SQL = (
    "SELECT 'points', x.id, x.awarded_at, x.user_id, x.daily_post_id, x.local_date, x.topic,"
    " p.question_id, x.points, x.reason, x.season, NULL, NULL, NULL, NULL"
    " FROM points x LEFT JOIN daily_posts p ON p.id = x.daily_post_id"
    " WHERE x.guild_id = ?1 AND x.id > ?2{hidden}{since} ORDER BY x.id LIMIT ?3"
)
_HIDDEN = (
    " AND NOT EXISTS (SELECT 1 FROM hidden_members h WHERE h.guild_id = ?1"
    " AND h.user_id = {t}.user_id)"
)

# A streak freeze spent on a missed post: no points; ``points`` holds 0, ``reason`` 'freeze'.
_FREEZES_SQL = (
    "SELECT 'freeze', f.id, f.used_at, f.user_id, f.daily_post_id, f.local_date, p.topic,"
    " p.question_id, 0, 'freeze', NULL, NULL, NULL, NULL, NULL"
    " FROM streak_freezes f LEFT JOIN daily_posts p ON p.id = f.daily_post_id"
    " WHERE f.guild_id = ?1 AND f.id > ?2{hidden}{since} ORDER BY f.id LIMIT ?3"
)


class HistoryRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def practice(
        self, guild_id: int | None, user_id: int
    ) -> list[tuple[str, int | None, Any]]:
        """(question_id, self-grade or None, shown_at) of a member's practice in a guild,
        /quiz, /review and the daily reveal's grade buttons; None: outside any server."""
        where = "guild_id = ?" if guild_id is not None else "guild_id IS NULL"
        rows = await self.db.fetchall(
            "SELECT question_id, grade, shown_at FROM quiz_sessions"
            f" WHERE user_id = ? AND {where} AND state IN ('answered', 'revealed', 'graded')",
            (user_id, guild_id) if guild_id is not None else (user_id,),
        )
        return [(r[0], r[1], from_iso(r[2])) for r in rows]

    async def export_batches(
        self, guild_id: int, *, raw: bool = False, since: str | None = None, batch: int = 5000
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every answer, then every point event, then every streak freeze spent, of a guild; in
        id order, batch by batch. ``since`` (YYYY-MM-DD): only events from that day on; ``raw``:
        hidden members too."""
        tables = (
            (_ANSWERS_SQL, "a", "a.created_at"),
            (_POINTS_SQL, "x", "x.awarded_at"),
            (_FREEZES_SQL, "f", "f.used_at"),
        )
        for sql, t, at in tables:
            sql = sql.format(
                hidden="" if raw else _HIDDEN.format(t=t),
                since=f" AND {at} >= ?4" if since else "",
            )
            last = 0
            while True:
                params = (guild_id, last, batch, *((since,) if since else ()))
                rows = [tuple(r) for r in await self.db.fetchall(sql, params)]
                if rows:
                    yield rows
                if len(rows) < batch:
                    break
                last = rows[-1][1]
