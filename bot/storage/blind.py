"""Blind answers: one answer per member and post (edited until the reveal), the reveal's
publishing plan, and the discussion threads waiting to be locked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, func, insert, select, update

from bot.ops import metrics
from bot.storage.backend import Backend
from bot.storage.database import iso
from bot.storage.schema import answers, blind_entries, blind_parts, daily_posts

_A = answers.c
_E = blind_entries.c
_B = blind_parts.c
_P = daily_posts.c
# A member's text goes in the execute() parameters, bound here, never into the statement's
# values: the engine cleans NUL characters from the parameters only (engine.clean).
_TEXT = bindparam("text", type_=Text())


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
            select(_A.content)
            .select_from(blind_entries.join(answers, _A.id == _E.answer_id))
            .where(_E.daily_post_id == post_id, _E.user_id == user_id)
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
                update(daily_posts)
                .where(
                    _P.id == post_id,
                    _P.state.in_(("pending", "posted")),
                    _P.reveal_claimed_by.is_(None),
                )
                .values(mode=_P.mode)
            )
            is_open = cur.rowcount > 0
            cur = await conn.execute(
                select(_E.answer_id).where(_E.daily_post_id == post_id, _E.user_id == user_id)
            )
            found = cur.first()
            if found is not None:
                if not is_open:
                    return "closed", 0
                cur = await conn.execute(
                    update(answers)
                    .where(_A.id == found[0], _A.content != _TEXT)
                    .values(content=_TEXT, edited_at=iso(now), edit_count=_A.edit_count + 1)
                    .returning(_A.edit_count),
                    {"text": content},
                )
                row = cur.first()
                return "edited", int(row[0]) if row else 0
            cur = await conn.execute(
                insert(answers)
                .values(
                    guild_id=guild_id,
                    daily_post_id=post_id,
                    user_id=user_id,
                    content=_TEXT,
                    created_at=iso(now),
                )
                .returning(_A.id),
                {"text": content},
            )
            answer_id = cur.scalar_one()
            await conn.execute(
                insert(blind_entries).values(
                    daily_post_id=post_id,
                    user_id=user_id,
                    answer_id=answer_id,
                    late=0 if is_open else 1,
                )
            )
        metrics.answers_stored(1)  # after COMMIT: counted only once durable
        return ("stored" if is_open else "late"), 0

    async def late_answers(self, post_id: int) -> set[int]:
        """Answers given after the reveal was claimed: never published."""
        rows = await self.db.fetchall(
            select(_E.answer_id).where(_E.daily_post_id == post_id, _E.late == 1)
        )
        return {int(r[0]) for r in rows}

    # -- the reveal's plan -----------------------------------------------------------------------
    async def plan(self, post_id: int) -> list[PlanRow]:
        rows = await self.db.fetchall(
            select(
                _B.seq,
                _B.part,
                _B.parts,
                _B.answer_id,
                _A.user_id,
                _B.late,
                _B.message_id,
                _B.nonce,
            )
            .select_from(blind_parts.join(answers, _A.id == _B.answer_id))
            .where(_B.daily_post_id == post_id)
            .order_by(_B.seq, _B.part)
        )
        return [_row(r) for r in rows]

    async def make_plan(self, post_id: int, rows: Sequence[PlanRow]) -> list[PlanRow]:
        """Fix the plan once (a plan already made stays as it is); returns the plan."""
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                select(_B.daily_post_id).where(_B.daily_post_id == post_id).limit(1)
            )
            if cur.first() is None and rows:  # no rows: nothing to insert (not a row of defaults)
                await conn.execute(
                    insert(blind_parts),
                    [
                        {
                            "daily_post_id": post_id,
                            "seq": r.seq,
                            "part": r.part,
                            "parts": r.parts,
                            "answer_id": r.answer_id,
                            "late": int(r.late),
                        }
                        for r in rows
                    ],
                )
        return await self.plan(post_id)

    async def mark_sending(self, post_id: int, seq: int, part: int, nonce: str) -> None:
        """This message is about to be sent with ``nonce``: until its id is stored, it may be
        on Discord (recovery looks for it by the nonce, bot/daily/blind.py)."""
        await self.db.execute(
            update(blind_parts)
            .where(_B.daily_post_id == post_id, _B.seq == seq, _B.part == part, _B.nonce.is_(None))
            .values(nonce=nonce)
        )

    async def mark_sent(self, post_id: int, seq: int, part: int, message_id: int) -> None:
        """Discord took this message. The answer's first message stands for it (stars and the
        Best answer menu find the answer by it)."""
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                update(blind_parts)
                .where(
                    _B.daily_post_id == post_id,
                    _B.seq == seq,
                    _B.part == part,
                    _B.message_id.is_(None),
                )
                .values(message_id=message_id)
                .returning(_B.answer_id)
            )
            row = cur.first()
            if row is not None and part == 1:
                await conn.execute(
                    update(answers)
                    .where(_A.id == row[0], _A.message_id.is_(None))
                    .values(message_id=message_id)
                )

    async def answer_message(self, message_id: int) -> int:
        """The message that stands for the answer ``message_id`` belongs to: for a later part
        of a published blind answer its first part, otherwise ``message_id`` itself."""
        p, head = blind_parts.alias("p"), blind_parts.alias("head")
        row = await self.db.fetchone(
            select(head.c.message_id)
            .select_from(
                p.join(
                    head,
                    (head.c.daily_post_id == p.c.daily_post_id)
                    & (head.c.seq == p.c.seq)
                    & (head.c.part == 1),
                )
            )
            .where(p.c.message_id == message_id)
        )
        return int(row[0]) if row and row[0] is not None else message_id

    # -- discussion threads ------------------------------------------------------------------------
    async def due_locks(self, now: datetime, guild_id: int) -> list[tuple[int, int | None]]:
        """(post id, thread id) of revealed blind posts whose discussion time is over."""
        rows = await self.db.fetchall(
            select(_P.id, _P.thread_id)
            .where(
                _P.state == "revealed",
                _P.guild_id == guild_id,
                _P.lock_at.is_not(None),
                _P.locked_at.is_(None),
                _P.lock_at <= iso(now),
            )
            .order_by(_P.id)
        )
        return [(int(r[0]), r[1]) for r in rows]

    async def next_lock(self, guild_id: int | None = None) -> dict[int, datetime]:
        """guild -> the earliest discussion thread still to lock."""
        stmt = select(_P.guild_id, func.min(_P.lock_at)).where(
            _P.state == "revealed", _P.lock_at.is_not(None), _P.locked_at.is_(None)
        )
        if guild_id is not None:
            stmt = stmt.where(_P.guild_id == guild_id)
        rows = await self.db.fetchall(stmt.group_by(_P.guild_id))
        return {int(r[0]): datetime.fromisoformat(r[1]) for r in rows}  # MIN of non-null

    async def mark_locked(self, post_id: int, now: datetime) -> bool:
        async with self.db.transaction(("post", post_id)) as conn:
            cur = await conn.execute(
                update(daily_posts)
                .where(_P.id == post_id, _P.locked_at.is_(None))
                .values(locked_at=iso(now))
            )
            return cur.rowcount > 0


def _row(r: Any) -> PlanRow:
    return PlanRow(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), bool(r[5]), r[6], r[7])
