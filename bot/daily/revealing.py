"""Revealing a daily post: claim it, catch up with its thread, award the points (streaks read
in the same transaction), send the notes once with them, close the thread.

The claim is stored before anything is sent, so a run killed half-way (or during
/drill reveal-now) finishes the reveal on start instead of leaving the thread open until the
scheduled time. The answers are read back from the thread first, so the count and points are
what the thread shows; answers made after the reveal time are stored but not scored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from bot.bank.catalog import Catalog
from bot.boards import scoring
from bot.clock import Clock
from bot.daily.answers import AnswerLog
from bot.daily.blind import BlindPublisher
from bot.daily.buttons import ButtonAnswers
from bot.daily.publishing import (
    Publisher,
    RevealCard,
    nonce_for,
    reveal_marker_for,
    search_from,
    topic_name,
)
from bot.errors import Gone, MissingPermissions, PublishError
from bot.ops import metrics
from bot.ops.shards import every_guild
from bot.storage import Answer, Award, DailyPost, MemberStats, Store

log = logging.getLogger(__name__)


def on_time(answers: Sequence[Answer], reveal_at: datetime | None) -> list[Answer]:
    """The answers that count: made no later than the reveal time."""
    if reveal_at is None:
        return list(answers)
    return [a for a in answers if a.created_at <= reveal_at]


async def award(
    store: Store, post: DailyPost, answers: Sequence[Answer], now: datetime
) -> list[Award]:
    """Score a post before its reveal shows the points: each answering member's streak is
    read, the awards decided and written in one transaction (``award_daily`` given
    ``decide``), so a star or another reveal landing at once cannot slip between the read and
    the write. A retry after a failed send gets the awards written the first time."""
    previous = await store.daily.latest(post.guild_id, before_date=post.local_date)
    prev_date = previous.local_date if previous else None

    def decide(stats: Mapping[int, MemberStats | None]) -> list[Award]:
        streaks = {user: scoring.next_streak(s, prev_date)[0] for user, s in stats.items()}
        return scoring.daily_awards(answers, streaks)

    return await store.scores.award_daily(
        post,
        decide,
        lambda stats, _date: scoring.next_streak(stats, prev_date),
        now,
        keeping=scoring.KEEPING,
        members=sorted({a.user_id for a in answers if scoring.counts(a)}),
    )


class Revealer:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        publisher: Publisher,
        clock: Clock,
        answers: AnswerLog,
        owner: str,
        blind: BlindPublisher,
        owns: Callable[[int], bool] = every_guild,
        buttons: ButtonAnswers | None = None,
    ) -> None:
        self.store = store
        self.buttons = buttons or ButtonAnswers(store, publisher, clock)
        self.catalog = catalog
        self.publisher = publisher
        self.clock = clock
        self.answers = answers
        self.owner = owner  # this run's name on the reveals it claims
        self.blind = blind
        self.owns = owns  # the guilds of this process's shards (bot/ops/shards.py)

    async def take_over(self) -> None:
        """On start: finish what a run that died claimed (its reveals are due at once), in
        this process's guilds only: another shard process may be revealing its own."""
        held = [
            p.id
            for p in await self.store.daily.in_state("posted")
            if p.reveal_claimed_by is not None and self.owns(p.guild_id)
        ]
        taken = await self.store.daily.take_over_reveals(self.owner, held)
        if taken:
            log.info("taking over %d reveal(s) left half-done", taken)

    async def reveal(self, post: DailyPost) -> bool:
        """Reveal one post. Returns False if another run holds it or it must be retried."""
        claimed = await self.store.daily.claim_reveal(post.id, self.owner, self.clock.now())
        if claimed is None:
            return False
        if claimed.blind:
            # Answers were given in the modal: open the thread now and publish them together.
            opened = await self.blind.open_thread(claimed)
            if opened is None or not await self.blind.publish(opened):
                return False
            claimed = opened
        else:
            if claimed.thread_id is None:
                # Discord may have opened the thread although the call failed for us (a
                # timeout): answers are there, and the reveal belongs there.
                claimed = await self.answers.adopt_thread(claimed)
            # Answers given with the button go into the thread before the notes do.
            if not await self.buttons.deliver(claimed):
                return False
            if not await self._catch_up(claimed):
                return False
        answers = on_time(await self.store.answers.for_post(claimed.id), claimed.reveal_at)
        try:
            awards = await award(self.store, claimed, answers, self.clock.now())
        finally:
            self.answers.kept.scored(claimed.guild_id)  # freezes may have been spent
        answered = len({a.user_id for a in answers})
        lock_at = await self._lock_at(claimed)
        if not await self._send(claimed, answered, awards, lock_at):
            return False
        await self.store.daily.mark_revealed(claimed.id, self.clock.now(), lock_at)
        self.answers.untrack(claimed)
        if claimed.thread_id is not None and lock_at is None:
            try:
                await self.publisher.close_thread(claimed.thread_id)
            except PublishError as exc:
                log.warning("closing thread %s failed: %s", claimed.thread_id, exc)
        log.info(
            "guild %s: revealed %s for %s (%d answered)",
            post.guild_id,
            post.question_id,
            post.local_date,
            answered,
        )
        metrics.reveal_made()
        return True

    async def _lock_at(self, post: DailyPost) -> datetime | None:
        """A blind post's thread stays open for discussion (None: close it now)."""
        if not post.blind or post.thread_id is None:
            return None
        settings = await self.store.guilds.get_or_default(post.guild_id)
        if settings.discussion_minutes <= 0:
            return None
        return self.clock.now() + timedelta(minutes=settings.discussion_minutes)

    async def lock(self, guild_id: int) -> int:
        """Lock the blind discussion threads of this guild whose time is over."""
        locked = 0
        for post_id, thread_id in await self.store.blind.due_locks(self.clock.now(), guild_id):
            if thread_id is not None:
                try:
                    await self.publisher.close_thread(thread_id)
                except Gone:
                    log.info("thread %s of post %s is gone; nothing to lock", thread_id, post_id)
                except PublishError as exc:
                    log.warning("locking thread %s failed, will retry: %s", thread_id, exc)
                    continue
            locked += await self.store.blind.mark_locked(post_id, self.clock.now())
        return locked

    async def _catch_up(self, post: DailyPost) -> bool:
        """Store what the thread holds beyond what the gateway brought. False: retry later."""
        try:
            caught = await self.answers.catch_up(post)
        except (Gone, MissingPermissions) as exc:
            # Nothing more can be read: score what was stored.
            log.warning("could not read the answers of post %s: %s", post.id, exc)
            return True
        except PublishError as exc:
            log.warning("reading the answers of post %s failed, will retry: %s", post.id, exc)
            return False
        if caught:
            log.info("post %s: %d answers read back before the reveal", post.id, caught)
        return True

    async def _send(
        self,
        post: DailyPost,
        answered: int,
        awards: Sequence[Award],
        lock_at: datetime | None = None,
    ) -> bool:
        bank = await self.catalog.for_guild(post.guild_id)
        question = bank.lookup(post.question_id)
        if question is None:  # its pack was removed: close without the notes
            return True
        topic = topic_name(bank, question.topic)
        card = RevealCard(
            post.id,
            question,
            topic,
            answered,
            tuple(awards),
            post.thread_id is not None,
            reveal_marker_for(post.local_date),
            lock_at,
        )
        where = post.thread_id or post.channel_id
        try:
            # Sent already by a run that died before finishing? The nonce covers minutes; the
            # history after the claim covers any outage and any number of later messages.
            found = await self.publisher.find_post(
                where, card.marker, search_from(post.reveal_claimed_at)
            )
            if found is None:
                nonce = nonce_for(post.guild_id, post.local_date, "rv")
                await self.publisher.send_reveal(where, card, nonce)
            else:
                log.info("post %s was already revealed in the channel", post.id)
        except Gone:
            log.warning("thread of post %s is gone; revealing without a message", post.id)
        except PublishError as exc:
            log.warning("reveal of post %s failed, will retry: %s", post.id, exc)
            return False
        return True
