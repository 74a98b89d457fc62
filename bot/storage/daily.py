"""Daily posts (the exactly-once slot) and thread answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.ops import metrics
from bot.storage.backend import Backend
from bot.storage.database import from_iso, iso
from bot.storage.models import Answer, DailyPost, NewAnswer

_POST_COLS = (
    "id, guild_id, local_date, question_id, topic, channel_id, nonce, state, message_id,"
    " thread_id, scheduled_for, reveal_at, posted_at, revealed_at, attempts, last_error,"
    " created_at, reveal_claimed_by, reveal_claimed_at, mode, lock_at, locked_at"
)
_ANSWER_COLS = (
    "id, guild_id, daily_post_id, quiz_session_id, user_id, message_id, content, created_at,"
    " edited_at, edit_count, deleted_at"
)


def _post(r: Any) -> DailyPost:
    # Columns 10-13, 16, 18, 20 and 21 are timestamps (see _POST_COLS).
    times = (from_iso(t) for t in r[10:14])
    return DailyPost(  # type: ignore[call-arg]  # columns by position (see the *_COLS)
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
    # Columns 7, 8 and 10 are timestamps (see _ANSWER_COLS).
    return Answer(*r[:7], from_iso(r[7]), from_iso(r[8]), r[9], from_iso(r[10]))  # type: ignore[call-arg]  # columns by position (see the *_COLS)


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
                "INSERT INTO daily_posts (guild_id, local_date, question_id, topic, channel_id,"
                " nonce, scheduled_for, reveal_at, created_at, mode)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, local_date) DO NOTHING",
                (
                    guild_id,
                    local_date,
                    question_id,
                    topic,
                    channel_id,
                    nonce,
                    iso(scheduled_for),
                    iso(reveal_at) if reveal_at else None,
                    iso(now),
                    mode,
                ),
            )
            created = cur.rowcount > 0
            cur = await conn.execute(
                f"SELECT {_POST_COLS} FROM daily_posts WHERE guild_id = ? AND local_date = ?",
                (guild_id, local_date),
            )
            row = await cur.fetchone()
        return _post(row), created

    async def get(self, guild_id: int, local_date: str) -> DailyPost | None:
        row = await self.db.fetchone(
            f"SELECT {_POST_COLS} FROM daily_posts WHERE guild_id = ? AND local_date = ?",
            (guild_id, local_date),
        )
        return _post(row) if row else None

    async def by_id(self, post_id: int) -> DailyPost | None:
        row = await self.db.fetchone(
            f"SELECT {_POST_COLS} FROM daily_posts WHERE id = ?", (post_id,)
        )
        return _post(row) if row else None

    async def by_thread(self, thread_id: int) -> DailyPost | None:
        row = await self.db.fetchone(
            f"SELECT {_POST_COLS} FROM daily_posts WHERE thread_id = ?", (thread_id,)
        )
        return _post(row) if row else None

    async def latest(self, guild_id: int, before_date: str | None = None) -> DailyPost | None:
        where = "guild_id = ?" + (" AND local_date < ?" if before_date else "")
        params: tuple[Any, ...] = (guild_id, before_date) if before_date else (guild_id,)
        row = await self.db.fetchone(
            f"SELECT {_POST_COLS} FROM daily_posts WHERE {where} ORDER BY local_date DESC LIMIT 1",
            params,
        )
        return _post(row) if row else None

    async def in_state(self, state: str, guild_id: int | None = None) -> list[DailyPost]:
        where = "state = ?" + (" AND guild_id = ?" if guild_id is not None else "")
        params: tuple[Any, ...] = (state,) if guild_id is None else (state, guild_id)
        rows = await self.db.fetchall(
            f"SELECT {_POST_COLS} FROM daily_posts WHERE {where} ORDER BY id", params
        )
        return [_post(r) for r in rows]

    async def due_reveals(self, now: datetime, guild_id: int | None = None) -> list[DailyPost]:
        """Posts past their reveal time, and reveals claimed but not finished (a run that
        died half-way, or /drill reveal-now); in every guild or in one."""
        one = " AND guild_id = ?" if guild_id is not None else ""
        params: tuple[Any, ...] = (iso(now),) if guild_id is None else (iso(now), guild_id)
        rows = await self.db.fetchall(
            f"SELECT {_POST_COLS} FROM daily_posts WHERE state = 'posted'"
            " AND (reveal_claimed_by IS NOT NULL OR (reveal_at IS NOT NULL AND reveal_at <= ?))"
            f"{one} ORDER BY reveal_at, id",
            params,
        )
        return [_post(r) for r in rows]

    async def claim_reveal(self, post_id: int, owner: str, now: datetime) -> DailyPost | None:
        """Claim a posted post's reveal for ``owner`` (this run) before anything is sent.

        Answers after the reveal time are not scored: a reveal before its time (reveal-now)
        moves ``reveal_at`` to now. Returns the claimed post, or None if it is revealed already
        or claimed by another run. A run keeps its claim (and its first claim time) until
        the reveal is finished, so a failed reveal is retried by the same run.
        """
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                "UPDATE daily_posts SET reveal_claimed_by = ?,"
                " reveal_claimed_at = COALESCE(reveal_claimed_at, ?),"
                " reveal_at = CASE WHEN reveal_at IS NULL OR reveal_at > ? THEN ?"
                " ELSE reveal_at END"
                " WHERE id = ? AND state = 'posted'"
                " AND (reveal_claimed_by IS NULL OR reveal_claimed_by = ?)",
                (owner, iso(now), iso(now), iso(now), post_id, owner),
            )
            if cur.rowcount == 0:
                return None
            cur = await conn.execute(
                f"SELECT {_POST_COLS} FROM daily_posts WHERE id = ?", (post_id,)
            )
            row = await cur.fetchone()
        return _post(row)

    async def take_over_reveals(self, owner: str, post_ids: Sequence[int] | None = None) -> int:
        """On start: reveals claimed by a run that is gone become this run's to finish; all
        of them, or only those of ``post_ids`` (a shard process takes its own guilds' only:
        another live process may be half-way through the others)."""
        if post_ids is not None and not post_ids:
            return 0
        only = "" if post_ids is None else f" AND id IN ({', '.join('?' * len(post_ids))})"
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE daily_posts SET reveal_claimed_by = ?"
                f" WHERE state = 'posted' AND reveal_claimed_by IS NOT NULL{only}",
                (owner, *(post_ids or ())),
            )
            return cur.rowcount

    async def mark_posted(
        self, post_id: int, message_id: int, thread_id: int | None, now: datetime
    ) -> None:
        await self.db.execute(
            "UPDATE daily_posts SET state = 'posted', message_id = ?, thread_id = ?,"
            " posted_at = ?, last_error = NULL WHERE id = ? AND state = 'pending'",
            (message_id, thread_id, iso(now), post_id),
        )

    async def set_thread(self, post_id: int, thread_id: int) -> None:
        await self.db.execute(
            "UPDATE daily_posts SET thread_id = ? WHERE id = ?", (thread_id, post_id)
        )

    async def set_reveal_at(self, post_id: int, reveal_at: datetime) -> None:
        await self.db.execute(
            "UPDATE daily_posts SET reveal_at = ? WHERE id = ?", (iso(reveal_at), post_id)
        )

    async def record_failure(self, post_id: int, error: str) -> None:
        await self.db.execute(
            "UPDATE daily_posts SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], post_id),
        )

    async def mark_revealed(
        self, post_id: int, now: datetime, lock_at: datetime | None = None
    ) -> bool:
        """Move posted -> revealed (a blind post's thread is locked at ``lock_at``). False if
        another path revealed it first."""
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                "UPDATE daily_posts SET state = 'revealed', revealed_at = ?, lock_at = ?"
                " WHERE id = ? AND state = 'posted'",
                (iso(now), iso(lock_at) if lock_at else None, post_id),
            )
            return cur.rowcount > 0

    async def question_use_counts(self, guild_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT question_id, COUNT(*) FROM daily_posts WHERE guild_id = ? GROUP BY question_id",
            (guild_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def recent_topics(self, guild_id: int, limit: int = 14) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT topic FROM daily_posts WHERE guild_id = ? ORDER BY local_date DESC LIMIT ?",
            (guild_id, limit),
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
        new = await self.db.executemany(
            "INSERT INTO answers (guild_id, daily_post_id, user_id, message_id, channel_id,"
            " content, created_at, edited_at, edit_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (message_id) DO NOTHING",
            [
                (
                    a.guild_id,
                    a.daily_post_id,
                    a.user_id,
                    a.message_id,
                    a.channel_id,
                    a.content,
                    iso(a.created_at),
                    iso(a.edited_at) if a.edited_at else None,
                    1 if a.edited_at else 0,
                )
                for a in answers
            ],
        )
        metrics.answers_stored(new)  # after COMMIT: counted only once durable
        return new

    async def record_quiz(
        self, *, session_id: int, guild_id: int | None, user_id: int, content: str, now: datetime
    ) -> int:
        return await self.db.insert_returning_id(
            "INSERT INTO answers (guild_id, quiz_session_id, user_id, content, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (guild_id, session_id, user_id, content, iso(now)),
        )

    async def edit(self, message_id: int, content: str, edited_at: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE answers SET content = ?, edited_at = ?, edit_count = edit_count + 1"
                " WHERE message_id = ? AND content <> ?",
                (content, iso(edited_at), message_id, content),
            )
            return cur.rowcount > 0

    async def delete(self, message_id: int, deleted_at: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE answers SET deleted_at = ? WHERE message_id = ? AND deleted_at IS NULL",
                (iso(deleted_at), message_id),
            )
            return cur.rowcount > 0

    async def by_message(self, message_id: int) -> Answer | None:
        row = await self.db.fetchone(
            f"SELECT {_ANSWER_COLS} FROM answers WHERE message_id = ?", (message_id,)
        )
        return _answer(row) if row else None

    async def for_post(self, post_id: int, *, include_deleted: bool = False) -> list[Answer]:
        extra = "" if include_deleted else " AND deleted_at IS NULL"
        rows = await self.db.fetchall(
            f"SELECT {_ANSWER_COLS} FROM answers WHERE daily_post_id = ?{extra}"
            " ORDER BY message_id",
            (post_id,),
        )
        return [_answer(r) for r in rows]

    async def for_session(self, session_id: int) -> list[Answer]:
        rows = await self.db.fetchall(
            f"SELECT {_ANSWER_COLS} FROM answers WHERE quiz_session_id = ? ORDER BY id",
            (session_id,),
        )
        return [_answer(r) for r in rows]

    async def last_message_id(self, post_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT MAX(message_id) FROM answers WHERE daily_post_id = ?", (post_id,)
        )
        return row[0] if row else None

    async def count_for_post(self, post_id: int) -> tuple[int, int]:
        """(answers, distinct members) not deleted."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM answers"
            " WHERE daily_post_id = ? AND deleted_at IS NULL",
            (post_id,),
        )
        return (row[0], row[1]) if row else (0, 0)
