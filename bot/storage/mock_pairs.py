"""Pair mode of mock rounds: invitations and the pairs they make. Every change is one guarded
statement, so a double press accepts, swaps or ends once."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso


@dataclass(frozen=True, slots=True)
class Pair:
    id: int
    guild_id: int | None
    channel_id: int
    inviter_id: int
    partner_id: int
    round: str
    state: str  # pending | accepted | declined | expired | ended
    created_at: datetime
    expires_at: datetime
    thread_id: int | None
    candidate_id: int | None
    session_id: int | None

    @property
    def interviewer_id(self) -> int | None:
        if self.candidate_id is None:
            return None
        return self.partner_id if self.candidate_id == self.inviter_id else self.inviter_id

    def member(self, user_id: int) -> bool:
        return user_id in (self.inviter_id, self.partner_id)


class PendingAlready(Exception):
    """The inviter has an invitation pending already."""


_COLS = (
    "id, guild_id, channel_id, inviter_id, partner_id, round, state, created_at, expires_at,"
    " thread_id, candidate_id, session_id"
)


def _pair(r: Any) -> Pair:
    return Pair(*r[:7], from_iso(r[7]), from_iso(r[8]), *r[9:12])  # type: ignore[call-arg]  # columns by position (see the *_COLS)


class PairRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def invite(
        self, *, guild_id: int | None, channel_id: int, inviter_id: int, partner_id: int,
        round_: str, now: datetime, expires_at: datetime,
    ) -> Pair:  # fmt: skip
        try:
            async with self.db.transaction(("member", inviter_id)) as conn:
                cursor = await conn.execute(
                    "INSERT INTO mock_pairs (guild_id, channel_id, inviter_id, partner_id, round,"
                    " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (guild_id, channel_id, inviter_id, partner_id, round_, iso(now),
                     iso(expires_at)),
                )  # fmt: skip
                pair_id = int((await cursor.fetchone())[0])
        except sqlite3.IntegrityError as exc:
            raise PendingAlready() from exc
        pair = await self.get(pair_id)
        assert pair is not None
        return pair

    async def get(self, pair_id: int) -> Pair | None:
        row = await self.db.fetchone(f"SELECT {_COLS} FROM mock_pairs WHERE id = ?", (pair_id,))
        return _pair(row) if row else None

    async def by_session(self, session_id: int) -> Pair | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM mock_pairs WHERE session_id = ? AND state = 'accepted'",
            (session_id,),
        )
        return _pair(row) if row else None

    async def expire(self, now: datetime) -> int:
        """Close every pending invitation past its expiry; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_pairs SET state = 'expired' WHERE state = 'pending'"
                " AND expires_at <= ?",
                (iso(now),),
            )
            return cursor.rowcount

    async def settle(self, pair_id: int, partner_id: int, state: str, now: datetime) -> bool:
        """Accept or decline, once, by the partner, before the expiry: the row count decides."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_pairs SET state = ? WHERE id = ? AND partner_id = ?"
                " AND state = 'pending' AND expires_at > ?",
                (state, pair_id, partner_id, iso(now)),
            )
            return cursor.rowcount == 1

    async def set_round(
        self, pair_id: int, *, old_session: int | None, candidate_id: int, session_id: int,
        thread_id: int | None = None,
    ) -> bool:  # fmt: skip
        """Hand the round to ``candidate_id``'s session, once: guarded by the session it
        replaces, so two Swap presses start one round."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_pairs SET candidate_id = ?, session_id = ?,"
                " thread_id = COALESCE(?, thread_id) WHERE id = ? AND state = 'accepted'"
                " AND COALESCE(session_id, 0) = ?",
                (candidate_id, session_id, thread_id, pair_id, old_session or 0),
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "UPDATE mock_sessions SET pair_id = ? WHERE id = ?", (pair_id, session_id)
            )
            return True

    async def half_started(self) -> list[Pair]:
        """Pairs accepted whose first round never started (a run killed in between)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLS} FROM mock_pairs WHERE state = 'accepted' AND session_id IS NULL"
            " ORDER BY id",
            (),
        )
        return [_pair(r) for r in rows]

    async def has_round(self, pair_id: int, session_id: int) -> bool:
        """Whether the round was started in this pair (or is its current one, for rounds
        started before rounds were marked)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM mock_sessions s WHERE s.id = ?2 AND (s.pair_id = ?1 OR EXISTS"
            " (SELECT 1 FROM mock_pairs p WHERE p.id = ?1 AND p.session_id = ?2))",
            (pair_id, session_id),
        )
        return row is not None

    async def end(self, pair_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_pairs SET state = 'ended' WHERE id = ? AND state = 'accepted'",
                (pair_id,),
            )
            return cursor.rowcount == 1

    async def rate(
        self, session_id: int, rater_id: int, ratings: Mapping[str, int], now: datetime
    ) -> bool:
        """The interviewer's ratings of the candidate's round, once (rater 'partner')."""
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO mock_feedback (session_id, rater_id) VALUES (?, ?)",
                    (session_id, rater_id),
                )
                await conn.executemany(
                    "INSERT INTO mock_ratings (session_id, signal, rater, score)"
                    " VALUES (?, ?, 'partner', ?)",
                    [(session_id, signal, score) for signal, score in ratings.items()],
                )
        except sqlite3.IntegrityError:
            return False
        return True

    async def feedback(self, session_id: int, rater_id: int, text: str) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_feedback SET feedback = ? WHERE session_id = ? AND rater_id = ?"
                " AND feedback IS NULL",
                (text, session_id, rater_id),
            )
            return cursor.rowcount == 1

    async def feedback_of(self, session_id: int) -> tuple[int, str | None] | None:
        row = await self.db.fetchone(
            "SELECT rater_id, feedback FROM mock_feedback WHERE session_id = ?", (session_id,)
        )
        return (row[0], row[1]) if row else None
