"""Quiz sessions, spaced-repetition cards and question reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.database import Database, from_iso, iso
from bot.storage.models import QuizSession, ReportSummary, SrsCard

_SESSION_COLS = (
    "id, guild_id, user_id, question_id, question_version, mode, state, shown_at, answered_at,"
    " revealed_at, graded_at, notes_only, grade, time_taken_ms, daily_post_id"
)


def _session(r: Any) -> QuizSession:
    # Columns 7-10 are timestamps, 11 a flag (see _SESSION_COLS).
    return QuizSession(*r[:7], *(from_iso(t) for t in r[7:11]), bool(r[11]), *r[12:])


def _card(r: Any) -> SrsCard:
    return SrsCard(r[0], r[1], r[2], from_iso(r[3]), r[4], r[5])  # type: ignore[arg-type]


class PracticeRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- sessions ---------------------------------------------------------------------------
    async def open_session(
        self,
        *,
        guild_id: int | None,
        user_id: int,
        question_id: str,
        question_version: str,
        mode: str,
        now: datetime,
        daily_post_id: int | None = None,
    ) -> QuizSession:
        session_id = await self.db.execute(
            "INSERT INTO quiz_sessions (guild_id, user_id, question_id, question_version, mode,"
            " shown_at, daily_post_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, question_id, question_version, mode, iso(now), daily_post_id),
        )
        session = await self.session(session_id)
        assert session is not None
        return session

    async def session(self, session_id: int) -> QuizSession | None:
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLS} FROM quiz_sessions WHERE id = ?", (session_id,)
        )
        return _session(row) if row else None

    async def daily_session(self, user_id: int, daily_post_id: int) -> QuizSession | None:
        """The member's self-grade session for one daily post, if they pressed a grade."""
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLS} FROM quiz_sessions WHERE user_id = ? AND daily_post_id = ?"
            " ORDER BY id LIMIT 1",
            (user_id, daily_post_id),
        )
        return _session(row) if row else None

    async def record_answer(
        self, session_id: int, *, guild_id: int | None, user_id: int, text: str, now: datetime
    ) -> QuizSession:
        """Store the answer text and move the session to 'answered', in one transaction."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "SELECT shown_at FROM quiz_sessions WHERE id = ?", (session_id,)
            )
            row = await cur.fetchone()
            if row is None:
                raise LookupError(f"no quiz session {session_id}")
            shown = from_iso(row[0])
            assert shown is not None
            taken = max(0, int((now - shown).total_seconds() * 1000))
            await conn.execute(
                "INSERT INTO answers (guild_id, quiz_session_id, user_id, content, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, session_id, user_id, text, iso(now)),
            )
            await conn.execute(
                "UPDATE quiz_sessions SET state = 'answered', answered_at = ?, time_taken_ms = ?"
                " WHERE id = ?",
                (iso(now), taken, session_id),
            )
        session = await self.session(session_id)
        assert session is not None
        return session

    async def mark(
        self, session_id: int, state: str, now: datetime, *, notes_only: bool = False
    ) -> None:
        column = {"revealed": "revealed_at", "skipped": "graded_at"}.get(state)
        stamp = f", {column} = ?" if column else ""
        params: tuple[Any, ...] = (
            state,
            int(notes_only),
            *((iso(now),) if column else ()),
            session_id,
        )
        await self.db.execute(
            f"UPDATE quiz_sessions SET state = ?, notes_only = MAX(notes_only, ?){stamp}"
            " WHERE id = ?",
            params,
        )

    async def grade(self, session_id: int, grade: int, card: SrsCard, now: datetime) -> None:
        """Store the self-grade and the member's new card together."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE quiz_sessions SET state = 'graded', grade = ?, graded_at = ? WHERE id = ?",
                (grade, iso(now), session_id),
            )
            await conn.execute(
                "INSERT INTO srs_cards (user_id, question_id, card_json, due, last_grade,"
                " reviews, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (user_id, question_id) DO UPDATE SET card_json = excluded.card_json,"
                " due = excluded.due, last_grade = excluded.last_grade,"
                " reviews = srs_cards.reviews + 1, updated_at = excluded.updated_at",
                (card.user_id, card.question_id, card.card_json, iso(card.due), grade, iso(now)),
            )

    async def seen_questions(self, user_id: int) -> dict[str, int]:
        """question id -> times shown to this member (quiz, review or daily)."""
        rows = await self.db.fetchall(
            "SELECT question_id, COUNT(*) FROM quiz_sessions WHERE user_id = ?"
            " GROUP BY question_id",
            (user_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def sessions_since(self, user_id: int, since: datetime) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM quiz_sessions WHERE user_id = ? AND shown_at >= ?",
            (user_id, iso(since)),
        )
        return int(row[0]) if row else 0

    # -- spaced repetition ------------------------------------------------------------------
    async def card(self, user_id: int, question_id: str) -> SrsCard | None:
        row = await self.db.fetchone(
            "SELECT user_id, question_id, card_json, due, last_grade, reviews FROM srs_cards"
            " WHERE user_id = ? AND question_id = ?",
            (user_id, question_id),
        )
        return _card(row) if row else None

    async def due_cards(self, user_id: int, now: datetime, limit: int = 25) -> list[SrsCard]:
        rows = await self.db.fetchall(
            "SELECT user_id, question_id, card_json, due, last_grade, reviews FROM srs_cards"
            " WHERE user_id = ? AND due <= ? ORDER BY due LIMIT ?",
            (user_id, iso(now), limit),
        )
        return [_card(r) for r in rows]

    async def next_due(self, user_id: int) -> datetime | None:
        row = await self.db.fetchone("SELECT MIN(due) FROM srs_cards WHERE user_id = ?", (user_id,))
        return from_iso(row[0]) if row else None

    # -- reports ----------------------------------------------------------------------------
    async def report(
        self,
        *,
        guild_id: int | None,
        user_id: int,
        question_id: str,
        question_version: str,
        reason: str,
        detail: str,
        now: datetime,
    ) -> int:
        return await self.db.execute(
            "INSERT INTO reports (guild_id, user_id, question_id, question_version, reason,"
            " detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, question_id, question_version, reason, detail, iso(now)),
        )

    async def report_summary(self, guild_id: int, limit: int = 10) -> list[ReportSummary]:
        rows = await self.db.fetchall(
            "SELECT question_id, COUNT(*), MAX(created_at) FROM reports WHERE guild_id = ?"
            " GROUP BY question_id ORDER BY MAX(created_at) DESC LIMIT ?",
            (guild_id, limit),
        )
        out = []
        for qid, count, last in rows:
            detail_rows = await self.db.fetchall(
                "SELECT reason, detail FROM reports WHERE guild_id = ? AND question_id = ?"
                " ORDER BY created_at DESC",
                (guild_id, qid),
            )
            reasons = tuple(sorted({r[0] for r in detail_rows}))
            out.append(
                ReportSummary(
                    qid,
                    count,
                    from_iso(last),  # type: ignore[arg-type]
                    reasons,
                    detail_rows[0][1] if detail_rows else "",
                )
            )
        return out
