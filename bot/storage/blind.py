"""Blind answers: one answer per member and post (edited until the reveal), the reveal's
publishing plan, and the discussion threads waiting to be locked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.ops import metrics
from bot.storage.backend import Backend
from bot.storage.database import iso


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One message of a reveal's publishing plan (see bot/daily/blind.py)."""

    seq: int
    part: int
    parts: int
    answer_id: int
    user_id: int
    late: bool
    message_id: int | None
    nonce: str | None = None  # stored just before the send: set without an id, maybe sent


class BlindRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def answer_text(self, post_id: int, user_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT a.content FROM blind_entries e JOIN answers a ON a.id = e.answer_id"
            " WHERE e.daily_post_id = ? AND e.user_id = ?",
            (post_id, user_id),
        )
        return str(row[0]) if row else None

    async def submit(
        self, post_id: int, guild_id: int, user_id: int, content: str, now: datetime
    ) -> tuple[str, int]:
        """Store or edit the member's answer; returns (outcome, edits so far).

        ``stored``/``edited`` while the post is open (also while it is still 'pending': a
        member pressed its button before the bot stored the send); after the reveal a first
        answer is ``late`` (stored, not scored) and a change to a published one ``closed``.
        The first statement touches the post's row: on PostgreSQL it waits for a reveal claim
        in progress (and two submits of one post queue), on SQLite every write is serial, so
        an answer acknowledged as open is one the reveal's plan includes.
        """
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "UPDATE daily_posts SET mode = mode WHERE id = ? AND state IN ('pending', 'posted')"
                " AND reveal_claimed_by IS NULL",
                (post_id,),
            )
            is_open = cur.rowcount > 0
            cur = await conn.execute(
                "SELECT answer_id FROM blind_entries WHERE daily_post_id = ? AND user_id = ?",
                (post_id, user_id),
            )
            found = await cur.fetchone()
            if found is not None:
                if not is_open:
                    return "closed", 0
                cur = await conn.execute(
                    "UPDATE answers SET content = ?, edited_at = ?, edit_count = edit_count + 1"
                    " WHERE id = ? AND content <> ? RETURNING edit_count",
                    (content, iso(now), found[0], content),
                )
                row = await cur.fetchone()
                return "edited", int(row[0]) if row else 0
            cur = await conn.execute(
                "INSERT INTO answers (guild_id, daily_post_id, user_id, content, created_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (guild_id, post_id, user_id, content, iso(now)),
            )
            answer_id = (await cur.fetchone())[0]
            await conn.execute(
                "INSERT INTO blind_entries (daily_post_id, user_id, answer_id, late)"
                " VALUES (?, ?, ?, ?)",
                (post_id, user_id, answer_id, 0 if is_open else 1),
            )
        metrics.answers_stored(1)  # after COMMIT: counted only once durable
        return ("stored" if is_open else "late"), 0

    async def late_answers(self, post_id: int) -> set[int]:
        """Answers given after the reveal was claimed: never published."""
        rows = await self.db.fetchall(
            "SELECT answer_id FROM blind_entries WHERE daily_post_id = ? AND late = 1", (post_id,)
        )
        return {int(r[0]) for r in rows}

    # -- the reveal's plan -----------------------------------------------------------------------
    async def plan(self, post_id: int) -> list[PlanRow]:
        rows = await self.db.fetchall(
            "SELECT p.seq, p.part, p.parts, p.answer_id, a.user_id, p.late, p.message_id,"
            " p.nonce FROM blind_parts p JOIN answers a ON a.id = p.answer_id"
            " WHERE p.daily_post_id = ? ORDER BY p.seq, p.part",
            (post_id,),
        )
        return [_row(r) for r in rows]

    async def make_plan(self, post_id: int, rows: Sequence[PlanRow]) -> list[PlanRow]:
        """Fix the plan once (a plan already made stays as it is); returns the plan."""
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                "SELECT 1 FROM blind_parts WHERE daily_post_id = ? LIMIT 1", (post_id,)
            )
            if await cur.fetchone() is None:
                await conn.executemany(
                    "INSERT INTO blind_parts (daily_post_id, seq, part, parts, answer_id, late)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [(post_id, r.seq, r.part, r.parts, r.answer_id, int(r.late)) for r in rows],
                )
        return await self.plan(post_id)

    async def mark_sending(self, post_id: int, seq: int, part: int, nonce: str) -> None:
        """This message is about to be sent with ``nonce``: until its id is stored, it may be
        on Discord (recovery looks for it by the nonce, bot/daily/blind.py)."""
        await self.db.execute(
            "UPDATE blind_parts SET nonce = ? WHERE daily_post_id = ? AND seq = ? AND part = ?"
            " AND nonce IS NULL",
            (nonce, post_id, seq, part),
        )

    async def mark_sent(self, post_id: int, seq: int, part: int, message_id: int) -> None:
        """Discord took this message. The answer's first message stands for it (stars and the
        Best answer menu find the answer by it)."""
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                "UPDATE blind_parts SET message_id = ? WHERE daily_post_id = ? AND seq = ?"
                " AND part = ? AND message_id IS NULL RETURNING answer_id",
                (message_id, post_id, seq, part),
            )
            row = await cur.fetchone()
            if row is not None and part == 1:
                await conn.execute(
                    "UPDATE answers SET message_id = ? WHERE id = ? AND message_id IS NULL",
                    (message_id, row[0]),
                )

    async def answer_message(self, message_id: int) -> int:
        """The message that stands for the answer ``message_id`` belongs to: for a later part
        of a published blind answer its first part, otherwise ``message_id`` itself."""
        row = await self.db.fetchone(
            "SELECT head.message_id FROM blind_parts p JOIN blind_parts head"
            " ON head.daily_post_id = p.daily_post_id AND head.seq = p.seq AND head.part = 1"
            " WHERE p.message_id = ?",
            (message_id,),
        )
        return int(row[0]) if row and row[0] is not None else message_id

    # -- discussion threads ------------------------------------------------------------------------
    async def due_locks(self, now: datetime, guild_id: int) -> list[tuple[int, int | None]]:
        """(post id, thread id) of revealed blind posts whose discussion time is over."""
        rows = await self.db.fetchall(
            "SELECT id, thread_id FROM daily_posts WHERE state = 'revealed' AND guild_id = ?"
            " AND lock_at IS NOT NULL AND locked_at IS NULL AND lock_at <= ? ORDER BY id",
            (guild_id, iso(now)),
        )
        return [(int(r[0]), r[1]) for r in rows]

    async def next_lock(self, guild_id: int | None = None) -> dict[int, datetime]:
        """guild -> the earliest discussion thread still to lock."""
        one = " AND guild_id = ?" if guild_id is not None else ""
        rows = await self.db.fetchall(
            "SELECT guild_id, MIN(lock_at) FROM daily_posts WHERE state = 'revealed'"
            f" AND lock_at IS NOT NULL AND locked_at IS NULL{one} GROUP BY guild_id",
            (guild_id,) if guild_id is not None else (),
        )
        return {int(r[0]): datetime.fromisoformat(r[1]) for r in rows}  # MIN of non-null

    async def mark_locked(self, post_id: int, now: datetime) -> bool:
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                "UPDATE daily_posts SET locked_at = ? WHERE id = ? AND locked_at IS NULL",
                (iso(now), post_id),
            )
            return cur.rowcount > 0


def _row(r: Any) -> PlanRow:
    return PlanRow(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), bool(r[5]), r[6], r[7])
