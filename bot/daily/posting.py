"""Posting the daily question: choose it, claim the (guild, local date) slot, send it once,
open its thread, pin it. Retries back off; a channel that refuses us is not retried in a loop.

Exactly once: the slot is claimed in the database before anything is sent, the send carries a
nonce (Discord's memory of minutes), and a claimed slot without a stored message id is looked
up in the channel's history after the claim time (any outage) before it is sent again.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime, timedelta

from bot import schedule
from bot.bank import Question
from bot.bank.catalog import Catalog
from bot.bank.selection import NoQuestions, choose_daily, eligible
from bot.clock import Clock
from bot.daily.answers import AnswerLog
from bot.daily.publishing import (
    DailyCard,
    Notice,
    Publisher,
    marker_for,
    nonce_for,
    search_from,
    thread_name,
    topic_name,
)
from bot.errors import MissingPermissions, PublishError, TransientFailure
from bot.gaps.service import topic_weakness
from bot.ops import metrics
from bot.storage import DailyPost, GuildSettings, Store

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=30)


class Poster:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        publisher: Publisher,
        clock: Clock,
        answers: AnswerLog,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.publisher = publisher
        self.clock = clock
        self.answers = answers
        self._blocked: set[int] = set()  # guilds whose channel refused us; cleared on setup
        self._retry_at: dict[int, datetime] = {}

    def unblock(self, guild_id: int) -> None:
        """Settings changed: try this guild's channel again."""
        self._blocked.discard(guild_id)
        self._retry_at.pop(guild_id, None)

    async def post_if_due(
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
        fresh = False
        if existing is None:
            try:
                question = await self._choose(settings, slot.key)
            except NoQuestions as exc:
                if await self.store.guilds.notice_once(gid, "no-questions", slot.key, now):
                    await self._tell(gid, Notice("no-questions", settings.channel_id, str(exc)))
                return None, str(exc)
            post_at = max(slot.post_at, now) if force else slot.post_at
            existing, fresh = await self.store.daily.claim(
                guild_id=gid,
                local_date=slot.key,
                question_id=question.id,
                topic=question.topic,
                channel_id=settings.channel_id or 0,
                nonce=nonce_for(gid, slot.key),
                scheduled_for=slot.post_at,
                reveal_at=schedule.reveal_time(settings, post_at),
                now=now,
                mode=settings.answer_mode,
            )
            if not fresh and existing.state != "pending":
                return existing, "already posted today"
        bank = await self.catalog.for_guild(gid)
        found = bank.lookup(existing.question_id)
        if found is None:  # its pack was removed since the claim
            log.warning("question %s of post %s is gone", existing.question_id, existing.id)
            return existing, "question no longer in the bank"
        return await self._publish(existing, settings, found, fresh), "posted"

    async def _choose(self, settings: GuildSettings, local_date: str) -> Question:
        bank = await self.catalog.for_guild(settings.guild_id)
        disabled_q = await self.store.guilds.disabled_questions(settings.guild_id)
        candidates = eligible(bank.questions.values(), settings.disabled_topics, disabled_q)
        counts = await self.store.daily.question_use_counts(settings.guild_id)
        recent = await self.store.daily.recent_topics(settings.guild_id)
        weakness = None
        if settings.focus == "auto":
            weakness = await topic_weakness(
                self.store, bank, settings.guild_id, date.fromisoformat(local_date)
            )
        seed = f"{settings.guild_id}:{local_date}"
        return choose_daily(candidates, counts, recent, seed, weakness)

    async def _card(
        self, post: DailyPost, settings: GuildSettings, question: Question
    ) -> DailyCard:
        bank = await self.catalog.for_guild(post.guild_id)
        topic = topic_name(bank, question.topic)
        return DailyCard(
            post.id,
            post.local_date,
            question,
            topic,
            post.reveal_at,
            settings.ping_role_id,
            marker_for(post.local_date),
            post.blind,
            typed=self.answers.reads_content,
        )

    async def _publish(
        self, post: DailyPost, settings: GuildSettings, question: Question, fresh: bool
    ) -> DailyPost:
        card = await self._card(post, settings, question)
        if not post.blind:
            self.answers.expect(post.channel_id)  # its thread may get answers before we hear
        try:
            found = None
            if not fresh:
                # A claimed slot without a message id: a run died after Discord took the post
                # but before its id was stored. Look after the claim, however busy the channel.
                found = await self.publisher.find_post(
                    post.channel_id, card.marker, search_from(post.claimed_at)
                )
            if found is not None:
                log.info("post %s was already in the channel as %s", post.id, found.message_id)
                sent = dataclasses.replace(
                    post, state="posted", message_id=found.message_id, thread_id=found.thread_id
                )
            else:
                message_id = await self.publisher.send_post(post.channel_id, card, post.nonce)
                sent = dataclasses.replace(post, state="posted", message_id=message_id)
            if not post.blind:  # replies to a thread-less post count from now on
                await self.answers.track(sent)
            await self.store.daily.mark_posted(
                post.id, sent.message_id or 0, sent.thread_id, self.clock.now()
            )
        except MissingPermissions as exc:
            await self._blocked_by(post, exc)
            return post
        except PublishError as exc:
            await self._failed(post, exc)
            return post
        self._retry_at.pop(post.guild_id, None)
        # Posting works again: if permissions are lost later, organisers hear about it again.
        await self.store.guilds.clear_notice(post.guild_id, "permissions")
        if sent.thread_id is None and not post.blind:  # a blind post's opens at the reveal
            sent = await self._open_thread(sent, card.topic_name)
        if settings.pin_posts:
            await self._pin(sent)
        log.info("guild %s: posted %s for %s", post.guild_id, question.id, post.local_date)
        metrics.post_made()
        return sent

    async def _open_thread(self, post: DailyPost, topic_name: str) -> DailyPost:
        assert post.message_id is not None
        try:
            thread_id = await self.publisher.start_thread(
                post.channel_id, post.message_id, thread_name(post.local_date, topic_name)
            )
        except PublishError as exc:
            # Thread creation can be rate-limited for minutes: post without one, say so, and
            # take answers as replies to the post instead of stalling other guilds.
            log.warning("no thread for post %s: %s", post.id, exc)
            try:
                await self.publisher.say_no_thread(post.channel_id, post.message_id, str(exc))
            except PublishError:
                log.warning("could not say so either")
            return post
        threaded = dataclasses.replace(post, thread_id=thread_id)
        # Track first: members may already be answering in it (their messages were parked).
        await self.answers.track(threaded)
        await self.store.daily.set_thread(post.id, thread_id)
        return threaded

    async def _pin(self, post: DailyPost) -> None:
        assert post.message_id is not None
        previous = await self.store.daily.latest(post.guild_id, before_date=post.local_date)
        try:
            await self.publisher.pin(
                post.channel_id, post.message_id, previous.message_id if previous else None
            )
        except PublishError as exc:
            log.warning("pinning post %s failed: %s", post.id, exc)

    async def _blocked_by(self, post: DailyPost, exc: MissingPermissions) -> None:
        self._blocked.add(post.guild_id)
        await self.store.daily.record_failure(post.id, f"missing permissions: {exc.what}")
        log.warning(
            "guild %s: missing permissions in channel %s: %s",
            post.guild_id,
            post.channel_id,
            exc.what,
        )
        if await self.store.guilds.notice_once(
            post.guild_id, "permissions", f"{post.channel_id}:{exc.what}", self.clock.now()
        ):
            await self._tell(
                post.guild_id, Notice("missing-permissions", post.channel_id, exc.what)
            )

    async def _failed(self, post: DailyPost, exc: PublishError) -> None:
        metrics.post_failed()
        await self.store.daily.record_failure(post.id, str(exc) or type(exc).__name__)
        attempts = post.attempts + 1
        wait = timedelta(minutes=min(2 ** (attempts - 1), MAX_BACKOFF.total_seconds() / 60))
        if isinstance(exc, TransientFailure) and exc.retry_after:
            wait = max(wait, timedelta(seconds=exc.retry_after))
        self._retry_at[post.guild_id] = self.clock.now() + wait
        log.warning(
            "post %s failed (attempt %s): %s; retrying after %s", post.id, attempts, exc, wait
        )

    async def _tell(self, guild_id: int, notice: Notice) -> None:
        try:
            await self.publisher.tell_organisers(guild_id, notice)
        except PublishError as exc:
            log.warning("could not tell guild %s's organisers: %s", guild_id, exc)
