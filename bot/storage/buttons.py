"""Answers given with the Answer button on a thread-mode day: stored first, then posted into
the thread by the bot (bot/daily/buttons.py). Each row gets its message id the moment Discord
takes the message; the answer's ``message_id`` gets it too, so stars and Best answer find the
answer, and its author, by the bot's message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Text, bindparam, insert, select, update

from bot.ops import metrics
from bot.storage.backend import Backend
from bot.storage.database import iso
from bot.storage.schema import answers, button_answers, daily_posts

_B = button_answers.c
_A = answers.c
_P = daily_posts.c
# A member's text goes in the execute() parameters, bound here, never into the statement's
# values: the engine cleans NUL characters from the parameters only (engine.clean).
_TEXT = bindparam("text", type_=Text())
# (answer id, author, text, the bot's message) of button answers: read by _answer.
_WITH_ANSWER = select(_B.answer_id, _A.user_id, _A.content, _B.message_id).select_from(
    button_answers.join(answers, _A.id == _B.answer_id)
)

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
                update(daily_posts)
                .where(
                    _P.id == post_id,
                    _P.state.in_(("pending", "posted")),
                    _P.reveal_claimed_by.is_(None),
                )
                .values(mode=_P.mode)
            )
            if cur.rowcount == 0:
                return "closed", None
            cur = await conn.execute(
                select(_B.answer_id).where(_B.interaction_id == interaction_id)
            )
            found = cur.first()
            if found is not None:
                return "duplicate", int(found[0])
            cur = await conn.execute(
                insert(answers)
                .values(
                    guild_id=guild_id,
                    daily_post_id=post_id,
                    user_id=user_id,
                    channel_id=channel_id,
                    content=_TEXT,
                    created_at=iso(now),
                )
                .returning(_A.id),
                {"text": content},
            )
            answer_id = int(cur.scalar_one())
            await conn.execute(
                insert(button_answers).values(
                    answer_id=answer_id, daily_post_id=post_id, interaction_id=interaction_id
                )
            )
        metrics.answers_stored(1)  # after COMMIT: counted only once durable
        return "stored", answer_id

    async def get(self, answer_id: int) -> ButtonAnswer | None:
        row = await self.db.fetchone(_WITH_ANSWER.where(_B.answer_id == answer_id))
        return _answer(row) if row else None

    async def unsent(self, post_id: int) -> list[ButtonAnswer]:
        """The post's button answers Discord has not taken yet, oldest first (deleted ones
        too: a moderator cannot delete a message that was never sent)."""
        rows = await self.db.fetchall(
            _WITH_ANSWER.where(_B.daily_post_id == post_id, _B.message_id.is_(None)).order_by(
                _B.answer_id
            )
        )
        return [_answer(r) for r in rows]

    async def posts_with_unsent(self) -> list[int]:
        rows = await self.db.fetchall(
            select(_B.daily_post_id)
            .distinct()
            .where(_B.message_id.is_(None))
            .order_by(_B.daily_post_id)
        )
        return [int(r[0]) for r in rows]

    async def message_ids(self, post_id: int) -> set[int]:
        """The bot's messages that carry the post's button answers."""
        rows = await self.db.fetchall(
            select(_B.message_id).where(_B.daily_post_id == post_id, _B.message_id.is_not(None))
        )
        return {int(r[0]) for r in rows}

    async def mark_sent(self, answer_id: int, message_id: int, channel_id: int) -> bool:
        """Discord took the message: the answer is known by it from now on. False if it was
        marked already (by another delivery of the same answer)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                update(button_answers)
                .where(_B.answer_id == answer_id, _B.message_id.is_(None))
                .values(message_id=message_id)
            )
            if cur.rowcount == 0:
                return False
            await conn.execute(
                update(answers)
                .where(_A.id == answer_id, _A.message_id.is_(None))
                .values(message_id=message_id, channel_id=channel_id)
            )
        return True


def _answer(r: tuple[int, int, str, int | None]) -> ButtonAnswer:
    return ButtonAnswer(int(r[0]), int(r[1]), str(r[2]), r[3])
