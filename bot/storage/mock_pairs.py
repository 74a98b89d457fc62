"""Pair mode of mock rounds: invitations and the pairs they make. Every change is one guarded
statement, so a double press accepts, swaps or ends once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, literal, literal_column, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.schema import mock_feedback, mock_pairs, mock_ratings, mock_sessions


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


_p = mock_pairs.c
_COLS = (
    _p.id, _p.guild_id, _p.channel_id, _p.inviter_id, _p.partner_id, _p.round, _p.state,
    _p.created_at, _p.expires_at, _p.thread_id, _p.candidate_id, _p.session_id,
)  # fmt: skip


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
                    insert(mock_pairs)
                    .values(
                        guild_id=guild_id,
                        channel_id=channel_id,
                        inviter_id=inviter_id,
                        partner_id=partner_id,
                        round=round_,
                        created_at=iso(now),
                        expires_at=iso(expires_at),
                    )
                    .returning(_p.id)
                )
                pair_id = int(cursor.scalar_one())
        except IntegrityError as exc:
            raise PendingAlready() from exc
        pair = await self.get(pair_id)
        assert pair is not None
        return pair

    async def get(self, pair_id: int) -> Pair | None:
        row = await self.db.fetchone(select(*_COLS).where(_p.id == pair_id))
        return _pair(row) if row else None

    async def by_session(self, session_id: int) -> Pair | None:
        row = await self.db.fetchone(
            select(*_COLS).where(_p.session_id == session_id, _p.state == "accepted")
        )
        return _pair(row) if row else None

    async def expire(self, now: datetime) -> int:
        """Close every pending invitation past its expiry; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                update(mock_pairs)
                .where(_p.state == "pending", _p.expires_at <= iso(now))
                .values(state="expired")
            )
            return int(cursor.rowcount)

    async def settle(self, pair_id: int, partner_id: int, state: str, now: datetime) -> bool:
        """Accept or decline, once, by the partner, before the expiry: the row count decides."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                update(mock_pairs)
                .where(
                    _p.id == pair_id,
                    _p.partner_id == partner_id,
                    _p.state == "pending",
                    _p.expires_at > iso(now),
                )
                .values(state=state)
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
                update(mock_pairs)
                .where(
                    _p.id == pair_id,
                    _p.state == "accepted",
                    func.coalesce(_p.session_id, 0) == (old_session or 0),
                )
                .values(
                    candidate_id=candidate_id,
                    session_id=session_id,
                    # A bound parameter even when None, typed as the column (BIGINT on PG).
                    thread_id=func.coalesce(literal(thread_id, _p.thread_id.type), _p.thread_id),
                )
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                update(mock_sessions)
                .where(mock_sessions.c.id == session_id)
                .values(pair_id=pair_id)
            )
            return True

    async def half_started(self) -> list[Pair]:
        """Pairs accepted whose first round never started (a run killed in between)."""
        rows = await self.db.fetchall(
            select(*_COLS).where(_p.state == "accepted", _p.session_id.is_(None)).order_by(_p.id)
        )
        return [_pair(r) for r in rows]

    async def has_round(self, pair_id: int, session_id: int) -> bool:
        """Whether the round was started in this pair (or is its current one, for rounds
        started before rounds were marked)."""
        s = mock_sessions.c
        row = await self.db.fetchone(
            select(literal_column("1")).where(
                s.id == session_id,
                or_(
                    s.pair_id == pair_id,
                    exists().where(_p.id == pair_id, _p.session_id == session_id),
                ),
            )
        )
        return row is not None

    async def end(self, pair_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                update(mock_pairs)
                .where(_p.id == pair_id, _p.state == "accepted")
                .values(state="ended")
            )
            return cursor.rowcount == 1

    async def rate(
        self, session_id: int, rater_id: int, ratings: Mapping[str, int], now: datetime
    ) -> bool:
        """The interviewer's ratings of the candidate's round, once (rater 'partner')."""
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    insert(mock_feedback).values(session_id=session_id, rater_id=rater_id)
                )
                if ratings:  # an empty list would run the INSERT once, with no values
                    await conn.execute(
                        insert(mock_ratings),
                        [
                            {
                                "session_id": session_id,
                                "signal": signal,
                                "rater": "partner",
                                "score": score,
                            }
                            for signal, score in ratings.items()
                        ],
                    )
        except IntegrityError:
            return False
        return True

    async def feedback(self, session_id: int, rater_id: int, text: str) -> bool:
        async with self.db.transaction() as conn:
            f = mock_feedback.c
            cursor = await conn.execute(
                update(mock_feedback)
                .where(f.session_id == session_id, f.rater_id == rater_id, f.feedback.is_(None))
                .values(feedback=text)
            )
            return cursor.rowcount == 1

    async def feedback_of(self, session_id: int) -> tuple[int, str | None] | None:
        f = mock_feedback.c
        row = await self.db.fetchone(
            select(f.rater_id, f.feedback).where(f.session_id == session_id)
        )
        return (row[0], row[1]) if row else None
