"""The weekly digest's rows: each guild's day and time, and one claim per (guild, week).
Plus the two reads only the digest makes: live streaks and last week's self-grades."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.schema import (
    daily_posts,
    digest_settings,
    digests,
    hidden_members,
    member_stats,
    quiz_sessions,
)


@dataclass(frozen=True, slots=True)
class DigestSettings:
    guild_id: int
    weekday: int  # 0 = Monday
    post_time: str  # HH:MM, the guild's zone
    since: datetime  # when it was set: a digest falls due only at an instant after this


@dataclass(frozen=True, slots=True)
class DigestClaim:
    id: int
    guild_id: int
    week: str
    channel_id: int
    due_at: datetime
    state: str  # pending | posted
    message_id: int | None
    claimed_at: datetime


_d = digests.c
_CLAIM_COLS = (
    _d.id,
    _d.guild_id,
    _d.week,
    _d.channel_id,
    _d.due_at,
    _d.state,
    _d.message_id,
    _d.claimed_at,
)


def _claim(r: tuple[object, ...]) -> DigestClaim:
    due, claimed = from_iso(str(r[4])), from_iso(str(r[7]))
    assert due is not None and claimed is not None
    return DigestClaim(
        int(str(r[0])), int(str(r[1])), str(r[2]), int(str(r[3])), due, str(r[5]),
        int(str(r[6])) if r[6] is not None else None, claimed,
    )  # fmt: skip


class DigestRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # -- settings ---------------------------------------------------------------------------
    async def settings(self, guild_id: int | None = None) -> list[DigestSettings]:
        """One guild's settings (or every guild's), for guilds with the digest on."""
        d = digest_settings.c
        stmt = select(d.guild_id, d.weekday, d.post_time, d.updated_at).order_by(d.guild_id)
        if guild_id is not None:
            stmt = stmt.where(d.guild_id == guild_id)
        rows = await self.db.fetchall(stmt)
        return [
            DigestSettings(int(r[0]), int(r[1]), str(r[2]), datetime.fromisoformat(r[3]))
            for r in rows
        ]

    async def set(
        self, guild_id: int, weekday: int, post_time: str, user_id: int, now: datetime
    ) -> None:
        ins = self.db.insert(digest_settings).values(
            guild_id=guild_id, weekday=weekday, post_time=post_time, updated_by=user_id,
            updated_at=iso(now),
        )  # fmt: skip
        new = ins.excluded
        await self.db.execute(
            ins.on_conflict_do_update(
                index_elements=[digest_settings.c.guild_id],
                set_={
                    "weekday": new.weekday,
                    "post_time": new.post_time,
                    "updated_by": new.updated_by,
                    "updated_at": new.updated_at,
                },
            )
        )

    async def off(self, guild_id: int) -> bool:
        async with self.db.transaction(("guild", guild_id)) as conn:
            gone = await conn.execute(
                digest_settings.delete().where(digest_settings.c.guild_id == guild_id)
            )
            return int(gone.rowcount) > 0

    # -- claims -----------------------------------------------------------------------------
    async def claim(
        self, guild_id: int, week: str, channel_id: int, due_at: datetime, now: datetime
    ) -> tuple[DigestClaim, bool]:
        """The (guild, week) claim, and whether this call made it. Two processes (or two runs)
        racing for one week: the unique key lets one in; the other reads the winner's row."""
        ins = self.db.insert(digests).values(
            guild_id=guild_id, week=week, channel_id=channel_id, due_at=iso(due_at),
            claimed_at=iso(now),
        )  # fmt: skip
        async with self.db.transaction(("guild", guild_id)) as conn:
            made = await conn.execute(
                ins.on_conflict_do_nothing(index_elements=[_d.guild_id, _d.week])
            )
            row = (
                await conn.execute(
                    select(*_CLAIM_COLS).where(_d.guild_id == guild_id, _d.week == week)
                )
            ).first()
        assert row is not None
        return _claim(tuple(row)), made.rowcount > 0

    async def mark_posted(self, claim_id: int, message_id: int, now: datetime) -> bool:
        """Guarded: only a pending claim becomes posted, once."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                update(digests)
                .where(_d.id == claim_id, _d.state == "pending")
                .values(state="posted", message_id=message_id, posted_at=iso(now))
            )
            return int(cur.rowcount) > 0

    async def get(self, guild_id: int, week: str) -> DigestClaim | None:
        row = await self.db.fetchone(
            select(*_CLAIM_COLS).where(_d.guild_id == guild_id, _d.week == week)
        )
        return _claim(tuple(row)) if row else None

    # -- what only the digest reads ---------------------------------------------------------
    async def live_streaks(
        self, guild_id: int, last_revealed: str, limit: int
    ) -> list[tuple[int, int]]:
        """(member, streak) of streaks still alive at the latest revealed post, longest first;
        members hidden from the boards are left out."""
        m, h = member_stats.c, hidden_members.c
        rows = await self.db.fetchall(
            select(m.user_id, m.streak)
            .where(m.guild_id == guild_id, m.streak > 1, m.last_answer_date >= last_revealed)
            .where(~exists().where(h.guild_id == m.guild_id, h.user_id == m.user_id))
            .order_by(m.streak.desc(), m.user_id)
            .limit(limit)
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def post_grades(
        self, guild_id: int, since_date: str, until_date: str
    ) -> list[tuple[str, str, int]]:
        """(local date, question id, self-grade) of the daily posts of [since, until): the
        grades members gave themselves at those reveals."""
        p, q = daily_posts.c, quiz_sessions.c
        rows = await self.db.fetchall(
            select(p.local_date, p.question_id, q.grade)
            .join_from(daily_posts, quiz_sessions, q.daily_post_id == p.id)
            .where(p.guild_id == guild_id, p.local_date >= since_date, p.local_date < until_date)
            .where(p.state == "revealed", q.grade.is_not(None))
            .order_by(p.local_date)
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]
