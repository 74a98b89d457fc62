"""Organiser controls without Discord: who may organise, setup, status, topics, packs, reports.

The cog passes plain values in (ids, the option text as typed, the names of the permissions the
bot holds in a channel) and renders what comes back. Every write goes through the store's
audited methods, and nothing is written until all of an organiser's input has been validated.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import schedule
from bot.bank import MAX_PACK_BYTES, PackError, PackIssue, Topic, UnknownTopic
from bot.catalog import Catalog
from bot.clock import Clock
from bot.daily import DailyService
from bot.errors import DrillError
from bot.storage import AuditEntry, DailyPost, GuildPack, GuildSettings, ReportSummary, Store

# (discord.py Permissions attribute, the name Discord's UI shows), in the order we report them.
REQUIRED_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("create_public_threads", "Create Public Threads"),
    ("manage_threads", "Manage Threads"),
    ("read_message_history", "Read Message History"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)
# Room for the framing around the list inside Discord's 2,000-character message.
_ISSUES_BUDGET = 1700

Reschedule = Callable[[int], Awaitable[None]]
GrantedIn = Callable[[int], Iterable[str] | None]


def may_organise(
    has_manage_guild: bool, role_ids: Iterable[int], organiser_role_id: int | None
) -> bool:
    """Manage Server always may; otherwise only holders of the guild's organiser role."""
    if has_manage_guild:
        return True
    return organiser_role_id is not None and organiser_role_id in set(role_ids)


def missing_permissions(granted: Iterable[str]) -> tuple[str, ...]:
    """Display names of the permissions the daily post needs that are not in ``granted``."""
    have = set(granted)
    return tuple(label for name, label in REQUIRED_PERMISSIONS if name not in have)


def check_pack_size(size: int) -> None:
    """Called on the attachment's declared size before downloading, and on the bytes after."""
    if size > MAX_PACK_BYTES:
        raise DrillError(
            f"That file is {size / 1024:.0f} KiB; a pack may be at most "
            f"{MAX_PACK_BYTES // 1024} KiB."
        )


NOT_ORGANISER = "Only organisers can use /drill: you need Manage Server or the organiser role."


class PackRejected(DrillError):
    """Every issue of an uploaded pack, with file:line:column, trimmed to fit one message."""

    def __init__(self, issues: Sequence[PackIssue]) -> None:
        self.issues = list(issues)
        lines: list[str] = []
        used = 0
        for issue in self.issues:
            line = str(issue)[:300]
            if used + len(line) + 1 > _ISSUES_BUDGET:
                break
            lines.append(line)
            used += len(line) + 1
        more = len(self.issues) - len(lines)
        tail = f"\n… and {more} more" if more else ""
        count = len(self.issues)
        super().__init__(
            f"Pack not imported: {count} problem{'s' if count != 1 else ''} (nothing was stored)."
            f"\n```\n" + "\n".join(lines) + tail + "\n```"
        )


@dataclass(frozen=True, slots=True)
class SetupResult:
    settings: GuildSettings
    next_post: datetime | None
    missing: tuple[str, ...]
    changes: tuple[AuditEntry, ...]


@dataclass(frozen=True, slots=True)
class TopicCoverage:
    slug: str
    name: str
    enabled: bool
    total: int  # questions not disabled for this guild
    used: int  # of those, posted as a daily question at least once
    left: int


@dataclass(frozen=True, slots=True)
class Today:
    local_date: str
    state: str  # not-configured | off-day | paused | scheduled | due | pending | posted | revealed
    post_at: datetime | None
    question_id: str | None
    answers: int
    members: int
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Status:
    settings: GuildSettings
    next_posts: tuple[datetime, ...]
    next_reveal: datetime | None
    today: Today
    missing: tuple[str, ...]
    coverage: tuple[TopicCoverage, ...]


@dataclass(frozen=True, slots=True)
class ReportLine:
    summary: ReportSummary
    topic_name: str | None  # None: the question is no longer in this guild's bank
    prompt: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class PackImport:
    pack: GuildPack
    replaced: GuildPack | None
    topics: tuple[str, ...]  # topic slugs the pack defines


def _checked(parse: Callable[[str], Any], text: str) -> Any:
    try:
        return parse(text)
    except schedule.ScheduleError as exc:
        raise DrillError(str(exc)) from None


class Organiser:
    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        daily: DailyService | None,
        reschedule: Reschedule,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.daily = daily
        self.reschedule = reschedule

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
        channel_id: int,
        time: str,
        timezone: str,
        weekdays: str | None = None,
        reveal: str | None = None,
        granted: Iterable[str] | None = None,
    ) -> SetupResult:
        """Validate everything first; save only if all of it is good. Missing permissions do
        not stop the save (an admin may fix them later) but are reported. ``granted``: the
        bot's permissions in the channel by discord.py name (None: unknown, none reported)."""
        changes: dict[str, Any] = {
            "channel_id": channel_id,
            "post_time": _checked(schedule.parse_time, time),
            "timezone": _checked(schedule.parse_timezone, timezone),
        }
        if weekdays is not None:
            changes["weekdays"] = _checked(schedule.parse_weekdays, weekdays)
        if reveal is not None:
            changes["reveal_after_minutes"] = _checked(schedule.parse_reveal, reveal)
        current = await self.store.guilds.get_or_default(guild_id)
        if current.configured_by is None:
            changes["configured_by"] = user_id
        settings, entries = await self.store.guilds.update(
            guild_id, user_id, self.clock.now(), **changes
        )
        await self.reschedule(guild_id)
        upcoming = schedule.next_posts(settings, self.clock.now(), 1)
        return SetupResult(
            settings,
            upcoming[0] if upcoming else None,
            missing_permissions(granted) if granted is not None else (),
            tuple(entries),
        )

    async def set_paused(self, guild_id: int, user_id: int, paused: bool) -> bool:
        """True if this changed anything."""
        current = await self.store.guilds.get_or_default(guild_id)
        if not current.configured:
            raise DrillError("The daily question is not set up yet: run /drill setup first.")
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

    async def post_now(self, guild_id: int, user_id: int) -> tuple[DailyPost | None, str]:
        settings = await self.store.guilds.get_or_default(guild_id)
        if not settings.configured or self.daily is None:
            raise DrillError("The daily question is not set up yet: run /drill setup first.")
        post, outcome = await self.daily.post_now(guild_id)
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

    # -- status -----------------------------------------------------------------------------
    async def status(self, guild_id: int, granted_in: GrantedIn = lambda _channel: None) -> Status:
        """``granted_in(channel_id)``: the bot's permissions in that channel (None: unknown)."""
        settings = await self.store.guilds.get_or_default(guild_id)
        granted = granted_in(settings.channel_id) if settings.channel_id is not None else None
        now = self.clock.now()
        upcoming = tuple(schedule.next_posts(settings, now, 5)) if settings.configured else ()
        open_posts = await self.store.daily.in_state("posted", guild_id)
        reveals = [p.reveal_at for p in open_posts if p.reveal_at is not None]
        if reveals:
            next_reveal: datetime | None = min(reveals)
        elif upcoming and not settings.paused:
            next_reveal = schedule.reveal_time(settings, upcoming[0])
        else:
            next_reveal = None
        return Status(
            settings,
            upcoming,
            next_reveal,
            await self.today(settings, now),
            missing_permissions(granted) if granted is not None else (),
            tuple(await self.coverage(guild_id)),
        )

    async def today(self, settings: GuildSettings, now: datetime) -> Today:
        if not settings.configured:
            return Today("", "not-configured", None, None, 0, 0)
        slot = schedule.today_slot(settings, now)
        post = await self.store.daily.get(settings.guild_id, slot.key)
        if post is not None:
            answers, members = await self.store.answers.count_for_post(post.id)
            return Today(
                slot.key,
                post.state,
                post.posted_at or post.scheduled_for,
                post.question_id,
                answers,
                members,
                post.last_error,
            )
        if settings.paused:
            state = "paused"
        elif slot.local_date.weekday() not in settings.weekdays:
            state = "off-day"
        else:
            state = "scheduled" if now < slot.post_at else "due"
        return Today(slot.key, state, slot.post_at, None, 0, 0)

    async def coverage(self, guild_id: int) -> list[TopicCoverage]:
        """Per topic: questions posted as a daily at least once, and how many are left."""
        # Read the table, not GuildSettings: topics may be switched off before /drill setup,
        # when the guild has no settings row yet.
        disabled_topics = await self.store.guilds.disabled_topics(guild_id)
        bank = await self.catalog.for_guild(guild_id)
        off = await self.store.guilds.disabled_questions(guild_id)
        used_ids = set(await self.store.daily.question_use_counts(guild_id))
        by_topic: dict[str, list[str]] = {slug: [] for slug in bank.topics}
        for question in bank.questions.values():
            if question.id not in off:
                by_topic.setdefault(question.topic, []).append(question.id)
        out = []
        for topic in sorted(bank.topics.values(), key=lambda t: t.slug):
            ids = by_topic[topic.slug]
            used = sum(1 for qid in ids if qid in used_ids)
            out.append(
                TopicCoverage(
                    topic.slug,
                    topic.name,
                    topic.slug not in disabled_topics,
                    len(ids),
                    used,
                    len(ids) - used,
                )
            )
        return out

    # -- topics and questions ---------------------------------------------------------------
    async def resolve_topic(self, guild_id: int, text: str) -> Topic:
        bank = await self.catalog.for_guild(guild_id)
        try:
            return bank.resolve_topic(text)
        except UnknownTopic as exc:
            raise DrillError(str(exc)) from None

    async def set_topic(
        self, guild_id: int, user_id: int, text: str, enabled: bool
    ) -> tuple[Topic, bool]:
        topic = await self.resolve_topic(guild_id, text)
        changed = await self.store.guilds.set_topic_enabled(
            guild_id, topic.slug, enabled, user_id, self.clock.now()
        )
        return topic, changed

    async def complete_topics(self, guild_id: int | None, text: str) -> list[Topic]:
        return (await self.catalog.for_guild(guild_id)).complete_topics(text)

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
            close = difflib.get_close_matches(qid, list(bank.questions), n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            raise DrillError(f"No question has the id '{question_id}'.{hint}")
        return await self.store.guilds.set_question_enabled(
            guild_id, qid, enabled, user_id, self.clock.now()
        )

    async def complete_questions(self, guild_id: int, text: str, limit: int = 25) -> list[str]:
        needle = text.strip().lower()
        ids = sorted((await self.catalog.for_guild(guild_id)).questions)
        return [qid for qid in ids if needle in qid][:limit]

    async def reports(self, guild_id: int, limit: int = 10) -> list[ReportLine]:
        bank = await self.catalog.for_guild(guild_id)
        off = await self.store.guilds.disabled_questions(guild_id)
        out = []
        for summary in await self.store.practice.report_summary(guild_id, limit):
            question = bank.questions.get(summary.question_id)
            topic = bank.topics.get(question.topic) if question else None
            out.append(
                ReportLine(
                    summary,
                    (topic.name if topic else question.topic) if question else None,
                    question.prompt if question else "",
                    summary.question_id in off,
                )
            )
        return out

    # -- packs ------------------------------------------------------------------------------
    async def import_pack(
        self, guild_id: int, user_id: int, filename: str, data: bytes
    ) -> PackImport:
        """Validate with the bank's own loader against this guild's bank; store only if clean."""
        check_pack_size(len(data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DrillError("That file is not UTF-8 text; upload the pack's .yaml file.") from None
        try:
            pack, _ = await self.catalog.check_import(guild_id, text, filename)
        except PackError as exc:
            raise PackRejected(exc.issues) from None
        stored = GuildPack(
            guild_id, pack.name, pack.version, text, len(pack.questions), user_id, self.clock.now()
        )
        replaced = await self.store.guilds.save_pack(stored)
        self.catalog.invalidate(guild_id)
        return PackImport(stored, replaced, tuple(t.slug for t in pack.topics))

    async def packs(self, guild_id: int) -> list[GuildPack]:
        return await self.store.guilds.packs(guild_id)

    async def remove_pack(self, guild_id: int, user_id: int, name: str) -> GuildPack:
        removed = await self.store.guilds.remove_pack(
            guild_id, name.strip(), user_id, self.clock.now()
        )
        if removed is None:
            names = [p.name for p in await self.store.guilds.packs(guild_id)]
            have = f" This server's packs: {', '.join(names)}." if names else ""
            raise DrillError(f"This server has no pack named '{name}'.{have}")
        self.catalog.invalidate(guild_id)
        return removed

    async def audit(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        return await self.store.guilds.recent_audit(guild_id, limit)
