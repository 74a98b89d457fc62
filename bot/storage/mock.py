"""Mock interview sessions: guarded state changes, so a double press or a second modal submit
is told it was already done and changes nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso

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


_COLS = (
    "id, guild_id, user_id, round, state, position, step, step_shown_at, started_at,"
    " expires_at, finished_at"
)


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
                    "INSERT INTO mock_sessions (guild_id, user_id, round, step_shown_at,"
                    " started_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (guild_id, user_id, round_, iso(now), iso(now), iso(expires_at)),
                )
                session_id = int((await cursor.fetchone())[0])
                await conn.executemany(
                    "INSERT INTO mock_items (session_id, position, question_id, budget_s,"
                    " follow_ups) VALUES (?, ?, ?, ?, ?)",
                    [
                        (session_id, n, i.question_id, i.budget_s, json.dumps(list(i.follow_ups)))
                        for n, i in enumerate(items)
                    ],
                )
        except sqlite3.IntegrityError as exc:
            raise AlreadyOpen() from exc
        session = await self.session(session_id or 0)
        assert session is not None
        return session

    async def session(self, session_id: int) -> MockSession | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM mock_sessions WHERE id = ?", (session_id,)
        )
        return _session(row) if row else None

    async def open_for(self, user_id: int) -> MockSession | None:
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM mock_sessions WHERE user_id = ? AND state IN (?, ?)",
            (user_id, *OPEN_STATES),
        )
        return _session(row) if row else None

    async def items(self, session_id: int) -> list[MockItem]:
        rows = await self.db.fetchall(
            "SELECT position, question_id, budget_s, follow_ups FROM mock_items"
            " WHERE session_id = ? ORDER BY position",
            (session_id,),
        )
        return [MockItem(r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows]

    async def answers(self, session_id: int) -> list[MockAnswer]:
        rows = await self.db.fetchall(
            "SELECT position, step, content, shown_at, answered_at, over_time FROM mock_answers"
            " WHERE session_id = ? ORDER BY position, step",
            (session_id,),
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
                "UPDATE mock_sessions SET position = ?, step = ?, state = ?, step_shown_at = ?"
                " WHERE id = ? AND state = 'active' AND position = ? AND step = ?",
                (next_position, next_step, next_state, iso(now), session.id, session.position,
                 session.step),
            )  # fmt: skip
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "INSERT INTO mock_answers (session_id, position, step, content, shown_at,"
                " answered_at, over_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session.id, session.position, session.step, content,
                 iso(session.step_shown_at), iso(now), int(over_time)),
            )  # fmt: skip
        return True

    async def finish(
        self, session_id: int, ratings: Mapping[str, int], rater: str, now: datetime
    ) -> bool:
        """Store the ratings and close the session, once: False if it was not waiting for them."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_sessions SET state = 'done', finished_at = ?"
                " WHERE id = ? AND state = 'rating'",
                (iso(now), session_id),
            )
            if cursor.rowcount != 1:
                return False
            await conn.executemany(
                "INSERT INTO mock_ratings (session_id, signal, rater, score) VALUES (?, ?, ?, ?)",
                [(session_id, signal, rater, score) for signal, score in ratings.items()],
            )
        return True

    async def abandon(self, session_id: int, user_id: int, now: datetime) -> bool:
        async with self.db.transaction(("member", user_id)) as conn:
            cursor = await conn.execute(
                "UPDATE mock_sessions SET state = 'abandoned', finished_at = ?"
                " WHERE id = ? AND user_id = ? AND state IN (?, ?)",
                (iso(now), session_id, user_id, *OPEN_STATES),
            )
            return cursor.rowcount == 1

    async def expire(self, now: datetime) -> int:
        """Close every open session past its expiry; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE mock_sessions SET state = 'expired', finished_at = expires_at"
                " WHERE state IN (?, ?) AND expires_at <= ?",
                (*OPEN_STATES, iso(now)),
            )
            return cursor.rowcount

    async def finished(self, user_id: int, limit: int = 25) -> list[MockSession]:
        rows = await self.db.fetchall(
            f"SELECT {_COLS} FROM mock_sessions WHERE user_id = ? AND state = 'done'"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_session(r) for r in rows]

    async def ratings(self, session_ids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
        """{session: {(rater, signal): score}} for the given sessions."""
        if not session_ids:
            return {}
        marks = ", ".join("?" for _ in session_ids)
        rows = await self.db.fetchall(
            "SELECT session_id, rater, signal, score FROM mock_ratings"
            f" WHERE session_id IN ({marks})",
            tuple(session_ids),
        )
        out: dict[int, dict[tuple[str, str], int]] = {sid: {} for sid in session_ids}
        for sid, rater, signal, score in rows:
            out[sid][(rater, signal)] = score
        return out

    async def seen_since(self, user_id: int, since: datetime) -> dict[str, int]:
        """Questions shown to the member since ``since`` (practice and mocks), with counts."""
        rows = await self.db.fetchall(
            "SELECT question_id, COUNT(*) FROM ("
            " SELECT question_id FROM quiz_sessions WHERE user_id = ? AND shown_at >= ?"
            " UNION ALL SELECT i.question_id FROM mock_items i"
            " JOIN mock_sessions s ON s.id = i.session_id"
            " WHERE s.user_id = ? AND s.started_at >= ?) AS shown GROUP BY question_id",
            (user_id, iso(since), user_id, iso(since)),
        )
        return {r[0]: r[1] for r in rows}

    async def self_grades(self, user_id: int) -> list[tuple[str, int]]:
        """(question id, grade) of every graded practice question of the member."""
        rows = await self.db.fetchall(
            "SELECT question_id, grade FROM quiz_sessions WHERE user_id = ? AND grade IS NOT NULL",
            (user_id,),
        )
        return [(r[0], r[1]) for r in rows]
