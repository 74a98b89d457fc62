"""Mock interview sessions: guarded state changes, so a double press or a second modal submit
is told it was already done and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.schema import mock_answers, mock_items, mock_ratings, mock_sessions, quiz_sessions

OPEN_STATES = ("active", "rating")


@dataclass(frozen=True, slots=True)
class MockSession:
    id: int
    guild_id: int | None
    user_id: int
    round: str
    state: str
    position: int
    step: int
    step_shown_at: datetime
    started_at: datetime
    expires_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class MockItem:
    position: int
    question_id: str
    budget_s: int
    follow_ups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MockAnswer:
    position: int
    step: int
    content: str
    shown_at: datetime
    answered_at: datetime
    over_time: bool


@dataclass(frozen=True, slots=True)
class NewItem:
    question_id: str
    budget_s: int
    follow_ups: tuple[str, ...]


class AlreadyOpen(Exception):
    """The member has a mock session open already."""


_s = mock_sessions.c
_COLS = (
    _s.id, _s.guild_id, _s.user_id, _s.round, _s.state, _s.position, _s.step, _s.step_shown_at,
    _s.started_at, _s.expires_at, _s.finished_at,
)  # fmt: skip


def _session(r: Any) -> MockSession:
    return MockSession(*r[:7], *(from_iso(t) for t in r[7:11]))


class MockRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def create(
        self,
        *,
        guild_id: int | None,
        user_id: int,
        round_: str,
        items: Sequence[NewItem],
        now: datetime,
        expires_at: datetime,
    ) -> MockSession:
        try:
            async with self.db.transaction(("member", user_id)) as conn:
                cursor = await conn.execute(
                    insert(mock_sessions)
                    .values(
                        guild_id=guild_id,
                        user_id=user_id,
                        round=round_,
                        step_shown_at=iso(now),
                        started_at=iso(now),
                        expires_at=iso(expires_at),
                    )
                    .returning(_s.id)
                )
                session_id = int(cursor.scalar_one())
                if items:  # an empty list would run the INSERT once, with no values
                    await conn.execute(
                        insert(mock_items),
                        [
                            {
                                "session_id": session_id,
                                "position": n,
                                "question_id": i.question_id,
                                "budget_s": i.budget_s,
                                "follow_ups": json.dumps(list(i.follow_ups)),
                            }
                            for n, i in enumerate(items)
                        ],
                    )
        except IntegrityError as exc:
            raise AlreadyOpen() from exc
        session = await self.session(session_id or 0)
        assert session is not None
        return session

    async def session(self, session_id: int) -> MockSession | None:
        row = await self.db.fetchone(select(*_COLS).where(_s.id == session_id))
        return _session(row) if row else None

    async def open_for(self, user_id: int) -> MockSession | None:
        row = await self.db.fetchone(
            select(*_COLS).where(_s.user_id == user_id, _s.state.in_(OPEN_STATES))
        )
        return _session(row) if row else None

    async def items(self, session_id: int) -> list[MockItem]:
        i = mock_items.c
        rows = await self.db.fetchall(
            select(i.position, i.question_id, i.budget_s, i.follow_ups)
            .where(i.session_id == session_id)
            .order_by(i.position)
        )
        return [MockItem(r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows]

    async def answers(self, session_id: int) -> list[MockAnswer]:
        a = mock_answers.c
        rows = await self.db.fetchall(
            select(a.position, a.step, a.content, a.shown_at, a.answered_at, a.over_time)
            .where(a.session_id == session_id)
            .order_by(a.position, a.step)
        )
        return [
            MockAnswer(r[0], r[1], r[2], from_iso(r[3]), from_iso(r[4]), bool(r[5]))  # type: ignore[arg-type]
            for r in rows
        ]

    async def record_answer(
        self,
        session: MockSession,
        content: str,
        *,
        now: datetime,
        over_time: bool,
        next_position: int,
        next_step: int,
        next_state: str,
    ) -> bool:
        """Store the answer to the session's current step and move to the next one, as one
        transaction guarded by the step it answers: False (nothing changed) if that step was
        answered already or the session is no longer active."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                update(mock_sessions)
                .where(
                    _s.id == session.id,
                    _s.state == "active",
                    _s.position == session.position,
                    _s.step == session.step,
                )
                .values(
                    position=next_position,
                    step=next_step,
                    state=next_state,
                    step_shown_at=iso(now),
                )
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                insert(mock_answers).values(
                    session_id=session.id,
                    position=session.position,
                    step=session.step,
                    content=content,
                    shown_at=iso(session.step_shown_at),
                    answered_at=iso(now),
                    over_time=int(over_time),
                )
            )
        return True

    async def finish(
        self, session_id: int, ratings: Mapping[str, int], rater: str, now: datetime
    ) -> bool:
        """Store the ratings and close the session, once: False if it was not waiting for them."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                update(mock_sessions)
                .where(_s.id == session_id, _s.state == "rating")
                .values(state="done", finished_at=iso(now))
            )
            if cursor.rowcount != 1:
                return False
            if ratings:  # an empty list would run the INSERT once, with no values
                await conn.execute(
                    insert(mock_ratings),
                    [
                        {"session_id": session_id, "signal": signal, "rater": rater, "score": score}
                        for signal, score in ratings.items()
                    ],
                )
        return True

    async def abandon(self, session_id: int, user_id: int, now: datetime) -> bool:
        async with self.db.transaction(("member", user_id)) as conn:
            cursor = await conn.execute(
                update(mock_sessions)
                .where(_s.id == session_id, _s.user_id == user_id, _s.state.in_(OPEN_STATES))
                .values(state="abandoned", finished_at=iso(now))
            )
            return cursor.rowcount == 1

    async def expire(self, now: datetime) -> int:
        """Close every open session past its expiry; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                update(mock_sessions)
                .where(_s.state.in_(OPEN_STATES), _s.expires_at <= iso(now))
                .values(state="expired", finished_at=_s.expires_at)
            )
            return int(cursor.rowcount)

    async def finished(self, user_id: int, limit: int = 25) -> list[MockSession]:
        rows = await self.db.fetchall(
            select(*_COLS)
            .where(_s.user_id == user_id, _s.state == "done")
            .order_by(_s.started_at.desc(), _s.id.desc())
            .limit(limit)
        )
        return [_session(r) for r in rows]

    async def ratings(self, session_ids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
        """{session: {(rater, signal): score}} for the given sessions."""
        if not session_ids:
            return {}
        r = mock_ratings.c
        rows = await self.db.fetchall(
            select(r.session_id, r.rater, r.signal, r.score).where(
                r.session_id.in_(list(session_ids))
            )
        )
        out: dict[int, dict[tuple[str, str], int]] = {sid: {} for sid in session_ids}
        for sid, rater, signal, score in rows:
            out[sid][(rater, signal)] = score
        return out

    async def seen_since(self, user_id: int, since: datetime) -> dict[str, int]:
        """Questions shown to the member since ``since`` (practice and mocks), with counts."""
        q, i = quiz_sessions.c, mock_items.c
        shown = union_all(
            select(q.question_id).where(q.user_id == user_id, q.shown_at >= iso(since)),
            select(i.question_id)
            .select_from(mock_items.join(mock_sessions, _s.id == i.session_id))
            .where(_s.user_id == user_id, _s.started_at >= iso(since)),
        ).subquery("shown")
        rows = await self.db.fetchall(
            select(shown.c.question_id, func.count()).group_by(shown.c.question_id)
        )
        return {r[0]: r[1] for r in rows}

    async def self_grades(self, user_id: int) -> list[tuple[str, int]]:
        """(question id, grade) of every graded practice question of the member."""
        q = quiz_sessions.c
        rows = await self.db.fetchall(
            select(q.question_id, q.grade).where(q.user_id == user_id, q.grade.is_not(None))
        )
        return [(r[0], r[1]) for r in rows]
