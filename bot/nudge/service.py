"""What a nudge run does in one guild, and the settings behind it.

A member who asked (``/remind daily on [hours_before]``) and has not answered the open question
``hours_before`` the reveal gets one DM with the prompt and a link to the thread; organisers may
have a role pinged in the thread at their chosen time instead (``/drill setup nudge:``).

Exactly once: each DM is claimed in the database (guild, member, local date) before it is sent,
and each role ping per post. A claim left without an outcome (the process died between the claim
and the end) is looked for in the member's DMs after the claim, by time, before anything is sent
again. Before deciding who is nudged, the thread is read back, so an answer given a second
before counts. Never nudged: members who answered, hid themselves, are away that day or turned
it off; a refused DM switches it off at once (closed DMs), and it is not retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.daily.publishing import Publisher, nonce_for, search_from
from bot.errors import DrillError, Gone, MissingPermissions, PublishError
from bot.storage import DailyPost, Store

log = logging.getLogger(__name__)
HOURS = range(1, 24)  # hours before the reveal a member or a role may be nudged
DEFAULT_HOURS = 2
PROMPT_MAX = 1500


@dataclass(frozen=True, slots=True)
class NudgeCard:
    """What a nudge says: the Discord glue words it."""

    guild_id: int
    local_date: str
    prompt: str
    channel_id: int  # the thread, or the channel if the post has no thread
    reveal_at: datetime
    marker: str  # the footer the bot finds its own nudge by after a crash


def marker_for(guild_id: int, local_date: str) -> str:
    return f"drillbot nudge · {guild_id} · {local_date}"


class NudgePort(Protocol):
    """The Discord side, plugged in by the glue."""

    async def send_dm(self, user_id: int, card: NudgeCard, nonce: str) -> bool:
        """False: the member's DMs are closed. Raises PublishError on anything else."""
        ...

    async def dm_sent(self, user_id: int, marker: str, after: datetime | None) -> bool:
        """Whether the bot's DM with ``marker`` is in the member's DMs after ``after``."""
        ...

    async def ping_role(
        self, channel_id: int, role_id: int, card: NudgeCard, nonce: str
    ) -> int: ...


class Answered(Protocol):
    async def answered(self, post: DailyPost) -> set[int]:
        """Who has answered the post as Discord has it now (the thread read back first)."""
        ...


class NudgeService:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        daily: Answered,
        publisher: Publisher,
    ) -> None:
        self.store, self.catalog, self.clock = store, catalog, clock
        self.daily, self.publisher = daily, publisher
        self._port: NudgePort | None = None
        self.unfinished: set[int] = set()  # guilds whose last run left work to retry
        self.sent = 0

    def plug(self, port: NudgePort) -> None:
        self._port = port

    @property
    def plugged(self) -> bool:
        return self._port is not None

    # -- settings -----------------------------------------------------------------------------
    async def turn_on(self, guild_id: int, user_id: int, hours: int = DEFAULT_HOURS) -> None:
        if hours not in HOURS:
            raise DrillError("Choose between 1 and 23 hours before the reveal.")
        await self.store.nudges.turn_on(guild_id, user_id, hours, self.clock.now())

    async def turn_off(self, guild_id: int, user_id: int) -> bool:
        return await self.store.nudges.turn_off(guild_id, user_id)

    # -- when ---------------------------------------------------------------------------------
    async def instants(self, guild_id: int, post: DailyPost) -> list[datetime]:
        """When this post's nudges fall: one instant per distinct hours-before asked for."""
        if post.reveal_at is None:
            return []
        hours = set((await self.store.nudges.members(guild_id)).values())
        settings = await self.store.guilds.get_or_default(guild_id)
        if settings.nudge_role_id is not None:
            hours.add(settings.nudge_hours)
        return sorted(post.reveal_at - timedelta(hours=h) for h in hours)

    # -- the run ------------------------------------------------------------------------------
    async def run(self, guild_id: int) -> None:
        """Every nudge due now for the guild's open posts; idempotent."""
        if self._port is None:
            return
        self.unfinished.discard(guild_id)
        now = self.clock.now()
        for post in await self.store.daily.in_state("posted", guild_id):
            if post.reveal_at is None or post.reveal_at <= now:
                continue  # revealed (or about to be): too late for a nudge
            card = await self._card(post)
            if card is None:
                continue
            if not (await self._role(post, card, now) and await self._members(post, card, now)):
                self.unfinished.add(guild_id)

    async def _card(self, post: DailyPost) -> NudgeCard | None:
        bank = await self.catalog.for_guild(post.guild_id)
        question = bank.lookup(post.question_id)
        if question is None or post.reveal_at is None:
            return None
        prompt = question.prompt.strip()
        if len(prompt) > PROMPT_MAX:
            prompt = prompt[: PROMPT_MAX - 1] + "…"
        return NudgeCard(
            post.guild_id,
            post.local_date,
            prompt,
            post.thread_id or post.channel_id,
            post.reveal_at,
            marker_for(post.guild_id, post.local_date),
        )

    async def _members(self, post: DailyPost, card: NudgeCard, now: datetime) -> bool:
        """DMs to the members whose time has come. False: something to retry."""
        assert post.reveal_at is not None and self._port is not None
        reveal_at = post.reveal_at
        wanted = await self.store.nudges.members(post.guild_id)
        due = {u for u, h in wanted.items() if reveal_at - timedelta(hours=h) <= now}
        if not due and not await self.store.nudges.unfinished(post.guild_id, post.local_date):
            return True
        answered = await self.daily.answered(post)  # the thread read back: a second ago counts
        ok = await self._finish_claims(post, card, answered, wanted)
        left_out = await self.store.nudges.excluded(post.guild_id, post.id, post.local_date)
        for user_id in sorted(due - answered - left_out):
            if await self.store.nudges.claim(
                post.guild_id, user_id, post.local_date, post.id, self.clock.now()
            ):
                ok = await self._send(post, card, user_id) and ok
        return ok

    async def _finish_claims(
        self, post: DailyPost, card: NudgeCard, answered: set[int], wanted: dict[int, int]
    ) -> bool:
        """Claims a run that died left without an outcome: out already (found in the member's
        DMs after the claim), no longer needed, or sent now."""
        assert self._port is not None
        ok = True
        for claim in await self.store.nudges.unfinished(post.guild_id, post.local_date):
            try:
                found = await self._port.dm_sent(
                    claim.user_id, card.marker, search_from(claim.claimed_at)
                )
            except PublishError as exc:
                log.warning("looking for the nudge to %s failed: %s", claim.user_id, exc)
                ok = False
                continue
            if found:
                await self._done(post, claim.user_id, "sent")
            elif claim.user_id in answered or claim.user_id not in wanted:
                await self._done(post, claim.user_id, "skipped")
            else:
                ok = await self._send(post, card, claim.user_id) and ok
        return ok

    async def _send(self, post: DailyPost, card: NudgeCard, user_id: int) -> bool:
        assert self._port is not None
        nonce = nonce_for(post.guild_id, f"{post.local_date}:{user_id}", "nudge")
        try:
            reached = await self._port.send_dm(user_id, card, nonce)
        except PublishError as exc:
            log.warning("nudge to member %s not sent, will look again: %s", user_id, exc)
            return False
        if reached:
            self.sent += 1
            await self._done(post, user_id, "sent")
        else:
            log.info("DMs closed for member %s: nudges switched off", user_id)
            await self._done(post, user_id, "refused")
            await self.store.nudges.turn_off(post.guild_id, user_id)
        return True

    async def _done(self, post: DailyPost, user_id: int, outcome: str) -> None:
        await self.store.nudges.done(
            post.guild_id, user_id, post.local_date, outcome, self.clock.now()
        )

    async def _role(self, post: DailyPost, card: NudgeCard, now: datetime) -> bool:
        """The organisers' role ping in the thread, once per post. False: retry."""
        assert post.reveal_at is not None and self._port is not None
        settings = await self.store.guilds.get_or_default(post.guild_id)
        role = settings.nudge_role_id
        if role is None or post.reveal_at - timedelta(hours=settings.nudge_hours) > now:
            return True
        claimed_at, message_id, made = await self.store.nudges.claim_role(
            post.guild_id, post.id, role, now
        )
        if message_id is not None:
            return True
        try:
            if not made:
                found = await self.publisher.find_post(
                    card.channel_id, card.marker, search_from(claimed_at)
                )
                if found is not None:
                    await self.store.nudges.role_sent(post.id, found.message_id)
                    return True
            nonce = nonce_for(post.guild_id, post.local_date, "nudge-role")
            sent = await self._port.ping_role(card.channel_id, role, card, nonce)
        except (Gone, MissingPermissions) as exc:
            # Never a loop of 403s: this post goes without its ping.
            log.warning("role nudge of post %s cannot be sent: %s", post.id, exc)
            await self.store.nudges.role_sent(post.id, 0)
            return True
        except PublishError as exc:
            log.warning("role nudge of post %s not sent, will retry: %s", post.id, exc)
            return False
        await self.store.nudges.role_sent(post.id, sent)
        return True
