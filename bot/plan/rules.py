"""A personal study plan before an interview (issue 15), as pure functions.

The public guides on the role suggest three weeks: deployment and CI/CD first, then monitoring
and infrastructure, then data and practice with two full mock interviews. A plan keeps that
order and compresses or stretches it to the days left: each day names two topics of its phase,
how many /quiz and /review questions to do, and on some days a mock round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import DrillError


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    topics: tuple[str, ...]


PHASES = (
    Phase("Deployment and CI/CD", ("cicd", "serving", "containers", "python")),
    Phase("Monitoring and infrastructure", ("monitoring", "iac", "cloud", "pipelines", "security")),
    Phase("Data and practice", ("data", "features", "ml", "design", "llmops", "behavioural")),
)
MOCK_ROUNDS = ("phone-screen", "system-design", "coding", "ml-deep-dive", "behavioural")
MIN_DAYS, MAX_DAYS = 3, 120
DEFAULT_WEEKS = 3
MAX_WEEKS = MAX_DAYS // 7  # the command's bound, checked again here
QUIZ_PER_DAY, REVIEW_PER_DAY = 3, 5


@dataclass(frozen=True, slots=True)
class PlanDay:
    day: date
    number: int  # 1-based
    phase: str
    topics: tuple[str, ...]
    quiz: int
    review: int
    mock: str | None


def study_days(today: date, interview: date | None, weeks: int | None) -> tuple[date, date]:
    """(first day, interview day): the plan runs up to the day before the interview."""
    if interview is not None and weeks is not None:
        raise DrillError("Give an interview date or a number of weeks, not both.")
    if weeks is not None and not 1 <= weeks <= MAX_WEEKS:
        # A client can send any integer (2**62 overflowed the date): refuse it in a sentence.
        raise DrillError(f"Plans run 1 to {MAX_WEEKS} weeks; pick a number in that range.")
    if interview is None:
        interview = today + timedelta(weeks=weeks or DEFAULT_WEEKS)
    days = (interview - today).days
    if days < MIN_DAYS:
        raise DrillError(f"A plan needs at least {MIN_DAYS} days before the interview.")
    if days > MAX_DAYS:
        raise DrillError(f"Plans run up to {MAX_DAYS} days; pick a nearer date or fewer weeks.")
    return today, interview


def _phase_sizes(days: int) -> list[int]:
    """Three near-equal parts, the spare days going to practice first, then to monitoring."""
    base, spare = divmod(days, 3)
    sizes = [base, base, base]
    for i in range(spare):
        sizes[2 - i] += 1
    return sizes


def _mock_days(days: int, sizes: Sequence[int]) -> list[int]:
    """0-based days with a mock round: two in the practice phase (its middle and its last day),
    and one a week in the first two phases when the plan is longer than three weeks."""
    practice_start = sizes[0] + sizes[1]
    chosen = {practice_start + (sizes[2] - 1) // 2, days - 1}
    chosen |= {d for d in range(6, practice_start, 7)} if days > 21 else set()
    return sorted(chosen)


def build_plan(first: date, interview: date, available: Iterable[str]) -> list[PlanDay]:
    """Day-by-day items from ``first`` to the day before ``interview``. Topics switched off in
    the member's server are left out; a phase left with none borrows all available topics."""
    have = set(available)
    days = (interview - first).days
    sizes = _phase_sizes(days)
    mocks = {d: MOCK_ROUNDS[n % len(MOCK_ROUNDS)] for n, d in enumerate(_mock_days(days, sizes))}
    out: list[PlanDay] = []
    index = 0
    for phase, size in zip(PHASES, sizes, strict=True):
        topics = [t for t in phase.topics if t in have] or sorted(have)
        for k in range(size):
            pair = tuple(dict.fromkeys(topics[(2 * k + j) % len(topics)] for j in range(2)))
            out.append(
                PlanDay(
                    first + timedelta(days=index), index + 1, phase.name, pair,
                    QUIZ_PER_DAY, REVIEW_PER_DAY, mocks.get(index),
                )
            )  # fmt: skip
            index += 1
    return out


@dataclass(frozen=True, slots=True)
class DayDone:
    """What the member did on one day, from the database."""

    quiz_by_topic: dict[str, int]  # /quiz questions answered and daily answers, per topic
    reviews: int
    mocks: tuple[str, ...]  # rounds finished


@dataclass(frozen=True, slots=True)
class DayProgress:
    plan: PlanDay
    quiz_done: int
    review_done: int
    mock_done: bool


def progress(day: PlanDay, done: DayDone) -> DayProgress:
    """Practice on the day's topics counts toward its quiz target; any review counts; the
    planned mock counts when a round of that kind was finished that day."""
    quiz = sum(n for topic, n in done.quiz_by_topic.items() if topic in day.topics)
    return DayProgress(
        day, min(quiz, day.quiz), min(done.reviews, day.review),
        day.mock is not None and day.mock in done.mocks,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Behind:
    quiz: int
    review: int
    mocks: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        return not (self.quiz or self.review or self.mocks)


def behind(past: Iterable[DayProgress]) -> Behind:
    quiz = review = 0
    mocks: list[str] = []
    for p in past:
        quiz += p.plan.quiz - p.quiz_done
        review += p.plan.review - p.review_done
        if p.plan.mock is not None and not p.mock_done:
            mocks.append(p.plan.mock)
    return Behind(quiz, review, tuple(mocks))
