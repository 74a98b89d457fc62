"""The weekly digest's rows: each guild's day and time, and one claim per (guild, week).
Plus the two reads only the digest makes: live streaks and last week's self-grades."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso


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


_CLAIM_COLS = "id, guild_id, week, channel_id, due_at, state, message_id, claimed_at"


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
        one = " WHERE guild_id = ?" if guild_id is not None else ""
        rows = await self.db.fetchall(
            "SELECT guild_id, weekday, post_time, updated_at FROM digest_settings"
            f"{one} ORDER BY guild_id",
            (guild_id,) if guild_id is not None else (),
        )
        return [
            DigestSettings(int(r[0]), int(r[1]), str(r[2]), datetime.fromisoformat(r[3]))
            for r in rows
        ]

    async def set(
        self, guild_id: int, weekday: int, post_time: str, user_id: int, now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO digest_settings (guild_id, weekday, post_time, updated_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
            " weekday = excluded.weekday, post_time = excluded.post_time,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (guild_id, weekday, post_time, user_id, iso(now)),
        )

    async def off(self, guild_id: int) -> bool:
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute("DELETE FROM digest_settings WHERE guild_id = ?", (guild_id,))
            return cur.rowcount > 0

    # -- claims -----------------------------------------------------------------------------
    async def claim(
        self, guild_id: int, week: str, channel_id: int, due_at: datetime, now: datetime
    ) -> tuple[DigestClaim, bool]:
        """The (guild, week) claim, and whether this call made it. Two processes (or two runs)
        racing for one week: the unique key lets one in; the other reads the winner's row."""
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "INSERT INTO digests (guild_id, week, channel_id, due_at, claimed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, week) DO NOTHING",
                (guild_id, week, channel_id, iso(due_at), iso(now)),
            )
            made = cur.rowcount > 0
            cur = await conn.execute(
                f"SELECT {_CLAIM_COLS} FROM digests WHERE guild_id = ? AND week = ?",
                (guild_id, week),
            )
            row = await cur.fetchone()
        assert row is not None
        return _claim(tuple(row)), made

    async def mark_posted(self, claim_id: int, message_id: int, now: datetime) -> bool:
        """Guarded: only a pending claim becomes posted, once."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE digests SET state = 'posted', message_id = ?, posted_at = ?"
                " WHERE id = ? AND state = 'pending'",
                (message_id, iso(now), claim_id),
            )
            return cur.rowcount > 0

    async def get(self, guild_id: int, week: str) -> DigestClaim | None:
        row = await self.db.fetchone(
            f"SELECT {_CLAIM_COLS} FROM digests WHERE guild_id = ? AND week = ?", (guild_id, week)
        )
        return _claim(tuple(row)) if row else None

    # -- what only the digest reads ---------------------------------------------------------
    async def live_streaks(
        self, guild_id: int, last_revealed: str, limit: int
    ) -> list[tuple[int, int]]:
        """(member, streak) of streaks still alive at the latest revealed post, longest first;
        members hidden from the boards are left out."""
        rows = await self.db.fetchall(
            "SELECT m.user_id, m.streak FROM member_stats m WHERE m.guild_id = ?"
            " AND m.streak > 1 AND m.last_answer_date >= ? AND NOT EXISTS ("
            " SELECT 1 FROM hidden_members h WHERE h.guild_id = m.guild_id"
            " AND h.user_id = m.user_id) ORDER BY m.streak DESC, m.user_id LIMIT ?",
            (guild_id, last_revealed, limit),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def post_grades(
        self, guild_id: int, since_date: str, until_date: str
    ) -> list[tuple[str, str, int]]:
        """(local date, question id, self-grade) of the daily posts of [since, until): the
        grades members gave themselves at those reveals."""
        rows = await self.db.fetchall(
            "SELECT p.local_date, p.question_id, q.grade FROM daily_posts p"
            " JOIN quiz_sessions q ON q.daily_post_id = p.id"
            " WHERE p.guild_id = ? AND p.local_date >= ? AND p.local_date < ?"
            " AND p.state = 'revealed' AND q.grade IS NOT NULL ORDER BY p.local_date",
            (guild_id, since_date, until_date),
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]
