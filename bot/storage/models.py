"""Typed results of the repositories: frozen dataclasses, never rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.schedule import ALL_WEEKDAYS


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    channel_id: int | None = None
    post_time: str = "09:00"
    timezone: str = "UTC"
    weekdays: frozenset[int] = ALL_WEEKDAYS
    reveal_after_minutes: int | None = 23 * 60  # None: reveal at the next post
    organiser_role_id: int | None = None
    ping_role_id: int | None = None
    pin_posts: bool = False
    paused: bool = False
    configured_by: int | None = None
    disabled_topics: frozenset[str] = field(default_factory=frozenset)
    focus: str = "off"  # "auto": the daily rotation favours the weakest topics (bot/gaps/)
    answer_mode: str = "thread"  # "blind": answers in a modal, published together at the reveal
    discussion_minutes: int = 720  # blind: the thread stays open this long after the reveal
    # When /drill setup last changed the schedule: a slot before it is not due (a setup at
    # 19:31 with time 09:00 starts tomorrow, as its reply says). None: no limit.
    starts_after: datetime | None = None
    nudge_role_id: int | None = None  # pinged in the thread before the reveal (bot/nudge/)
    nudge_hours: int = 2  # how long before the reveal

    @property
    def configured(self) -> bool:
        return self.channel_id is not None


@dataclass(frozen=True, slots=True)
class DailyPost:
    id: int
    guild_id: int
    local_date: str
    question_id: str
    topic: str
    channel_id: int
    nonce: str
    state: str  # pending | posted | revealed
    message_id: int | None
    thread_id: int | None
    scheduled_for: datetime
    reveal_at: datetime | None
    posted_at: datetime | None
    revealed_at: datetime | None
    attempts: int
    last_error: str | None
    claimed_at: datetime | None = None  # when the slot was claimed: nothing was sent before
    reveal_claimed_by: str | None = None  # the run revealing it (claimed before sending)
    reveal_claimed_at: datetime | None = None
    mode: str = "thread"  # fixed when the slot is claimed: a switch applies from the next post
    lock_at: datetime | None = None  # blind: when the discussion thread is locked
    locked_at: datetime | None = None

    @property
    def blind(self) -> bool:
        return self.mode == "blind"


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    guild_id: int | None
    daily_post_id: int | None
    quiz_session_id: int | None
    user_id: int
    message_id: int | None
    content: str
    created_at: datetime
    edited_at: datetime | None
    edit_count: int
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """A member's message in a daily thread, as seen on the gateway or in history."""

    daily_post_id: int
    guild_id: int
    user_id: int
    message_id: int
    channel_id: int
    content: str
    created_at: datetime
    # Set when the message was already edited by the time we saw it (discord.py updates a
    # cached message in place, and history returns the latest text).
    edited_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Award:
    user_id: int
    points: int
    reason: str


@dataclass(frozen=True, slots=True)
class MemberStats:
    guild_id: int
    user_id: int
    points: int
    answered: int
    streak: int
    best_streak: int
    last_answer_date: str | None
    freezes: int = 0  # streak freezes held (bot/boards/scoring.py)
    freezes_used: int = 0


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    points: int
    answered: int = 0
    streak: int = 0


@dataclass(frozen=True, slots=True)
class QuizSession:
    id: int
    guild_id: int | None
    user_id: int
    question_id: str
    question_version: str
    mode: str  # quiz | review | daily
    state: str  # open | answered | revealed | graded | skipped
    shown_at: datetime
    answered_at: datetime | None
    revealed_at: datetime | None
    graded_at: datetime | None
    notes_only: bool
    grade: int | None
    time_taken_ms: int | None
    daily_post_id: int | None


@dataclass(frozen=True, slots=True)
class SrsCard:
    user_id: int
    question_id: str
    card_json: str
    due: datetime
    last_grade: int | None
    reviews: int


@dataclass(frozen=True, slots=True)
class ReportSummary:
    question_id: str
    count: int
    last_at: datetime
    reasons: tuple[str, ...]
    latest_detail: str


@dataclass(frozen=True, slots=True)
class GuildPack:
    guild_id: int
    name: str
    version: str
    body: str
    questions: int
    uploaded_by: int
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    guild_id: int
    user_id: int
    action: str
    old_value: str | None
    new_value: str | None
    at: datetime
