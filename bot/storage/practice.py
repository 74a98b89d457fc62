"""Quiz sessions, spaced-repetition cards and question reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, func, insert, literal_column, select, update

from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.models import QuizSession, ReportSummary, SrsCard
from bot.storage.schema import answers, quiz_sessions, reports, srs_cards

_q = quiz_sessions.c
_c = srs_cards.c
_r = reports.c
_SESSION_COLS = (
    _q.id, _q.guild_id, _q.user_id, _q.question_id, _q.question_version, _q.mode, _q.state,
    _q.shown_at, _q.answered_at, _q.revealed_at, _q.graded_at, _q.notes_only, _q.grade,
    _q.time_taken_ms, _q.daily_post_id,
)  # fmt: skip


def _session(r: Any) -> QuizSession:
    # Columns 7-10 are timestamps, 11 a flag (see _SESSION_COLS).
    return QuizSession(*r[:7], *(from_iso(t) for t in r[7:11]), bool(r[11]), *r[12:])  # type: ignore[call-arg]  # columns by position (see the *_COLS)


def _card(r: Any) -> SrsCard:
    return SrsCard(r[0], r[1], r[2], from_iso(r[3]), r[4], r[5])  # type: ignore[arg-type]


_CARD_COLS = (_c.user_id, _c.question_id, _c.card_json, _c.due, _c.last_grade, _c.reviews)
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
            insert(quiz_sessions)
            .values(
                guild_id=guild_id,
                user_id=user_id,
                question_id=question_id,
                question_version=question_version,
                mode=mode,
                shown_at=iso(now),
            )
            .returning(_q.id)
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
                self.db.insert(quiz_sessions)
                .values(
                    guild_id=guild_id,
                    user_id=user_id,
                    question_id=question_id,
                    question_version=question_version,
                    mode="daily",
                    state="revealed",
                    shown_at=iso(now),
                    revealed_at=iso(now),
                    daily_post_id=daily_post_id,
                )
                .on_conflict_do_nothing()
            )
        session = await self.daily_session(user_id, daily_post_id)
        assert session is not None
        return session

    async def session(self, session_id: int) -> QuizSession | None:
        row = await self.db.fetchone(select(*_SESSION_COLS).where(_q.id == session_id))
        return _session(row) if row else None

    async def daily_session(self, user_id: int, daily_post_id: int) -> QuizSession | None:
        """The member's self-grade session for one daily post, if they pressed a grade."""
        row = await self.db.fetchone(
            select(*_SESSION_COLS)
            .where(_q.user_id == user_id, _q.daily_post_id == daily_post_id)
            .order_by(_q.id)
            .limit(1)
        )
        return _session(row) if row else None

    async def record_answer(
        self, session_id: int, *, guild_id: int | None, user_id: int, text: str, now: datetime
    ) -> QuizSession | None:
        """Move an open session to 'answered' and store the text, in one transaction.

        None if the session was no longer open (a second submit): nothing is stored."""
        async with self.db.transaction(("member", user_id)) as conn:
            cur = await conn.execute(
                update(quiz_sessions)
                .where(_q.id == session_id, _q.state == "open")
                .values(state="answered", answered_at=iso(now))
            )
            if cur.rowcount == 0:
                if await self._exists(session_id):
                    return None
                raise LookupError(f"no quiz session {session_id}")
            row = (await conn.execute(select(_q.shown_at).where(_q.id == session_id))).first()
            assert row is not None
            shown = from_iso(row[0])
            assert shown is not None
            taken = max(0, int((now - shown).total_seconds() * 1000))
            await conn.execute(
                update(quiz_sessions).where(_q.id == session_id).values(time_taken_ms=taken)
            )
            await conn.execute(
                insert(answers).values(
                    guild_id=guild_id,
                    quiz_session_id=session_id,
                    user_id=user_id,
                    content=text,
                    created_at=iso(now),
                )
            )
        return await self.session(session_id)

    async def _exists(self, session_id: int) -> bool:
        row = await self.db.fetchone(select(literal_column("1")).where(_q.id == session_id))
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
        cur_count = await self._update(
            update(quiz_sessions)
            .where(_q.id == session_id, _q.state.in_(allowed))
            .values(
                {
                    _q.state: state,
                    _q.notes_only: _q.notes_only.op("|")(int(notes_only)),
                    quiz_sessions.c[column]: iso(now),
                }
            )
        )
        return cur_count > 0

    async def _update(self, stmt: Executable) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(stmt)
            return int(cur.rowcount)

    async def grade(
        self, session_id: int, grade: int, card: SrsCard | Review, now: datetime
    ) -> SrsCard | None:
        """Store the self-grade and the member's new card together, once.

        ``card``: the new card, or a function from the previous one to the new one (run
        inside the transaction). None if the session was not waiting for a grade (already
        graded, skipped, or still open): nothing changed."""
        # The member's card is read, changed and written below: two grades of one question at
        # once (two sessions) wait for each other, not for the whole database. The member's
        # lock comes first, before any row is touched (a session's member never changes, so it
        # is read without one): taken after the UPDATE, it deadlocked against a press opening a
        # session under the same lock and waiting for this row.
        member = await self.db.scalar(select(_q.user_id).where(_q.id == session_id))
        if member is None:
            return None
        async with self.db.transaction(("member", int(member))) as conn:
            cur = await conn.execute(
                update(quiz_sessions)
                .where(_q.id == session_id, _q.state.in_(("answered", "revealed")))
                .values(state="graded", grade=grade, graded_at=iso(now))
            )
            if cur.rowcount == 0:
                return None
            if callable(card):
                of_session = _q.id == session_id
                row = (
                    await conn.execute(
                        select(*_CARD_COLS).where(
                            _c.user_id == select(_q.user_id).where(of_session).scalar_subquery(),
                            _c.question_id
                            == select(_q.question_id).where(of_session).scalar_subquery(),
                        )
                    )
                ).first()
                card = card(_card(row) if row else None)
            ins = self.db.insert(srs_cards).values(
                user_id=card.user_id,
                question_id=card.question_id,
                card_json=card.card_json,
                due=iso(card.due),
                last_grade=grade,
                reviews=1,
                updated_at=iso(now),
            )
            await conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[_c.user_id, _c.question_id],
                    set_={
                        "card_json": ins.excluded.card_json,
                        "due": ins.excluded.due,
                        "last_grade": ins.excluded.last_grade,
                        "reviews": _c.reviews + 1,
                        "updated_at": ins.excluded.updated_at,
                    },
                )
            )
        return card

    async def seen_questions(self, user_id: int) -> dict[str, int]:
        """question id -> times shown to this member (quiz, review or daily)."""
        rows = await self.db.fetchall(
            select(_q.question_id, func.count())
            .where(_q.user_id == user_id)
            .group_by(_q.question_id)
        )
        return {r[0]: r[1] for r in rows}

    async def sessions_since(self, user_id: int, since: datetime) -> int:
        row = await self.db.fetchone(
            select(func.count()).where(_q.user_id == user_id, _q.shown_at >= iso(since))
        )
        return int(row[0]) if row else 0

    # -- spaced repetition ------------------------------------------------------------------
    async def card(self, user_id: int, question_id: str) -> SrsCard | None:
        row = await self.db.fetchone(
            select(*_CARD_COLS).where(_c.user_id == user_id, _c.question_id == question_id)
        )
        return _card(row) if row else None

    async def due_cards(self, user_id: int, now: datetime, limit: int = 25) -> list[SrsCard]:
        rows = await self.db.fetchall(
            select(*_CARD_COLS)
            .where(_c.user_id == user_id, _c.due <= iso(now))
            .order_by(_c.due)
            .limit(limit)
        )
        return [_card(r) for r in rows]

    async def next_due(self, user_id: int) -> datetime | None:
        row = await self.db.fetchone(select(func.min(_c.due)).where(_c.user_id == user_id))
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
                self.db.insert(reports)
                .values(
                    guild_id=guild_id,
                    user_id=user_id,
                    question_id=question_id,
                    question_version=question_version,
                    reason=reason,
                    detail=detail,
                    created_at=iso(now),
                    source=source,
                )
                .on_conflict_do_nothing()
                .returning(_r.id)
            )
            row = cur.first()  # None after DO NOTHING
            return int(row[0]) if row else 0

    async def report_summary(self, guild_id: int, limit: int = 10) -> list[ReportSummary]:
        rows = await self.db.fetchall(
            select(_r.question_id, func.count(), func.max(_r.created_at))
            .where(_r.guild_id == guild_id)
            .group_by(_r.question_id)
            .order_by(func.max(_r.created_at).desc(), func.max(_r.id).desc())
            .limit(limit)
        )
        out = []
        for qid, count, last in rows:
            detail_rows = await self.db.fetchall(
                select(_r.reason, _r.detail)
                .where(_r.guild_id == guild_id, _r.question_id == qid)
                .order_by(_r.created_at.desc(), _r.id.desc())
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
