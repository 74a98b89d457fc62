"""What /drill status, topics list and reports show, read without Discord.

Split from bot/organiser/service.py: reading a guild's state is separate from changing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot import schedule
from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.organiser.permissions import NEEDS, PIN
from bot.storage import GuildSettings, ReportSummary, Store

# (discord.py Permissions attribute, the name Discord's UI shows), in the order we report them.
REQUIRED_PERMISSIONS: tuple[tuple[str, str], ...] = tuple(
    (n.attr, n.label) for n in NEEDS if n.always
)
# Needed only with pinning on: since February 2026 pinning takes Pin Messages (1 << 51);
# Manage Messages no longer covers it.
PIN_PERMISSION = (PIN.attr, PIN.label)

GrantedIn = Callable[[int], Iterable[str] | None]


def missing_permissions(granted: Iterable[str], *, pins: bool = False) -> tuple[str, ...]:
    """Display names of the permissions the daily post needs that are not in ``granted``."""
    have = set(granted)
    needed = REQUIRED_PERMISSIONS + ((PIN_PERMISSION,) if pins else ())
    return tuple(label for name, label in needed if name not in have)


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
    # not-configured | off-day | paused | scheduled | due | starts-later | pending | posted |
    # revealed
    state: str
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
    # False when Discord refused the Message Content intent: answers come by the button only.
    typed_answers: bool = True


@dataclass(frozen=True, slots=True)
class ReportLine:
    summary: ReportSummary
    topic_name: str | None  # None: the question is no longer in this guild's bank
    prompt: str
    disabled: bool


class GuildOverview:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock

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
            missing_permissions(granted, pins=settings.pin_posts) if granted is not None else (),
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
        elif now < slot.post_at:
            state = "scheduled"
        else:
            # Set up after today's time: the schedule starts with the next post.
            state = "due" if schedule.due_slot(settings, now) is not None else "starts-later"
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

    async def reports(self, guild_id: int, limit: int = 10) -> list[ReportLine]:
        bank = await self.catalog.for_guild(guild_id)
        off = await self.store.guilds.disabled_questions(guild_id)
        out = []
        for summary in await self.store.practice.report_summary(guild_id, limit):
            question = bank.lookup(summary.question_id)
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
