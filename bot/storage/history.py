"""Row streams for /stats and /drill export: a member's practice, a guild's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)

from bot.storage.backend import Backend
from bot.storage.database import from_iso
from bot.storage.schema import (
    answers,
    daily_posts,
    hidden_members,
    points,
    quiz_sessions,
    streak_freezes,
)

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


def _answers(guild_id: int, raw: bool, since: str | None, batch: int) -> Select[Any]:
    """A guild's answers after the id ``last`` (bound per batch). Blind answers stay out until
    their post is revealed; members hidden from the boards stay out unless the raw audit is
    asked for."""
    a, p, s = answers.alias("a"), daily_posts.alias("p"), quiz_sessions.alias("s")
    stmt = (
        select(
            case(
                (a.c.daily_post_id.is_(None), literal("practice_answer")), else_=literal("answer")
            ),
            a.c.id,
            a.c.created_at,
            a.c.user_id,
            a.c.daily_post_id,
            p.c.local_date,
            p.c.topic,
            func.coalesce(p.c.question_id, s.c.question_id),
            null(),
            null(),
            null(),
            a.c.message_id,
            a.c.edited_at,
            a.c.deleted_at,
            a.c.content,
        )
        .select_from(
            a.outerjoin(p, p.c.id == a.c.daily_post_id).outerjoin(s, s.c.id == a.c.quiz_session_id)
        )
        .where(
            a.c.guild_id == guild_id,
            a.c.id > bindparam("last"),
            or_(p.c.id.is_(None), p.c.mode != "blind", p.c.state == "revealed"),
        )
    )
    return _filtered(stmt, a, a.c.created_at, guild_id, raw, since, batch)


def _points(guild_id: int, raw: bool, since: str | None, batch: int) -> Select[Any]:
    x, p = points.alias("x"), daily_posts.alias("p")
    stmt = (
        select(
            literal("points"),
            x.c.id,
            x.c.awarded_at,
            x.c.user_id,
            x.c.daily_post_id,
            x.c.local_date,
            x.c.topic,
            p.c.question_id,
            x.c.points,
            x.c.reason,
            x.c.season,
            null(),
            null(),
            null(),
            null(),
        )
        .select_from(x.outerjoin(p, p.c.id == x.c.daily_post_id))
        .where(x.c.guild_id == guild_id, x.c.id > bindparam("last"))
    )
    return _filtered(stmt, x, x.c.awarded_at, guild_id, raw, since, batch)


def _freezes(guild_id: int, raw: bool, since: str | None, batch: int) -> Select[Any]:
    """A streak freeze spent on a missed post: no points; ``points`` holds 0, ``reason``
    'freeze'."""
    f, p = streak_freezes.alias("f"), daily_posts.alias("p")
    stmt = (
        select(
            literal("freeze"),
            f.c.id,
            f.c.used_at,
            f.c.user_id,
            f.c.daily_post_id,
            f.c.local_date,
            p.c.topic,
            p.c.question_id,
            literal(0),
            literal("freeze"),
            null(),
            null(),
            null(),
            null(),
            null(),
        )
        .select_from(f.outerjoin(p, p.c.id == f.c.daily_post_id))
        .where(f.c.guild_id == guild_id, f.c.id > bindparam("last"))
    )
    return _filtered(stmt, f, f.c.used_at, guild_id, raw, since, batch)


def _filtered(
    stmt: Select[Any],
    t: FromClause,
    at: ColumnElement[Any],
    guild_id: int,
    raw: bool,
    since: str | None,
    batch: int,
) -> Select[Any]:
    """Hidden members out unless ``raw``; from the day ``since`` on; in id order, one batch."""
    if not raw:
        stmt = stmt.where(
            ~exists().where(
                hidden_members.c.guild_id == guild_id, hidden_members.c.user_id == t.c.user_id
            )
        )
    if since:
        stmt = stmt.where(at >= since)
    return stmt.order_by(t.c.id).limit(batch)


class HistoryRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def practice(
        self, guild_id: int | None, user_id: int
    ) -> list[tuple[str, int | None, Any]]:
        """(question_id, self-grade or None, shown_at) of a member's practice in a guild,
        /quiz, /review and the daily reveal's grade buttons; None: outside any server."""
        q = quiz_sessions.c
        rows = await self.db.fetchall(
            select(q.question_id, q.grade, q.shown_at).where(
                q.user_id == user_id,
                q.guild_id == guild_id if guild_id is not None else q.guild_id.is_(None),
                q.state.in_(("answered", "revealed", "graded")),
            )
        )
        return [(r[0], r[1], from_iso(r[2])) for r in rows]

    async def export_batches(
        self, guild_id: int, *, raw: bool = False, since: str | None = None, batch: int = 5000
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every answer, then every point event, then every streak freeze spent, of a guild; in
        id order, batch by batch. ``since`` (YYYY-MM-DD): only events from that day on; ``raw``:
        hidden members too."""
        for build in (_answers, _points, _freezes):
            stmt = build(guild_id, raw, since, batch)
            last = 0
            while True:
                rows = [tuple(r) for r in await self.db.fetchall(stmt, {"last": last})]
                if rows:
                    yield rows
                if len(rows) < batch:
                    break
                last = rows[-1][1]
