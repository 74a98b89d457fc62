"""The daily service's port to Discord: what it sends and reads, and how posts are marked.

``cogs/daily.py`` implements ``Publisher`` with discord.py; tests could implement it with
anything. Markers and nonces are how a post or reveal is recognised again after a crash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.bank import Bank, Question
from bot.storage import Award, DailyPost, NewAnswer


@dataclass(frozen=True, slots=True)
class DailyCard:
    post_id: int
    local_date: str
    question: Question
    topic_name: str
    reveal_at: datetime | None
    ping_role_id: int | None
    marker: str  # footer text that identifies this post in channel history
    blind: bool = False  # answers by the Answer button, published at the reveal
    typed: bool = True  # thread answers may be typed (False: the bot cannot read them)


@dataclass(frozen=True, slots=True)
class AnswerPart:
    """One message of the published answers: answer ``seq`` of ``of``, piece ``part`` of
    ``parts``, by ``user_id``. ``late``: given after the reveal time, not scored."""

    seq: int
    of: int
    part: int
    parts: int
    user_id: int
    text: str
    late: bool

    @property
    def key(self) -> tuple[int, int]:
        return (self.seq, self.part)


@dataclass(frozen=True, slots=True)
class ButtonPost:
    """A thread-mode answer given with the Answer button, as the bot posts it for its author
    (bot/daily/buttons.py): ``answer_id`` marks the message so it is found again after a crash."""

    answer_id: int
    user_id: int
    text: str


@dataclass(frozen=True, slots=True)
class RevealCard:
    post_id: int
    question: Question
    topic_name: str
    answered: int
    awards: tuple[Award, ...]
    in_thread: bool
    marker: str = ""  # footer text that identifies this reveal in the thread's history
    discussion_until: datetime | None = None  # blind: the thread stays open until then


@dataclass(frozen=True, slots=True)
class Notice:
    """Something organisers must hear. The glue words it (channel mentions, command names)."""

    kind: Literal["missing-permissions", "no-questions"]
    channel_id: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FoundPost:
    message_id: int
    thread_id: int | None


@dataclass(frozen=True, slots=True)
class HistoryMessage:
    message_id: int
    user_id: int
    is_bot: bool
    content: str
    created_at: datetime
    edited_at: datetime | None = None
    reply_to: int | None = None  # the message this one replies to, if any

    def answer_to(self, post: DailyPost) -> NewAnswer:
        return NewAnswer(
            post.id,
            post.guild_id,
            self.user_id,
            self.message_id,
            post.thread_id or post.channel_id,
            self.content,
            self.created_at,
            self.edited_at,
        )


class Publisher(Protocol):
    async def find_post(
        self, channel_id: int, marker: str, after: datetime | None
    ) -> FoundPost | None:
        """The bot's own message carrying ``marker``, among the messages after ``after`` (all
        of them, however many: a busy channel can put hundreds after it)."""
        ...

    async def send_post(self, channel_id: int, card: DailyCard, nonce: str) -> int: ...
    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int: ...
    async def say_no_thread(self, channel_id: int, message_id: int, why: str) -> None: ...
    async def pin(self, channel_id: int, message_id: int, unpin: int | None) -> None: ...
    async def send_reveal(self, channel_id: int, card: RevealCard, nonce: str) -> None: ...
    async def close_thread(self, thread_id: int) -> None: ...
    async def history(self, channel_id: int, after: int) -> Sequence[HistoryMessage]: ...
    async def tell_organisers(self, guild_id: int, notice: Notice) -> None: ...

    # Blind answers (bot/daily/blind.py).
    async def thread_of(self, channel_id: int, message_id: int) -> int | None:
        """The thread Discord has under a message, if any."""
        ...

    async def send_answer_part(self, channel_id: int, part: AnswerPart, nonce: str) -> int: ...
    async def find_sent(
        self, channel_id: int, after: int, nonce: str, *, own_thread: bool
    ) -> int | None:
        """The bot's message sent with ``nonce`` after message ``after``, if Discord took it.
        Where no message shows a nonce any more and ``own_thread`` (only the bot's sends in
        order go there), the bot's first message after ``after``."""
        ...

    # Thread-mode answers given with the Answer button (bot/daily/buttons.py).
    async def send_button_answer(self, channel_id: int, answer: ButtonPost, nonce: str) -> int: ...
    async def button_answers_in(self, channel_id: int, after: int) -> dict[int, int]:
        """answer id -> message id of the button answers the bot posted after ``after``."""
        ...


# Discord's clock and ours may disagree a little: look a bit before the claim.
CLOCK_SLACK = timedelta(minutes=5)


DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_at(when: datetime) -> int:
    """The smallest snowflake Discord could give a message made at ``when``."""
    return max(0, int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


def search_from(claimed_at: datetime | None) -> datetime | None:
    """Where to start looking for something sent after a claim made at ``claimed_at``."""
    return claimed_at - CLOCK_SLACK if claimed_at is not None else None


def topic_name(bank: Bank, topic: str) -> str:
    return bank.topics[topic].name if topic in bank.topics else topic


def marker_for(local_date: str) -> str:
    return f"Daily question · {local_date}"


def reveal_marker_for(local_date: str) -> str:
    return f"Reveal · {local_date}"


def nonce_for(guild_id: int, local_date: str, what: str = "post") -> str:
    # Discord caps nonces at 25 characters; a hash keeps them short and unique per slot.
    return hashlib.sha1(f"{what}:{guild_id}:{local_date}".encode()).hexdigest()[:25]


def thread_name(local_date: str, topic_name: str) -> str:
    return f"{local_date} · {topic_name}"[:100]
