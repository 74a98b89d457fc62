"""What practice steps return, the per-member cooldown, and the refusals for repeated presses.

Split from bot/practice/quiz.py (the service) so each file stays readable; bot.practice.quiz
re-exports these.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.bank import Question, Topic
from bot.errors import WHEN, DrillError
from bot.practice import srs
from bot.storage import QuizSession

MAX_ANSWER = 4000  # Discord's limit for a modal text input
MAX_REPORT_DETAIL = 1000
SESSION_TTL = timedelta(hours=24)
REPORT_REASONS = ("wrong", "unclear", "outdated")


@dataclass(frozen=True, slots=True)
class Shown:
    """A question on screen, tied to its session."""

    session: QuizSession
    question: Question
    topic: Topic


@dataclass(frozen=True, slots=True)
class Revealed:
    """The notes after an answer (``answer`` set) or instead of one (``answer`` None)."""

    session: QuizSession
    question: Question
    topic: Topic
    answer: str | None


@dataclass(frozen=True, slots=True)
class Graded:
    session: QuizSession
    question: Question
    grade: int
    due: datetime

    @property
    def grade_name(self) -> str:
        return srs.grade_name(self.grade)


class AlreadyDone(DrillError):
    """A second press found the first one's work done: told, and nothing changed."""


def already_done(session: QuizSession) -> AlreadyDone:
    """What a repeated or crossing press is told, from where the session ended up."""
    if session.state == "graded":
        return AlreadyDone(f"You already graded this one ({srs.grade_name(session.grade or 3)}).")
    if session.state == "skipped":
        return AlreadyDone("You skipped this question; run /quiz for another.")
    if session.state in ("answered", "revealed") and session.notes_only:
        return AlreadyDone("You already showed the notes for this one; grade yourself instead.")
    if session.state in ("answered", "revealed"):
        return AlreadyDone("You already answered this one; grade yourself instead.")
    return AlreadyDone("Answer the question or show the notes before grading yourself.")


class Cooldown:
    """A sliding window per member (``rate`` new questions per ``per``), on the injected clock.

    Kept in memory on purpose: a restart forgiving a burst is harmless, and the daily
    self-grades (which also create sessions) must not count against practice. ``take`` checks
    and records in one step (no await between), so two commands at once cannot both slip in.
    """

    def __init__(self, rate: int = 4, per: timedelta = timedelta(seconds=60)) -> None:
        self.rate, self.per = rate, per
        self._hits: dict[int, deque[datetime]] = {}

    def retry_after(self, user_id: int, now: datetime) -> float:
        """Seconds to wait, 0 when allowed. Does not record a use."""
        hits = self._hits.get(user_id)
        if not hits:
            return 0.0
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) < self.rate:
            return 0.0
        return (hits[0] + self.per - now).total_seconds()

    def hit(self, user_id: int, now: datetime) -> None:
        self._hits.setdefault(user_id, deque()).append(now)

    def take(self, user_id: int, now: datetime) -> None:
        """Record a use now, or refuse with how long to wait."""
        wait = self.retry_after(user_id, now)
        if wait > 0:
            seconds = max(1, round(wait))
            raise DrillError(
                f"Slow down: that's {self.rate} questions in {int(self.per.total_seconds())}s. "
                f"Try again in {seconds}s ({WHEN}).",
                when=now + timedelta(seconds=seconds),
            )
        self.hit(user_id, now)

    def give_back(self, user_id: int, now: datetime) -> None:
        """Undo ``take`` when nothing was shown after all (unknown topic, nothing due)."""
        hits = self._hits.get(user_id)
        if hits and now in hits:
            hits.remove(now)


def parse_reason(text: str) -> str:
    """Free text to wrong/unclear/outdated (a prefix such as 'out' is enough), else 'other'."""
    word = text.strip().casefold()
    for reason in REPORT_REASONS:
        if word and (reason.startswith(word) or word.startswith(reason)):
            return reason
    return "other"
