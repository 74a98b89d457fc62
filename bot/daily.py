"""The daily question: choose, post exactly once, collect answers, reveal, award points.

The database is the truth about what is due; the scheduler only wakes ``tick``. Discord is
reached through the ``Publisher`` port (bot/publishing.py), implemented by the glue in
``cogs/daily.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import schedule, scoring
from bot.bank import Question
from bot.catalog import Catalog
from bot.clock import Clock
from bot.errors import Gone, MissingPermissions, PublishError, TransientFailure
from bot.ingest import AnswerWriter
from bot.publishing import (
    DailyCard,
    FoundPost,
    HistoryMessage,
    Publisher,
    RevealCard,
    marker_for,
    nonce_for,
    reveal_marker_for,
    thread_name,
)
from bot.selection import NoQuestions, choose_daily, eligible
from bot.storage import DailyPost, GuildSettings, Store

__all__ = [
    "DailyCard",
    "DailyService",
    "FoundPost",
    "HistoryMessage",
    "Publisher",
    "RevealCard",
    "marker_for",
    "nonce_for",
    "reveal_marker_for",
    "thread_name",
]

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=30)


class DailyService:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        publisher: Publisher,
        clock: Clock,
        writer: AnswerWriter,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.publisher = publisher
        self.clock = clock
        self.writer = writer
        self._lock = asyncio.Lock()
        self._blocked: set[int] = set()  # guilds whose channel refused us; cleared on setup
        self._retry_at: dict[int, datetime] = {}
        self.open_threads: dict[int, DailyPost] = {}  # thread id -> open post
        self.open_unthreaded: dict[int, DailyPost] = {}  # post message id -> open post

    # -- start-up ---------------------------------------------------------------------------
    async def load_open_posts(self) -> None:
        self.open_threads.clear()
        self.open_unthreaded.clear()
        for post in await self.store.daily.in_state("posted"):
            self._track(post)

    def _track(self, post: DailyPost) -> None:
        if post.thread_id is not None:
            self.open_threads[post.thread_id] = post
        elif post.message_id is not None:
            self.open_unthreaded[post.message_id] = post

    def unblock(self, guild_id: int) -> None:
        """Settings changed: try this guild's channel again."""
        self._blocked.discard(guild_id)
        self._retry_at.pop(guild_id, None)

    # -- the periodic check -----------------------------------------------------------------
    async def tick(self) -> None:
        """Post what is due, retry what failed, reveal what is past its time. Safe to call
        any number of times: every step is keyed by (guild, local date) in the database."""
        async with self._lock:
            now = self.clock.now()
            for settings in await self.store.guilds.configured():
                try:
                    await self._post_if_due(settings, now, force=False)
                except Exception:
                    log.exception("daily post for guild %s failed", settings.guild_id)
            for post in await self.store.daily.due_reveals(now):
                try:
                    await self._reveal(post)
                except Exception:
                    log.exception("reveal of post %s failed", post.id)

    async def idle(self) -> None:
        """Return once no tick, post-now or reveal-now is running."""
        async with self._lock:
            return

    async def post_now(self, guild_id: int) -> tuple[DailyPost | None, str]:
        """Organiser's /drill post-now: today's post if there is none yet."""
        async with self._lock:
            settings = await self.store.guilds.get_or_default(guild_id)
            if not settings.configured:
                return None, "not set up yet: run /drill setup first"
            self.unblock(guild_id)
            return await self._post_if_due(settings, self.clock.now(), force=True)

    async def reveal_now(self, guild_id: int) -> DailyPost | None:
        async with self._lock:
            open_posts = await self.store.daily.in_state("posted", guild_id)
            if not open_posts:
                return None
            for post in open_posts:
                await self._reveal(post)
            return open_posts[-1]

    # -- posting ----------------------------------------------------------------------------
    async def _post_if_due(
        self, settings: GuildSettings, now: datetime, *, force: bool
    ) -> tuple[DailyPost | None, str]:
        slot = schedule.today_slot(settings, now) if force else schedule.due_slot(settings, now)
        if slot is None:
            return None, "not due"
        existing = await self.store.daily.get(settings.guild_id, slot.key)
        if existing is not None and existing.state != "pending":
            return existing, "already posted today"
        gid = settings.guild_id
        if gid in self._blocked:
            return existing, "blocked by missing permissions"
        if existing is not None and not force and now < self._retry_at.get(gid, now):
            return existing, "waiting to retry"
        bank = await self.catalog.for_guild(gid)
        if existing is None:
            try:
                question = await self._choose(settings, slot.key)
            except NoQuestions as exc:
                if await self.store.guilds.notice_once(gid, "no-questions", slot.key, now):
                    await self._tell(gid, f"No daily question today: {exc}.")
                return None, str(exc)
            post_at = max(slot.post_at, now) if force else slot.post_at
            existing, created = await self.store.daily.claim(
                guild_id=gid,
                local_date=slot.key,
                question_id=question.id,
                topic=question.topic,
                channel_id=settings.channel_id or 0,
                nonce=nonce_for(gid, slot.key),
                scheduled_for=slot.post_at,
                reveal_at=schedule.reveal_time(settings, post_at),
                now=now,
            )
            if not created and existing.state != "pending":
                return existing, "already posted today"
            fresh = created
        else:
            fresh = False
        question = bank.questions.get(existing.question_id)
        if question is None:  # its pack was removed since the claim
            log.warning("question %s of post %s is gone", existing.question_id, existing.id)
            return existing, "question no longer in the bank"
        return await self._publish(existing, settings, question, fresh), "posted"

    async def _choose(self, settings: GuildSettings, local_date: str) -> Question:
        bank = await self.catalog.for_guild(settings.guild_id)
        disabled_q = await self.store.guilds.disabled_questions(settings.guild_id)
        candidates = eligible(bank.questions.values(), settings.disabled_topics, disabled_q)
        counts = await self.store.daily.question_use_counts(settings.guild_id)
        recent = await self.store.daily.recent_topics(settings.guild_id)
        return choose_daily(candidates, counts, recent, f"{settings.guild_id}:{local_date}")

    async def _publish(
        self, post: DailyPost, settings: GuildSettings, question: Question, fresh: bool
    ) -> DailyPost:
        bank = await self.catalog.for_guild(post.guild_id)
        topic_name = (
            bank.topics[question.topic].name if question.topic in bank.topics else question.topic
        )
        card = DailyCard(
            post.id,
            post.local_date,
            question,
            topic_name,
            post.reveal_at,
            settings.ping_role_id,
            marker_for(post.local_date),
        )
        now = self.clock.now()
        try:
            found = None if fresh else await self.publisher.find_post(post.channel_id, card.marker)
            if found is not None:
                # We crashed after Discord took the message but before we stored its id.
                log.info("post %s was already in the channel as %s", post.id, found.message_id)
                message_id, thread_id = found.message_id, found.thread_id
            else:
                message_id = await self.publisher.send_post(post.channel_id, card, post.nonce)
                thread_id = None
            await self.store.daily.mark_posted(post.id, message_id, thread_id, now)
        except MissingPermissions as exc:
            await self._blocked_by(post, exc)
            return post
        except PublishError as exc:
            await self._failed(post, exc)
            return post
        self._retry_at.pop(post.guild_id, None)
        # Posting works again: if permissions are lost later, organisers hear about it again.
        await self.store.guilds.clear_notice(post.guild_id, "permissions")
        if thread_id is None:
            thread_id = await self._open_thread(post, message_id, topic_name)
        previous = await self.store.daily.latest(post.guild_id, before_date=post.local_date)
        if settings.pin_posts:
            try:
                await self.publisher.pin(
                    post.channel_id, message_id, previous.message_id if previous else None
                )
            except PublishError as exc:
                log.warning("pinning post %s failed: %s", post.id, exc)
        posted = await self.store.daily.by_id(post.id)
        assert posted is not None
        self._track(posted)
        log.info("guild %s: posted %s for %s", post.guild_id, question.id, post.local_date)
        return posted

    async def _open_thread(self, post: DailyPost, message_id: int, topic_name: str) -> int | None:
        try:
            thread_id = await self.publisher.start_thread(
                post.channel_id, message_id, thread_name(post.local_date, topic_name)
            )
        except PublishError as exc:
            # Thread creation can be rate-limited for minutes: post without one, say so, and
            # take answers as replies to the post instead of stalling other guilds.
            log.warning("no thread for post %s: %s", post.id, exc)
            try:
                await self.publisher.say_no_thread(post.channel_id, message_id, str(exc))
            except PublishError:
                log.warning("could not say so either")
            return None
        await self.store.daily.set_thread(post.id, thread_id)
        return thread_id

    async def _blocked_by(self, post: DailyPost, exc: MissingPermissions) -> None:
        self._blocked.add(post.guild_id)
        await self.store.daily.record_failure(post.id, f"missing permissions: {exc.what}")
        log.warning(
            "guild %s: missing permissions in <#%s>: %s", post.guild_id, post.channel_id, exc.what
        )
        if await self.store.guilds.notice_once(
            post.guild_id, "permissions", f"{post.channel_id}:{exc.what}", self.clock.now()
        ):
            await self._tell(
                post.guild_id,
                f"I could not post today's question in <#{post.channel_id}>: "
                f"missing permission ({exc.what}). Fix the channel's permissions "
                "and run /drill post-now.",
            )

    async def _failed(self, post: DailyPost, exc: PublishError) -> None:
        await self.store.daily.record_failure(post.id, str(exc) or type(exc).__name__)
        attempts = post.attempts + 1
        wait = timedelta(minutes=min(2 ** (attempts - 1), MAX_BACKOFF.total_seconds() / 60))
        if isinstance(exc, TransientFailure) and exc.retry_after:
            wait = max(wait, timedelta(seconds=exc.retry_after))
        self._retry_at[post.guild_id] = self.clock.now() + wait
        log.warning(
            "post %s failed (attempt %s): %s; retrying after %s", post.id, attempts, exc, wait
        )

    async def _tell(self, guild_id: int, text: str) -> None:
        try:
            await self.publisher.tell_organisers(guild_id, text)
        except PublishError as exc:
            log.warning("could not tell guild %s's organisers: %s", guild_id, exc)

    # -- answers ----------------------------------------------------------------------------
    def post_for(self, channel_id: int, reply_to: int | None) -> DailyPost | None:
        """The open post a message answers: by its thread, or as a reply to a post that
        could not get a thread."""
        post = self.open_threads.get(channel_id)
        if post is None and reply_to is not None:
            post = self.open_unthreaded.get(reply_to)
        return post

    async def record_message(self, post: DailyPost, msg: HistoryMessage) -> None:
        if msg.is_bot:
            return
        await self.writer.add(msg.answer_to(post))

    async def record_edit(self, message_id: int, content: str) -> bool:
        await self.writer.flush()
        return await self.store.answers.edit(message_id, content, self.clock.now())

    async def record_delete(self, message_id: int) -> bool:
        await self.writer.flush()
        return await self.store.answers.delete(message_id, self.clock.now())

    async def backfill(self) -> int:
        """Catch up with what happened while the bot was away (down, or in a gateway gap).

        A thread is read whole: answers posted meanwhile are stored, and answers edited or
        deleted meanwhile are updated, so the reveal scores what members really left. A post
        without a thread collects the replies to it posted after the last one stored (the
        channel may be busy, so it is not re-read from the start).
        """
        stored = 0
        for post in await self.store.daily.in_state("posted"):
            if post.thread_id is None:
                post = await self._adopt_thread(post)
            threaded = post.thread_id is not None
            last = None if threaded else await self.store.answers.last_message_id(post.id)
            after = last or post.message_id or 0
            where = post.thread_id or post.channel_id
            try:
                history = await self.publisher.history(where, after)
            except PublishError as exc:
                log.warning("backfill of post %s in %s failed: %s", post.id, where, exc)
                continue
            theirs = [
                m for m in history if not m.is_bot and (threaded or m.reply_to == post.message_id)
            ]
            if threaded:
                await self._sync_changes(post, theirs)
            stored += await self.store.answers.record([m.answer_to(post) for m in theirs])
        if stored:
            log.info("backfilled %d answers", stored)
        return stored

    async def _sync_changes(self, post: DailyPost, history: Sequence[HistoryMessage]) -> None:
        """Apply edits and deletions made while we were away (the thread's full history)."""
        now = self.clock.now()
        current = {m.message_id: m.content for m in history}
        for answer in await self.store.answers.for_post(post.id):
            if answer.message_id is None:
                continue
            if answer.message_id not in current:
                await self.store.answers.delete(answer.message_id, now)
            elif current[answer.message_id] != answer.content:
                await self.store.answers.edit(answer.message_id, current[answer.message_id], now)

    async def _adopt_thread(self, post: DailyPost) -> DailyPost:
        """A crash between opening the thread and storing its id leaves a posted post that
        looks thread-less while members answer in the thread: take the thread Discord has
        under the post. A post whose thread was refused has none and stays as it is."""
        try:
            found = await self.publisher.find_post(post.channel_id, marker_for(post.local_date))
        except PublishError as exc:
            log.warning("could not look for the thread of post %s: %s", post.id, exc)
            return post
        if found is None or found.thread_id is None or found.message_id != post.message_id:
            return post
        await self.store.daily.set_thread(post.id, found.thread_id)
        adopted = await self.store.daily.by_id(post.id)
        assert adopted is not None
        if post.message_id is not None:
            self.open_unthreaded.pop(post.message_id, None)
        self._track(adopted)
        log.info("post %s: adopted thread %s found under the message", post.id, found.thread_id)
        return adopted

    # -- reveal -----------------------------------------------------------------------------
    async def _reveal(self, post: DailyPost) -> None:
        bank = await self.catalog.for_guild(post.guild_id)
        question = bank.questions.get(post.question_id)
        answers = await self.store.answers.for_post(post.id)
        previous = await self.store.daily.latest(post.guild_id, before_date=post.local_date)
        prev_date = previous.local_date if previous else None
        streaks = {}
        for user_id in {a.user_id for a in answers if scoring.counts(a)}:
            stats = await self.store.scores.stats(post.guild_id, user_id)
            streaks[user_id] = scoring.next_streak(stats, prev_date)[0]
        awards = scoring.daily_awards(answers, streaks)
        answered = len({a.user_id for a in answers})
        where = post.thread_id or post.channel_id
        if question is not None:
            topic = (
                bank.topics[question.topic].name
                if question.topic in bank.topics
                else question.topic
            )
            card = RevealCard(
                post.id,
                question,
                topic,
                answered,
                tuple(awards),
                post.thread_id is not None,
                reveal_marker_for(post.local_date),
            )
            try:
                # A crash after sending but before marking the post revealed must not reveal
                # twice: the nonce covers minutes, the thread's history covers any outage.
                if await self.publisher.find_post(where, card.marker) is None:
                    await self.publisher.send_reveal(
                        where, card, nonce_for(post.guild_id, post.local_date, "rv")
                    )
                else:
                    log.info("post %s was already revealed in the channel", post.id)
            except Gone:
                log.warning("thread of post %s is gone; revealing without a message", post.id)
            except PublishError as exc:
                log.warning("reveal of post %s failed, will retry: %s", post.id, exc)
                return
        await self.store.scores.award_daily(
            post,
            awards,
            lambda stats, _date: scoring.next_streak(stats, prev_date),
            self.clock.now(),
        )
        await self.store.daily.mark_revealed(post.id, self.clock.now())
        if post.message_id is not None:
            self.open_unthreaded.pop(post.message_id, None)
        if post.thread_id is not None:
            self.open_threads.pop(post.thread_id, None)
            try:
                await self.publisher.close_thread(post.thread_id)
            except PublishError as exc:
                log.warning("closing thread %s failed: %s", post.thread_id, exc)
        log.info("guild %s: revealed %s (%d answered)", post.guild_id, post.question_id, answered)
