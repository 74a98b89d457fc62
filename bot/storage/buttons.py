"""Answers given with the Answer button on a thread-mode day: stored first, then posted into
the thread by the bot (bot/daily/buttons.py). Each row gets its message id the moment Discord
takes the message; the answer's ``message_id`` gets it too, so stars and Best answer find the
answer, and its author, by the bot's message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.ops import metrics
from bot.storage.backend import Backend
from bot.storage.database import iso

Stored = Literal["stored", "duplicate", "closed"]


@dataclass(frozen=True, slots=True)
class ButtonAnswer:
    answer_id: int
    user_id: int
    content: str
    message_id: int | None


class ButtonAnswerRepo:
    def __init__(self, db: Backend) -> None:
        self.db = db

    async def submit(
        self,
        post_id: int,
        guild_id: int,
        user_id: int,
        channel_id: int,
        content: str,
        now: datetime,
        interaction_id: int,
    ) -> tuple[Stored, int | None]:
        """Store the answer of one modal submit; returns (outcome, answer id).

        ``closed``: the post is revealed or its reveal claimed (nothing stored: the reveal's
        count is fixed). The first statement touches the post's row, as a blind submit does:
        on PostgreSQL it waits for a reveal claim in progress, so an answer acknowledged as
        stored is one the reveal scores. ``duplicate``: this submit was stored already.
        """
        async with self.db.transaction(("guild", guild_id)) as conn:
            cur = await conn.execute(
                "UPDATE daily_posts SET mode = mode WHERE id = ? AND state IN ('pending', 'posted')"
                " AND reveal_claimed_by IS NULL",
                (post_id,),
            )
            if cur.rowcount == 0:
                return "closed", None
            cur = await conn.execute(
                "SELECT answer_id FROM button_answers WHERE interaction_id = ?", (interaction_id,)
            )
            found = await cur.fetchone()
            if found is not None:
                return "duplicate", int(found[0])
            cur = await conn.execute(
                "INSERT INTO answers (guild_id, daily_post_id, user_id, channel_id, content,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (guild_id, post_id, user_id, channel_id, content, iso(now)),
            )
            answer_id = int((await cur.fetchone())[0])
            await conn.execute(
                "INSERT INTO button_answers (answer_id, daily_post_id, interaction_id)"
                " VALUES (?, ?, ?)",
                (answer_id, post_id, interaction_id),
            )
        metrics.answers_stored(1)  # after COMMIT: counted only once durable
        return "stored", answer_id

    async def get(self, answer_id: int) -> ButtonAnswer | None:
        row = await self.db.fetchone(
            "SELECT b.answer_id, a.user_id, a.content, b.message_id FROM button_answers b"
            " JOIN answers a ON a.id = b.answer_id WHERE b.answer_id = ?",
            (answer_id,),
        )
        return _answer(row) if row else None

    async def unsent(self, post_id: int) -> list[ButtonAnswer]:
        """The post's button answers Discord has not taken yet, oldest first (deleted ones
        too: a moderator cannot delete a message that was never sent)."""
        rows = await self.db.fetchall(
            "SELECT b.answer_id, a.user_id, a.content, b.message_id FROM button_answers b"
            " JOIN answers a ON a.id = b.answer_id"
            " WHERE b.daily_post_id = ? AND b.message_id IS NULL ORDER BY b.answer_id",
            (post_id,),
        )
        return [_answer(r) for r in rows]

    async def posts_with_unsent(self) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT daily_post_id FROM button_answers WHERE message_id IS NULL"
            " ORDER BY daily_post_id"
        )
        return [int(r[0]) for r in rows]

    async def message_ids(self, post_id: int) -> set[int]:
        """The bot's messages that carry the post's button answers."""
        rows = await self.db.fetchall(
            "SELECT message_id FROM button_answers WHERE daily_post_id = ?"
            " AND message_id IS NOT NULL",
            (post_id,),
        )
        return {int(r[0]) for r in rows}

    async def mark_sent(self, answer_id: int, message_id: int, channel_id: int) -> bool:
        """Discord took the message: the answer is known by it from now on. False if it was
        marked already (by another delivery of the same answer)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE button_answers SET message_id = ? WHERE answer_id = ?"
                " AND message_id IS NULL",
                (message_id, answer_id),
            )
            if cur.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE answers SET message_id = ?, channel_id = ? WHERE id = ?"
                " AND message_id IS NULL",
                (message_id, channel_id, answer_id),
            )
        return True


def _answer(r: tuple[int, int, str, int | None]) -> ButtonAnswer:
    return ButtonAnswer(int(r[0]), int(r[1]), str(r[2]), r[3])
