"""Thread-mode answers given with the daily post's Answer button.

Typed thread answers need Discord's privileged Message Content intent; a modal needs none. So
the daily post carries an Answer button in every mode: on a thread-mode day the modal's answer
is stored, then posted into the thread at once by the bot, under the member's name. Stars and
Best answer on that message credit the member (the answer is known by the message).

Exactly once: the answer is committed before anything is sent; the message goes out with a
nonce of its own and is marked with the answer's id, and its message id is stored the moment
Discord returns it. An answer still unmarked after a crash is looked for in the thread (the
bot's own messages, which Discord shows it without the intent) before it is sent again, at the
next start and before the reveal. In one process one post's deliveries take turns.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.clock import Clock
from bot.daily.publishing import ButtonPost, Publisher, nonce_for
from bot.errors import DrillError, Gone, MissingPermissions, PublishError
from bot.storage import DailyPost, Store

log = logging.getLogger(__name__)
# One message: Discord allows 2,000 characters; the name line and the marker need < 200.
MAX_BUTTON_ANSWER = 1_800

Outcome = Literal["posted", "stored", "closed"]


@dataclass(frozen=True, slots=True)
class ButtonAnswered:
    """``posted``: in the thread now (``message_id``); ``stored``: kept and scored, posted as
    soon as Discord lets the bot; ``closed``: the answers were revealed, nothing stored."""

    outcome: Outcome
    where: int | None
    message_id: int | None
    reveal_at: datetime | None


class ButtonAnswers:
    def __init__(self, store: Store, publisher: Publisher, clock: Clock) -> None:
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self._turns: dict[int, asyncio.Lock] = {}  # post id -> its deliveries take turns

    async def takes(self, guild_id: int, post_id: int) -> bool:
        """Whether the Answer button of ``post_id`` gives a thread answer (not a blind one)."""
        post = await self.store.daily.by_id(post_id)
        return post is not None and post.guild_id == guild_id and not post.blind

    async def submit(
        self, guild_id: int, post_id: int, user_id: int, text: str, interaction_id: int
    ) -> ButtonAnswered:
        post = await self.store.daily.by_id(post_id)
        if post is None or post.guild_id != guild_id or post.blind:
            raise DrillError("That is not this server's question of the day.")
        text = text.strip()
        if not text:
            raise DrillError("An empty answer was not stored: write something and submit again.")
        if len(text) > MAX_BUTTON_ANSWER:
            raise DrillError(
                f"Answers given with the button are at most {MAX_BUTTON_ANSWER:,} characters"
                f" (yours has {len(text):,}); nothing was stored."
            )
        where = post.thread_id or post.channel_id
        outcome, answer_id = await self.store.buttons.submit(
            post.id, post.guild_id, user_id, where, text, self.clock.now(), interaction_id
        )
        if outcome == "closed" or answer_id is None:
            return ButtonAnswered("closed", post.thread_id, None, post.reveal_at)
        if post.state == "pending" or post.message_id is None:
            # A member faster than the bot: its thread is not known yet. The answer is stored
            # and scored; the next start or the reveal posts it.
            return ButtonAnswered("stored", None, None, post.reveal_at)
        message_id = await self._deliver_one(post, answer_id)
        return ButtonAnswered(
            "posted" if message_id else "stored", where, message_id, post.reveal_at
        )

    async def _deliver_one(self, post: DailyPost, answer_id: int) -> int | None:
        async with self._turn(post.id):
            answer = await self.store.buttons.get(answer_id)
            if answer is None:
                return None
            if answer.message_id is not None:  # another delivery took it meanwhile
                return answer.message_id
            try:
                return await self._send(post, answer.answer_id, answer.user_id, answer.content)
            except PublishError as exc:
                log.warning("posting button answer %s of post %s: %s", answer_id, post.id, exc)
                return None

    async def deliver(self, post: DailyPost) -> bool:
        """Post every answer of ``post`` still unsent, after looking in the thread for those
        Discord took just before a crash. False: a transient failure, try again later. A
        thread the bot cannot post in keeps the answers stored (and scored) only."""
        async with self._turn(post.id):
            unsent = await self.store.buttons.unsent(post.id)
            if not unsent or post.message_id is None:
                return True
            where = post.thread_id or post.channel_id
            try:
                found = await self.publisher.button_answers_in(where, post.message_id)
                for answer in unsent:
                    message_id = found.get(answer.answer_id)
                    if message_id is not None:
                        log.info("post %s: button answer %s was out", post.id, answer.answer_id)
                        await self.store.buttons.mark_sent(answer.answer_id, message_id, where)
                    else:
                        await self._send(post, answer.answer_id, answer.user_id, answer.content)
            except (Gone, MissingPermissions) as exc:
                log.warning("cannot post the button answers of post %s: %s", post.id, exc)
                return True
            except PublishError as exc:
                log.warning("posting the button answers of post %s stopped: %s", post.id, exc)
                return False
        return True

    async def recover(self, owns: list[DailyPost]) -> None:
        """On start and after a reconnect: post what a run that died left unsent."""
        waiting = set(await self.store.buttons.posts_with_unsent())
        for post in owns:
            if post.id in waiting:
                await self.deliver(post)

    async def _send(self, post: DailyPost, answer_id: int, user_id: int, text: str) -> int:
        where = post.thread_id or post.channel_id
        nonce = nonce_for(post.guild_id, post.local_date, f"a{answer_id}")
        message_id = await self.publisher.send_button_answer(
            where, ButtonPost(answer_id, user_id, text), nonce
        )
        await self.store.buttons.mark_sent(answer_id, message_id, where)
        return message_id

    def _turn(self, post_id: int) -> asyncio.Lock:
        if len(self._turns) > 256:  # old posts' locks: drop the idle ones
            for key in [k for k, lock in self._turns.items() if not lock.locked()]:
                del self._turns[key]
        return self._turns.setdefault(post_id, asyncio.Lock())
