"""Organiser controls without Discord: who may organise, setup, pinning and pings, topics,
questions; status and packs live in bot/organiser/status.py and bot/organiser/packs.py.

The cog passes plain values in (ids, the option text as typed, the names of the permissions the
bot holds in a channel) and renders what comes back. Every write goes through the store's
audited methods, and nothing is written until all of an organiser's input has been validated.
Each change is one transaction whose own read decides what changed, so two organisers (or
one double press) at once give one change and one "unchanged".
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import schedule, validation
from bot.bank import Topic
from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.daily.service import DailyService
from bot.errors import DrillError
from bot.organiser.packs import PackImport, PackRejected, PackShelf, check_pack_size
from bot.organiser.status import (
    PIN_PERMISSION,
    REQUIRED_PERMISSIONS,
    GrantedIn,
    GuildOverview,
    ReportLine,
    Status,
    Today,
    TopicCoverage,
    missing_permissions,
)
from bot.storage import AuditEntry, DailyPost, GuildPack, GuildSettings, Store

__all__ = [
    "NOT_ORGANISER",
    "PIN_PERMISSION",
    "REQUIRED_PERMISSIONS",
    "Announce",
    "GrantedIn",
    "Organiser",
    "PackImport",
    "PackRejected",
    "ReportLine",
    "SetupResult",
    "Status",
    "Today",
    "TopicCoverage",
    "check_pack_size",
    "may_organise",
    "missing_permissions",
]

Reschedule = Callable[[int], Awaitable[None]]
NOT_ORGANISER = "Only organisers can use /drill: you need Manage Server or the organiser role."
NOT_SET_UP = "The daily question is not set up yet: run /drill setup first."
FIRST_SETUP = (
    "The first /drill setup needs a channel, a time and a timezone; after that any option "
    "alone changes just that. Nothing was changed."
)
FOCUS_MODES = ("off", "auto")
ANSWER_MODES = ("thread", "blind")
_MAX_QUESTION_ID = 64


def may_organise(
    has_manage_guild: bool, role_ids: Iterable[int], organiser_role_id: int | None
) -> bool:
    """Manage Server always may; otherwise only holders of the guild's organiser role."""
    if has_manage_guild:
        return True
    return organiser_role_id is not None and organiser_role_id in set(role_ids)


# What decides when posts happen: changing any of them restarts the schedule from now.
SCHEDULE_FIELDS = ("channel_id", "post_time", "timezone", "weekdays")


@dataclass(frozen=True, slots=True)
class SetupResult:
    settings: GuildSettings
    next_post: datetime | None
    missing: tuple[str, ...]
    changes: tuple[AuditEntry, ...]


@dataclass(frozen=True, slots=True)
class Announce:
    """Pinning and the ping role after a change: ``changed`` False when nothing was new."""

    settings: GuildSettings
    changed: bool
    missing: tuple[str, ...]  # permissions the bot lacks for this in the daily channel


class Organiser:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        daily: DailyService | None,
        reschedule: Reschedule,
        reveal_at: Callable[[int, datetime], None] = lambda _guild_id, _when: None,
    ) -> None:
        self.store = store
        self.reveal_at = reveal_at  # plans a reveal outside the schedule (the dispatcher)
        self.catalog = catalog
        self.clock = clock
        self.daily = daily
        self.reschedule = reschedule
        self.overview = GuildOverview(store, catalog, clock)
        self.shelf = PackShelf(store, catalog, clock)

    async def configured_by(self, guild_id: int) -> int | None:
        """Who set the guild up: told privately when the bot cannot reach the channel."""
        settings = await self.store.guilds.get(guild_id)
        return settings.configured_by if settings else None

    async def can_organise(
        self, guild_id: int, has_manage_guild: bool, role_ids: Iterable[int]
    ) -> bool:
        settings = await self.store.guilds.get_or_default(guild_id)
        return may_organise(has_manage_guild, role_ids, settings.organiser_role_id)

    # -- schedule ---------------------------------------------------------------------------
    async def setup(
        self,
        guild_id: int,
        user_id: int,
        *,
        channel_id: int | None,
        time: str | None,
        timezone: str | None,
        weekdays: str | None = None,
        reveal: str | None = None,
        granted: Iterable[str] | None = None,
        focus: str | None = None,
        answers: str | None = None,
        discussion: str | None = None,
        nudge: str | None = None,
        nudge_role: int | None = None,
    ) -> SetupResult:
        """Validate everything first; save only if all of it is good. Missing permissions do
        not stop the save (an admin may fix them later) but are reported. ``granted``: the
        bot's permissions in the channel by discord.py name (None: unknown, none reported).
        Once set up, any option alone changes just that (e.g. ``focus:auto``)."""
        current = await self.store.guilds.get_or_default(guild_id)
        if None in (channel_id, time, timezone) and not current.configured:
            raise DrillError(FIRST_SETUP)
        # Kept by the store if already set: the first organiser stays on record.
        changes: dict[str, Any] = {"configured_by": user_id}
        if channel_id is not None:
            changes["channel_id"] = channel_id
        if time is not None:
            changes["post_time"] = validation.post_time(time)
        if timezone is not None:
            changes["timezone"] = validation.timezone(timezone)
        if weekdays is not None:
            changes["weekdays"] = validation.weekdays(weekdays)
        if reveal is not None:
            changes["reveal_after_minutes"] = validation.reveal(reveal)
        if focus is not None:
            if focus not in FOCUS_MODES:
                raise DrillError("Focus is `auto` (favour the weakest topics) or `off`.")
            changes["focus"] = focus
        if answers is not None:
            if answers not in ANSWER_MODES:
                raise DrillError("Answers are `thread` (in the open thread) or `blind`.")
            changes["answer_mode"] = answers
        if discussion is not None:
            changes["discussion_minutes"] = validation.discussion(discussion)
        if any(k in changes and changes[k] != getattr(current, k) for k in SCHEDULE_FIELDS):
            # The reply names the next post after now; a slot already past today is not due
            # (a first setup at 19:31 with time:09:00 starts tomorrow, not at once).
            changes["starts_after"] = self.clock.now()
        changes.update(await self._nudge(guild_id, nudge, nudge_role))
        settings, entries = await self.store.guilds.update(
            guild_id, user_id, self.clock.now(), **changes
        )
        await self.reschedule(guild_id)
        upcoming = schedule.next_posts(settings, self.clock.now(), 1)
        return SetupResult(
            settings,
            upcoming[0] if upcoming else None,
            missing_permissions(granted, pins=settings.pin_posts) if granted is not None else (),
            tuple(entries),
        )

    async def _nudge(self, guild_id: int, nudge: str | None, role_id: int | None) -> dict[str, Any]:
        """``nudge:2h`` / ``nudge:off`` and ``nudge_role:@role``: the role pinged in the thread
        before the reveal (bot/nudge/), instead of or beside members' own DMs."""
        changes: dict[str, Any] = {}
        hours = validation.nudge(nudge) if nudge is not None else None
        if nudge is not None and hours is None:
            if role_id is not None:
                raise DrillError("`nudge:off` stops the role ping: leave `nudge_role` out.")
            return {"nudge_role_id": None}
        if role_id is not None:
            changes["nudge_role_id"] = role_id
        if hours is not None:
            current = await self.store.guilds.get_or_default(guild_id)
            if role_id is None and current.nudge_role_id is None:
                raise DrillError("Choose the role to ping with `nudge_role:` too.")
            changes["nudge_hours"] = hours
        return changes

    async def set_paused(self, guild_id: int, user_id: int, paused: bool) -> bool:
        """True if this changed anything."""
        current = await self.store.guilds.get_or_default(guild_id)
        if not current.configured:
            raise DrillError(NOT_SET_UP)
        _, entries = await self.store.guilds.update(
            guild_id, user_id, self.clock.now(), paused=paused
        )
        if entries:
            await self.reschedule(guild_id)
        return bool(entries)

    async def set_organiser_role(self, guild_id: int, user_id: int, role_id: int | None) -> bool:
        _, entries = await self.store.guilds.update(
            guild_id, user_id, self.clock.now(), organiser_role_id=role_id
        )
        return bool(entries)

    async def set_pinning(
        self,
        guild_id: int,
        user_id: int,
        on: bool,
        granted_in: GrantedIn = lambda _channel: None,
    ) -> Announce:
        """Pin each day's question (and unpin the day before's); reports a missing Pin
        Messages in the daily channel. ``granted_in`` as in status."""
        settings, entries = await self.store.guilds.update(
            guild_id, user_id, self.clock.now(), pin_posts=on
        )
        granted = granted_in(settings.channel_id) if settings.channel_id is not None else None
        lacking = on and granted is not None and PIN_PERMISSION[0] not in set(granted)
        return Announce(settings, bool(entries), (PIN_PERMISSION[1],) if lacking else ())

    async def set_ping_role(
        self,
        guild_id: int,
        user_id: int,
        role_id: int | None,
        *,
        mentionable: bool = True,
        may_mention_all: bool = True,
    ) -> Announce:
        """Ping ``role_id`` with each daily question (None: ping nobody). A role that is not
        mentionable pings only if the bot may mention every role; that is reported."""
        if role_id == guild_id:  # the @everyone role's id is the guild's
            raise DrillError("Pick a role to ping; @everyone is not pinged by the daily post.")
        settings, entries = await self.store.guilds.update(
            guild_id, user_id, self.clock.now(), ping_role_id=role_id
        )
        lacking = role_id is not None and not mentionable and not may_mention_all
        missing = ("Mention @everyone, @here and All Roles",) if lacking else ()
        return Announce(settings, bool(entries), missing)

    async def post_now(self, guild_id: int, user_id: int) -> tuple[DailyPost | None, str]:
        settings = await self.store.guilds.get_or_default(guild_id)
        if not settings.configured or self.daily is None:
            raise DrillError(NOT_SET_UP)
        post, outcome = await self.daily.post_now(guild_id)
        if post is not None and post.state == "posted" and post.reveal_at is not None:
            self.reveal_at(guild_id, post.reveal_at)
        done = post.local_date if post is not None else outcome
        await self.store.guilds.audit(guild_id, user_id, "post-now", None, done, self.clock.now())
        return post, outcome

    async def reveal_now(self, guild_id: int, user_id: int) -> DailyPost:
        if self.daily is None:
            raise DrillError("The daily question is not running.")
        post = await self.daily.reveal_now(guild_id)
        if post is None:
            raise DrillError("There is no open daily question to reveal.")
        await self.store.guilds.audit(
            guild_id, user_id, "reveal-now", None, post.local_date, self.clock.now()
        )
        return post

    # -- status (bot/organiser/status.py) -------------------------------------------------------
    async def status(self, guild_id: int, granted_in: GrantedIn = lambda _channel: None) -> Status:
        """``granted_in(channel_id)``: the bot's permissions in that channel (None: unknown)."""
        status = await self.overview.status(guild_id, granted_in)
        if self.daily is not None and not self.daily.answers.reads_content:
            status = dataclasses.replace(status, typed_answers=False)
        return status

    async def today(self, settings: GuildSettings, now: datetime) -> Today:
        return await self.overview.today(settings, now)

    async def coverage(self, guild_id: int) -> list[TopicCoverage]:
        return await self.overview.coverage(guild_id)

    async def reports(self, guild_id: int, limit: int = 10) -> list[ReportLine]:
        return await self.overview.reports(guild_id, limit)

    # -- topics and questions ---------------------------------------------------------------
    async def resolve_topic(self, guild_id: int, text: str) -> Topic:
        return validation.resolve_topic(await self.catalog.for_guild(guild_id), text)

    async def set_topic(
        self, guild_id: int, user_id: int, text: str, enabled: bool
    ) -> tuple[Topic, bool]:
        topic = await self.resolve_topic(guild_id, text)
        changed = await self.store.guilds.set_topic_enabled(
            guild_id, topic.slug, enabled, user_id, self.clock.now()
        )
        return topic, changed

    async def complete_topics(self, guild_id: int | None, text: str) -> list[Topic]:
        return (await self.catalog.for_guild(guild_id)).complete_topics(text[:100])

    async def set_question(
        self, guild_id: int, user_id: int, question_id: str, enabled: bool
    ) -> bool:
        qid = question_id.strip().lower()
        bank = await self.catalog.for_guild(guild_id)
        # A question whose pack was removed may still be re-enabled (it is on the list).
        known = qid in bank.questions or (
            enabled and qid in await self.store.guilds.disabled_questions(guild_id)
        )
        if not known:
            close = (
                difflib.get_close_matches(qid, list(bank.questions), n=3, cutoff=0.6)
                if len(qid) <= _MAX_QUESTION_ID
                else []
            )
            hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            raise DrillError(f"No question has the id '{validation.echo(question_id)}'.{hint}")
        return await self.store.guilds.set_question_enabled(
            guild_id, qid, enabled, user_id, self.clock.now()
        )

    async def complete_questions(self, guild_id: int, text: str, limit: int = 25) -> list[str]:
        needle = text.strip().lower()
        ids = sorted((await self.catalog.for_guild(guild_id)).questions)
        return [qid for qid in ids if needle in qid][:limit]

    # -- packs (bot/organiser/packs.py) ---------------------------------------------------------
    async def import_pack(
        self, guild_id: int, user_id: int, filename: str, data: bytes
    ) -> PackImport:
        return await self.shelf.import_pack(guild_id, user_id, filename, data)

    async def packs(self, guild_id: int) -> list[GuildPack]:
        return await self.shelf.packs(guild_id)

    async def remove_pack(self, guild_id: int, user_id: int, name: str) -> GuildPack:
        return await self.shelf.remove_pack(guild_id, user_id, name)

    async def audit(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        return await self.store.guilds.recent_audit(guild_id, limit)
