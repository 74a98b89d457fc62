"""Quiz sessions, spaced-repetition cards and question reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.models import QuizSession, ReportSummary, SrsCard

_SESSION_COLS = (
    "id, guild_id, user_id, question_id, question_version, mode, state, shown_at, answered_at,"
    " revealed_at, graded_at, notes_only, grade, time_taken_ms, daily_post_id"
)


def _session(r: Any) -> QuizSession:
    # Columns 7-10 are timestamps, 11 a flag (see _SESSION_COLS).
    return QuizSession(*r[:7], *(from_iso(t) for t in r[7:11]), bool(r[11]), *r[12:])  # type: ignore[call-arg]  # columns by position (see the *_COLS)


def _card(r: Any) -> SrsCard:
    return SrsCard(r[0], r[1], r[2], from_iso(r[3]), r[4], r[5])  # type: ignore[arg-type]


_CARD_COLS = "user_id, question_id, card_json, due, last_grade, reviews"
# From which states each move is allowed: the WHERE of the guarded UPDATE. A press that
# finds its session elsewhere changed nothing, and the caller says it was already done.
MOVES: dict[str, tuple[str, ...]] = {
    "skipped": ("open",),
    "revealed": ("open", "answered", "revealed"),
    "graded": ("answered", "revealed"),
}
# The new card from the member's previous one (None: first review), computed inside the
# grading transaction so two grades of one question never both start from the same card.
Review = Callable[[SrsCard | None], SrsCard]


class PracticeRepo:
    def __init__(self, db: Backend) -> None:
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
    ) -> QuizSession:
        session_id = await self.db.insert_returning_id(
            "INSERT INTO quiz_sessions (guild_id, user_id, question_id, question_version, mode,"
            " shown_at) VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, question_id, question_version, mode, iso(now)),
        )
        session = await self.session(session_id)
        assert session is not None
        return session

    async def open_daily_session(
        self,
        *,
        guild_id: int | None,
        user_id: int,
        question_id: str,
        question_version: str,
        daily_post_id: int,
        now: datetime,
    ) -> QuizSession:
        """The member's one self-grade session for a daily post, created by the first press.

        Starts 'revealed' (the notes are public). A second press at the same moment finds the
        row the first made: the UNIQUE key, not a read before the write, decides."""
        async with self.db.transaction(("member", user_id)) as conn:
            await conn.execute(
                "INSERT INTO quiz_sessions (guild_id, user_id, question_id, question_version,"
                " mode, state, shown_at, revealed_at, daily_post_id)"
                " VALUES (?, ?, ?, ?, 'daily', 'revealed', ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    guild_id,
                    user_id,
                    question_id,
                    question_version,
                    iso(now),
                    iso(now),
                    daily_post_id,
                ),
            )
        session = await self.daily_session(user_id, daily_post_id)
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
    ) -> QuizSession | None:
        """Move an open session to 'answered' and store the text, in one transaction.

        None if the session was no longer open (a second submit): nothing is stored."""
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                "UPDATE quiz_sessions SET state = 'answered', answered_at = ?"
                " WHERE id = ? AND state = 'open'",
                (iso(now), session_id),
            )
            if cur.rowcount == 0:
                if await self._exists(session_id):
                    return None
                raise LookupError(f"no quiz session {session_id}")
            row = await (
                await conn.execute("SELECT shown_at FROM quiz_sessions WHERE id = ?", (session_id,))
            ).fetchone()
            shown = from_iso(row[0])
            assert shown is not None
            taken = max(0, int((now - shown).total_seconds() * 1000))
            await conn.execute(
                "UPDATE quiz_sessions SET time_taken_ms = ? WHERE id = ?", (taken, session_id)
            )
            await conn.execute(
                "INSERT INTO answers (guild_id, quiz_session_id, user_id, content, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, session_id, user_id, text, iso(now)),
            )
        return await self.session(session_id)

    async def _exists(self, session_id: int) -> bool:
        row = await self.db.fetchone("SELECT 1 FROM quiz_sessions WHERE id = ?", (session_id,))
        return row is not None

    async def mark(
        self,
        session_id: int,
        state: str,
        now: datetime,
        *,
        notes_only: bool = False,
        expect: tuple[str, ...] | None = None,
    ) -> bool:
        """Move a session to 'revealed' or 'skipped' if it is in one of ``expect`` (default:
        ``MOVES[state]``). One guarded statement: True if this call moved it."""
        allowed = expect if expect is not None else MOVES[state]
        column = {"revealed": "revealed_at", "skipped": "graded_at"}[state]
        marks = ", ".join("?" for _ in allowed)
        cur_count = await self._update(
            f"UPDATE quiz_sessions SET state = ?, notes_only = notes_only | ?, {column} = ?"
            f" WHERE id = ? AND state IN ({marks})",
            (state, int(notes_only), iso(now), session_id, *allowed),
        )
        return cur_count > 0

    async def _update(self, sql: str, params: tuple[Any, ...]) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def grade(
        self, session_id: int, grade: int, card: SrsCard | Review, now: datetime
    ) -> SrsCard | None:
        """Store the self-grade and the member's new card together, once.

        ``card``: the new card, or a function from the previous one to the new one (run
        inside the transaction). None if the session was not waiting for a grade (already
        graded, skipped, or still open): nothing changed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE quiz_sessions SET state = 'graded', grade = ?, graded_at = ?"
                " WHERE id = ? AND state IN ('answered', 'revealed') RETURNING user_id",
                (grade, iso(now), session_id),
            )
            graded = await cur.fetchone()
            if graded is None:
                return None
            # The member's card is read, changed and written here: two grades of one question
            # at once (two sessions) wait for each other, not for the whole database.
            await conn.lock(("member", int(graded[0])))
            if callable(card):
                row = await (
                    await conn.execute(
                        f"SELECT {_CARD_COLS} FROM srs_cards"
                        " WHERE user_id = (SELECT user_id FROM quiz_sessions WHERE id = ?)"
                        " AND question_id = (SELECT question_id FROM quiz_sessions WHERE id = ?)",
                        (session_id, session_id),
                    )
                ).fetchone()
                card = card(_card(row) if row else None)
            await conn.execute(
                "INSERT INTO srs_cards (user_id, question_id, card_json, due, last_grade,"
                " reviews, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (user_id, question_id) DO UPDATE SET card_json = excluded.card_json,"
                " due = excluded.due, last_grade = excluded.last_grade,"
                " reviews = srs_cards.reviews + 1, updated_at = excluded.updated_at",
                (card.user_id, card.question_id, card.card_json, iso(card.due), grade, iso(now)),
            )
        return card

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
            f"SELECT {_CARD_COLS} FROM srs_cards WHERE user_id = ? AND question_id = ?",
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
        source: str | None = None,
    ) -> int:
        """The new report's id; 0 if this member already reported ``source`` (nothing stored).
        ``source`` names what was reported once: 'session:<id>' or 'daily:<post id>'."""
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                "INSERT INTO reports (guild_id, user_id, question_id, question_version, reason,"
                " detail, created_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    guild_id,
                    user_id,
                    question_id,
                    question_version,
                    reason,
                    detail,
                    iso(now),
                    source,
                ),
            )
            row = await cur.fetchone()  # None after DO NOTHING
            return int(row[0]) if row else 0

    async def report_summary(self, guild_id: int, limit: int = 10) -> list[ReportSummary]:
        rows = await self.db.fetchall(
            "SELECT question_id, COUNT(*), MAX(created_at) FROM reports WHERE guild_id = ?"
            " GROUP BY question_id ORDER BY MAX(created_at) DESC, MAX(id) DESC LIMIT ?",
            (guild_id, limit),
        )
        out = []
        for qid, count, last in rows:
            detail_rows = await self.db.fetchall(
                "SELECT reason, detail FROM reports WHERE guild_id = ? AND question_id = ?"
                " ORDER BY created_at DESC, id DESC",
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
