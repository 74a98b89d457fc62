"""The answer log: which thread (or post) a member's message answers, and getting it stored.

Open posts are tracked in memory by thread id (or, for a post that could not get a thread, by
its message id, for replies). A post is tracked the moment Discord hands back its message or
thread, before anything else is stored or sent, and a message that arrives in a thread the log
does not know yet, under a daily channel, is parked until the thread is tracked. The reveal
and every reconnect then read the whole thread since the post, so nothing a member left is
lost, even a message the gateway never delivered between two it did.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.clock import Clock
from bot.daily.ingest import AnswerWriter
from bot.daily.kept import KeptNotices
from bot.daily.publishing import (
    CLOCK_SLACK,
    HistoryMessage,
    Publisher,
    marker_for,
    search_from,
    snowflake_at,
)
from bot.errors import PublishError
from bot.ops.shards import every_guild
from bot.storage import DailyPost, Store

log = logging.getLogger(__name__)
PARKED_THREADS = 64  # unknown threads under daily channels whose messages are kept
PARKED_PER_THREAD = 1_000  # beyond this the reveal's read of the thread catches up


class AnswerLog:
    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        writer: AnswerWriter,
        clock: Clock,
        owns: Callable[[int], bool] = every_guild,
    ) -> None:
        self.store = store
        self.owns = owns  # the guilds of this process's shards (bot/ops/shards.py)
        self.publisher = publisher
        self.writer = writer
        self.clock = clock
        self.kept = KeptNotices(store, clock)  # streak freezes to tell answering members of
        self.open_threads: dict[int, DailyPost] = {}  # thread id -> open post
        self.open_unthreaded: dict[int, DailyPost] = {}  # post message id -> open post
        self.daily_channels: set[int] = set()  # channels that have had a post this run
        self._parked: dict[int, list[HistoryMessage]] = {}  # unknown thread -> its messages
        self._parked_in: dict[int, int] = {}  # parked message id -> its thread
        self._parked_gone: dict[int, datetime] = {}  # parked message id -> deleted at
        # False once Discord refused the Message Content intent: typed messages then arrive
        # empty (in history too), so none is stored or synced and answers come by button only.
        self.reads_content = True
        # Edits and deletes are applied one at a time, in the order they arrived: each waits
        # for the answers before it to commit, and two edits of one message whose writes
        # crossed left the older text stored (seen under load: the reveal's read then counted
        # a third edit). asyncio's lock is first come, first served.
        self._changes = asyncio.Lock()

    # -- which post ---------------------------------------------------------------------------
    async def load(self) -> None:
        self.open_threads.clear()
        self.open_unthreaded.clear()
        for post in await self.open_posts():
            if not post.blind:  # blind answers come through the modal only
                await self.track(post)

    async def open_posts(self) -> list[DailyPost]:
        """The open posts of this process's guilds (another shard process has the rest)."""
        return [p for p in await self.store.daily.in_state("posted") if self.owns(p.guild_id)]

    def expect(self, channel_id: int) -> None:
        """A post is about to go out in this channel: park messages in its unknown threads."""
        self.daily_channels.add(channel_id)

    async def track(self, post: DailyPost) -> None:
        """Take answers for this post from now on. Registration happens before the first
        await, so call this the moment Discord returns the message or thread."""
        self.daily_channels.add(post.channel_id)
        if post.thread_id is not None:
            if post.message_id is not None:
                self.open_unthreaded.pop(post.message_id, None)
            self.open_threads[post.thread_id] = post
            parked = self._unpark(post.thread_id)
            if parked:
                log.info("post %s: storing %d answers that came early", post.id, len(parked))
                gone = {m.message_id: self._parked_gone.pop(m.message_id, None) for m in parked}
                await self.writer.add_many([m.answer_to(post) for m in parked])
                for message_id, deleted_at in gone.items():
                    if deleted_at is not None:
                        await self.store.answers.delete(message_id, deleted_at)
        elif post.message_id is not None:
            self.open_unthreaded[post.message_id] = post

    def untrack(self, post: DailyPost) -> None:
        if post.message_id is not None:
            self.open_unthreaded.pop(post.message_id, None)
        if post.thread_id is not None:
            self.open_threads.pop(post.thread_id, None)

    def post_for(self, channel_id: int, reply_to: int | None) -> DailyPost | None:
        """The open post a message answers: by its thread, or as a reply to a post that
        could not get a thread."""
        post = self.open_threads.get(channel_id)
        if post is None and reply_to is not None:
            post = self.open_unthreaded.get(reply_to)
        return post

    def takes(self, channel_id: int) -> bool:
        """Whether a member's message in this channel is an answer to an open post's thread:
        the glue may then hand it over without building anything else from it."""
        return self.reads_content and channel_id in self.open_threads

    def offer(self, channel_id: int, msg: HistoryMessage) -> asyncio.Future[None] | None:
        """A member's message in a thread ``takes`` said yes to, queued for the writer without
        waiting: the future is done once it is committed. None: take ``receive``'s way."""
        post = self.open_threads.get(channel_id)
        if post is None or msg.is_bot or not self.reads_content:
            return None
        return self.writer.offer(msg.answer_to(post))

    # -- live messages ------------------------------------------------------------------------
    async def receive(self, channel_id: int, parent_id: int | None, msg: HistoryMessage) -> bool:
        """A member's message from the gateway. Returns whether it was stored as an answer."""
        if msg.is_bot or not self.reads_content:
            return False
        post = self.post_for(channel_id, msg.reply_to)
        if post is not None:
            await self.writer.add(msg.answer_to(post))
            return True
        if parent_id is not None and parent_id in self.daily_channels:
            self._park(channel_id, msg)
        return False

    @property
    def parked(self) -> int:
        """Messages held for threads not known yet (bounded, whatever members do)."""
        return sum(len(m) for m in self._parked.values())

    def _park(self, thread_id: int, msg: HistoryMessage) -> None:
        parked = self._parked.get(thread_id)
        if parked is None:
            if len(self._parked) >= PARKED_THREADS:  # members' own threads: forget the oldest
                for forgotten in self._unpark(next(iter(self._parked))):
                    self._parked_gone.pop(forgotten.message_id, None)
            parked = self._parked[thread_id] = []
        if len(parked) < PARKED_PER_THREAD:
            parked.append(msg)
            self._parked_in[msg.message_id] = thread_id

    def _unpark(self, thread_id: int) -> list[HistoryMessage]:
        parked = self._parked.pop(thread_id, [])
        for msg in parked:
            self._parked_in.pop(msg.message_id, None)
        return parked

    def _edit_parked(self, message_id: int, content: str) -> bool:
        thread_id = self._parked_in.get(message_id)
        if thread_id is None:
            return False
        parked = self._parked[thread_id]
        for i, msg in enumerate(parked):
            if msg.message_id == message_id:
                parked[i] = dataclasses.replace(msg, content=content, edited_at=self.clock.now())
        return True

    async def record_edit(self, message_id: int, content: str) -> bool:
        if not self.reads_content:  # the edit arrived empty: it says nothing about the text
            return False
        if self._edit_parked(message_id, content):  # edited before its thread was known
            return True
        async with self._changes:  # taken first: in the order the gateway delivered them
            await self.writer.flush()
            return await self.store.answers.edit(message_id, content, self.clock.now())

    async def record_delete(self, message_id: int) -> bool:
        if message_id in self._parked_in:  # kept (as deleted) once its thread is known
            self._parked_gone[message_id] = self.clock.now()
            return True
        async with self._changes:
            await self.writer.flush()
            return await self.store.answers.delete(message_id, self.clock.now())

    # -- catching up from Discord's history ----------------------------------------------------
    async def catch_up(self, post: DailyPost) -> int:
        """Reconcile the post's thread (or the replies to it) with what is stored, once every
        answer already received is committed: the reveal's read. Raises PublishError."""
        await self.writer.flush()
        if not self.reads_content:
            return 0  # without the intent a thread reads back empty: the button's answers stand
        return await self._reconcile(post)

    async def backfill(self) -> int:
        """Catch up with what happened while the bot was away (down, or in a gateway gap)."""
        stored = 0
        for post in await self.open_posts():
            if post.blind:
                continue  # nothing to read: its answers are in the database, its thread later
            if post.thread_id is None:
                post = await self.adopt_thread(post)
            if not self.reads_content:
                continue  # a thread reads back empty without the intent: nothing to learn
            try:
                stored += await self._reconcile(post)
            except PublishError as exc:
                log.warning("backfill of post %s failed: %s", post.id, exc)
        if stored:
            log.info("backfilled %d answers", stored)
        return stored

    async def _reconcile(self, post: DailyPost) -> int:
        """Read everything since the post, bounded by time (the post's own snowflake), never
        by the last stored answer: Discord does not promise delivery, so a message lost
        between two delivered ones is older than the last stored answer. Answers missing are
        stored; answers edited or deleted meanwhile are updated, so the reveal scores what
        members really left. Returns how many answers were added."""
        if post.thread_id is None and post.message_id is None:
            return 0  # nothing went out: there is nothing to reply to
        where = post.thread_id or post.channel_id
        read_at = self.clock.now()
        history = await self.publisher.history(where, post.message_id or 0)
        theirs = _answers_in(post, history)
        await self._sync_changes(post, theirs, read_at)
        return await self.store.answers.record([m.answer_to(post) for m in theirs])

    async def _sync_changes(
        self, post: DailyPost, history: Sequence[HistoryMessage], read_at: datetime
    ) -> None:
        """Apply edits and deletions made while we were away (the thread's full history)."""
        now = self.clock.now()
        current = {m.message_id: m.content for m in history}
        # A message sent after the read began may have come in over the gateway: not in the
        # read, yet not deleted. Snowflakes are time-ordered; the slack covers a Discord clock
        # behind ours (then only the newest read message bounds what counts as deleted).
        bound = max(max(current, default=0), snowflake_at(read_at - CLOCK_SLACK))
        # Button answers are the bot's own messages, not in a read of members' messages.
        posted_by_bot = await self.store.buttons.message_ids(post.id)
        for answer in await self.store.answers.for_post(post.id):
            if answer.message_id is None or answer.message_id > bound:
                continue
            if answer.message_id in posted_by_bot:  # never in a read of members' messages
                continue
            if answer.message_id not in current:
                await self.store.answers.delete(answer.message_id, now)
            elif current[answer.message_id] != answer.content:
                await self.store.answers.edit(answer.message_id, current[answer.message_id], now)

    async def adopt_thread(self, post: DailyPost) -> DailyPost:
        """A crash between opening the thread and storing its id leaves a posted post that
        looks thread-less while members answer in the thread: take the thread Discord has
        under the post. A post whose thread was refused has none and stays as it is."""
        try:
            found = await self.publisher.find_post(
                post.channel_id, marker_for(post.local_date), search_from(post.claimed_at)
            )
        except PublishError as exc:
            log.warning("could not look for the thread of post %s: %s", post.id, exc)
            return post
        if found is None or found.thread_id is None or found.message_id != post.message_id:
            return post
        adopted = dataclasses.replace(post, thread_id=found.thread_id)
        await self.track(adopted)
        await self.store.daily.set_thread(post.id, found.thread_id)
        log.info("post %s: adopted thread %s found under the message", post.id, found.thread_id)
        return adopted


def _answers_in(post: DailyPost, history: Sequence[HistoryMessage]) -> list[HistoryMessage]:
    """Members' messages that answer the post: all of its thread, or the replies to it."""
    threaded = post.thread_id is not None
    return [m for m in history if not m.is_bot and (threaded or m.reply_to == post.message_id)]
