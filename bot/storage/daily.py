"""Daily posts (the exactly-once slot) and thread answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, case, func, insert, or_, select, update

from bot.ops import metrics
from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.models import Answer, DailyPost, NewAnswer
from bot.storage.schema import answers, daily_posts

_P = daily_posts.c
_A = answers.c
# The columns _post and _answer read by position.
_POSTS = select(
    _P.id, _P.guild_id, _P.local_date, _P.question_id, _P.topic, _P.channel_id, _P.nonce,
    _P.state, _P.message_id, _P.thread_id, _P.scheduled_for, _P.reveal_at, _P.posted_at,
    _P.revealed_at, _P.attempts, _P.last_error, _P.created_at, _P.reveal_claimed_by,
    _P.reveal_claimed_at, _P.mode, _P.lock_at, _P.locked_at,
)  # fmt: skip
_ANSWERS = select(
    _A.id, _A.guild_id, _A.daily_post_id, _A.quiz_session_id, _A.user_id, _A.message_id,
    _A.content, _A.created_at, _A.edited_at, _A.edit_count, _A.deleted_at,
)  # fmt: skip

# A member's text (and an error's) goes in the execute() parameters, bound here, never into the
# statement's values: the engine cleans NUL characters from the parameters only (engine.clean).
_TEXT = bindparam("text", type_=Text())

# The ingest path's batch insert (idempotent per message id), one statement per dialect, built
# on first use (PostgreSQL's dialect is not even imported on SQLite) and kept, so SQLite
# compiles it once (Database.write_many). On PostgreSQL asyncpg's executemany reports no row
# count; with RETURNING, SQLAlchemy sends the batch as one multi-row INSERT and counts the rows
# it returns: the new answers (a conflict returns none).
_RECORD: dict[str, Any] = {}


def _record(db: Backend) -> Any:
    stmt = _RECORD.get(db.dialect)
    if stmt is None:
        stmt = db.insert(answers).on_conflict_do_nothing(index_elements=[_A.message_id])
        if db.dialect == "postgresql":
            stmt = stmt.returning(_A.id)
        _RECORD[db.dialect] = stmt
    return stmt


def _post(r: Any) -> DailyPost:
    # Columns 10-13, 16, 18, 20 and 21 are timestamps (see _POSTS).
    times = (from_iso(t) for t in r[10:14])
    return DailyPost(  # type: ignore[call-arg]  # columns by position (_POSTS, _ANSWERS)
        *r[:10],
        *times,
        *r[14:16],
        from_iso(r[16]),
        r[17],
        from_iso(r[18]),
        r[19],
        from_iso(r[20]),
        from_iso(r[21]),
    )


def _answer(r: Any) -> Answer:
    # Columns 7, 8 and 10 are timestamps (see _ANSWERS).
    return Answer(*r[:7], from_iso(r[7]), from_iso(r[8]), r[9], from_iso(r[10]))  # type: ignore[call-arg]  # columns by position (_POSTS, _ANSWERS)


class DailyRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def claim(
        self,
        *,
        guild_id: int,
        local_date: str,
        question_id: str,
        topic: str,
        channel_id: int,
        nonce: str,
        scheduled_for: datetime,
        reveal_at: datetime | None,
        now: datetime,
        mode: str = "thread",
    ) -> tuple[DailyPost, bool]:
        """Claim the (guild, local date) slot. Returns the slot's post and whether we made it.

        Runs under BEGIN IMMEDIATE, and the UNIQUE key settles any race with another writer:
        the loser gets the winner's row and ``False``.
        """
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                self.db.insert(daily_posts)
                .values(
                    guild_id=guild_id,
                    local_date=local_date,
                    question_id=question_id,
                    topic=topic,
                    channel_id=channel_id,
                    nonce=nonce,
                    scheduled_for=iso(scheduled_for),
                    reveal_at=iso(reveal_at) if reveal_at else None,
                    created_at=iso(now),
                    mode=mode,
                )
                .on_conflict_do_nothing(index_elements=[_P.guild_id, _P.local_date])
            )
            created = cur.rowcount > 0
            cur = await conn.execute(
                _POSTS.where(_P.guild_id == guild_id, _P.local_date == local_date)
            )
            row = cur.first()
        return _post(row), created

    async def get(self, guild_id: int, local_date: str) -> DailyPost | None:
        row = await self.db.fetchone(
            _POSTS.where(_P.guild_id == guild_id, _P.local_date == local_date)
        )
        return _post(row) if row else None

    async def by_id(self, post_id: int) -> DailyPost | None:
        row = await self.db.fetchone(_POSTS.where(_P.id == post_id))
        return _post(row) if row else None

    async def by_thread(self, thread_id: int) -> DailyPost | None:
        row = await self.db.fetchone(_POSTS.where(_P.thread_id == thread_id))
        return _post(row) if row else None

    async def latest(self, guild_id: int, before_date: str | None = None) -> DailyPost | None:
        stmt = _POSTS.where(_P.guild_id == guild_id)
        if before_date:
            stmt = stmt.where(_P.local_date < before_date)
        row = await self.db.fetchone(stmt.order_by(_P.local_date.desc()).limit(1))
        return _post(row) if row else None

    async def in_state(self, state: str, guild_id: int | None = None) -> list[DailyPost]:
        stmt = _POSTS.where(_P.state == state)
        if guild_id is not None:
            stmt = stmt.where(_P.guild_id == guild_id)
        rows = await self.db.fetchall(stmt.order_by(_P.id))
        return [_post(r) for r in rows]

    async def due_reveals(self, now: datetime, guild_id: int | None = None) -> list[DailyPost]:
        """Posts past their reveal time, and reveals claimed but not finished (a run that
        died half-way, or /drill reveal-now); in every guild or in one."""
        stmt = _POSTS.where(
            _P.state == "posted",
            or_(
                _P.reveal_claimed_by.is_not(None),
                _P.reveal_at.is_not(None) & (_P.reveal_at <= iso(now)),
            ),
        )
        if guild_id is not None:
            stmt = stmt.where(_P.guild_id == guild_id)
        rows = await self.db.fetchall(stmt.order_by(_P.reveal_at, _P.id))
        return [_post(r) for r in rows]

    async def claim_reveal(self, post_id: int, owner: str, now: datetime) -> DailyPost | None:
        """Claim a posted post's reveal for ``owner`` (this run) before anything is sent.

        Answers after the reveal time are not scored: a reveal before its time (reveal-now)
        moves ``reveal_at`` to now. Returns the claimed post, or None if it is revealed already
        or claimed by another run. A run keeps its claim (and its first claim time) until
        the reveal is finished, so a failed reveal is retried by the same run.
        """
        async with self.db.transaction(("post", post_id)) as conn:
            at = iso(now)
            cur = await conn.execute(
                update(daily_posts)
                .where(
                    _P.id == post_id,
                    _P.state == "posted",
                    or_(_P.reveal_claimed_by.is_(None), _P.reveal_claimed_by == owner),
                )
                .values(
                    reveal_claimed_by=owner,
                    reveal_claimed_at=func.coalesce(_P.reveal_claimed_at, at),
                    reveal_at=case(
                        (or_(_P.reveal_at.is_(None), _P.reveal_at > at), at), else_=_P.reveal_at
                    ),
                )
            )
            if cur.rowcount == 0:
                return None
            row = (await conn.execute(_POSTS.where(_P.id == post_id))).first()
        return _post(row)

    async def take_over_reveals(self, owner: str, post_ids: Sequence[int] | None = None) -> int:
        """On start: reveals claimed by a run that is gone become this run's to finish; all
        of them, or only those of ``post_ids`` (a shard process takes its own guilds' only:
        another live process may be half-way through the others)."""
        if post_ids is not None and not post_ids:
            return 0
        stmt = (
            update(daily_posts)
            .where(_P.state == "posted", _P.reveal_claimed_by.is_not(None))
            .values(reveal_claimed_by=owner)
        )
        if post_ids is not None:
            stmt = stmt.where(_P.id.in_(post_ids))
        async with self.db.transaction() as conn:
            cur = await conn.execute(stmt)
            return int(cur.rowcount)

    async def mark_posted(
        self, post_id: int, message_id: int, thread_id: int | None, now: datetime
    ) -> None:
        await self.db.execute(
            update(daily_posts)
            .where(_P.id == post_id, _P.state == "pending")
            .values(
                state="posted",
                message_id=message_id,
                thread_id=thread_id,
                posted_at=iso(now),
                last_error=None,
            )
        )

    async def set_thread(self, post_id: int, thread_id: int) -> None:
        await self.db.execute(
            update(daily_posts).where(_P.id == post_id).values(thread_id=thread_id)
        )

    async def set_reveal_at(self, post_id: int, reveal_at: datetime) -> None:
        await self.db.execute(
            update(daily_posts).where(_P.id == post_id).values(reveal_at=iso(reveal_at))
        )

    async def record_failure(self, post_id: int, error: str) -> None:
        await self.db.execute(
            update(daily_posts)
            .where(_P.id == post_id)
            .values(attempts=_P.attempts + 1, last_error=_TEXT),
            {"text": error[:500]},
        )

    async def mark_revealed(
        self, post_id: int, now: datetime, lock_at: datetime | None = None
    ) -> bool:
        """Move posted -> revealed (a blind post's thread is locked at ``lock_at``). False if
        another path revealed it first."""
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                update(daily_posts)
                .where(_P.id == post_id, _P.state == "posted")
                .values(
                    state="revealed",
                    revealed_at=iso(now),
                    lock_at=iso(lock_at) if lock_at else None,
                )
            )
            return cur.rowcount > 0

    async def question_use_counts(self, guild_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            select(_P.question_id, func.count())
            .where(_P.guild_id == guild_id)
            .group_by(_P.question_id)
        )
        return {r[0]: r[1] for r in rows}

    async def recent_topics(self, guild_id: int, limit: int = 14) -> list[str]:
        rows = await self.db.fetchall(
            select(_P.topic)
            .where(_P.guild_id == guild_id)
            .order_by(_P.local_date.desc())
            .limit(limit)
        )
        return [r[0] for r in rows]


class AnswerRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def record(self, answers: Sequence[NewAnswer]) -> int:
        """Store thread messages (idempotent per message id) in one transaction.

        Returns how many were new. Batching lets the ingest path commit many answers at once.
        """
        if not answers:
            return 0
        new = await self.db.write_many(
            _record(self.db),
            [
                {
                    "guild_id": a.guild_id,
                    "daily_post_id": a.daily_post_id,
                    "user_id": a.user_id,
                    "message_id": a.message_id,
                    "channel_id": a.channel_id,
                    "content": a.content,
                    "created_at": iso(a.created_at),
                    "edited_at": iso(a.edited_at) if a.edited_at else None,
                    "edit_count": 1 if a.edited_at else 0,
                }
                for a in answers
            ],
        )
        metrics.answers_stored(new)  # after COMMIT: counted only once durable
        return new

    async def record_quiz(
        self, *, session_id: int, guild_id: int | None, user_id: int, content: str, now: datetime
    ) -> int:
        return await self.db.insert_returning_id(
            insert(answers)
            .values(
                guild_id=guild_id,
                quiz_session_id=session_id,
                user_id=user_id,
                content=_TEXT,
                created_at=iso(now),
            )
            .returning(_A.id),
            {"text": content},
        )

    async def edit(self, message_id: int, content: str, edited_at: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                update(answers)
                .where(_A.message_id == message_id, _A.content != _TEXT)
                .values(content=_TEXT, edited_at=iso(edited_at), edit_count=_A.edit_count + 1),
                {"text": content},
            )
            return cur.rowcount > 0

    async def delete(self, message_id: int, deleted_at: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                update(answers)
                .where(_A.message_id == message_id, _A.deleted_at.is_(None))
                .values(deleted_at=iso(deleted_at))
            )
            return cur.rowcount > 0

    async def by_message(self, message_id: int) -> Answer | None:
        row = await self.db.fetchone(_ANSWERS.where(_A.message_id == message_id))
        return _answer(row) if row else None

    async def for_post(self, post_id: int, *, include_deleted: bool = False) -> list[Answer]:
        stmt = _ANSWERS.where(_A.daily_post_id == post_id)
        if not include_deleted:
            stmt = stmt.where(_A.deleted_at.is_(None))
        rows = await self.db.fetchall(stmt.order_by(_A.message_id))
        return [_answer(r) for r in rows]

    async def for_session(self, session_id: int) -> list[Answer]:
        rows = await self.db.fetchall(
            _ANSWERS.where(_A.quiz_session_id == session_id).order_by(_A.id)
        )
        return [_answer(r) for r in rows]

    async def last_message_id(self, post_id: int) -> int | None:
        row = await self.db.fetchone(
            select(func.max(_A.message_id)).where(_A.daily_post_id == post_id)
        )
        return row[0] if row else None

    async def count_for_post(self, post_id: int) -> tuple[int, int]:
        """(answers, distinct members) not deleted."""
        row = await self.db.fetchone(
            select(func.count(), func.count(_A.user_id.distinct())).where(
                _A.daily_post_id == post_id, _A.deleted_at.is_(None)
            )
        )
        return (row[0], row[1]) if row else (0, 0)
