"""The group's gap report: where the server answers least and grades itself lowest.

Definitions (also in docs/commands.md):
- The window is the last N weeks: daily posts whose local date is within the last 7*N days
  (today included) and self-grades given in that time.
- Active members: everyone who answered at least one daily question in the window.
- Answer rate of an area (a topic, or one of the five interview signals): answers to the area's
  posts / (area's posts x active members). A member answering twice counts once.
- Self-grade of an area: the mean of the self-grades (1 Again ... 4 Easy), daily and practice,
  given in the window on questions of that area.
- Weakness: the mean of (1 - answer rate) and (4 - grade) / 3, of whichever is known; the three
  weakest areas are named. Members hidden from the boards count in the figures (nobody can be
  picked out of a rate) but are never named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot import schedule
from bot.bank import Bank
from bot.bank.catalog import Catalog
from bot.bank.models import SIGNALS
from bot.clock import Clock
from bot.errors import DrillError
from bot.storage import Store
from bot.storage.gaps import GapHistory

DEFAULT_WEEKS = 4
MAX_WEEKS = 52
WEAKEST = 3
HELPER_GRADE = 3.0  # a member named as someone to ask grades themselves Good or better here
SIGNAL_NAMES = {
    "production-mindset": "Production mindset",
    "infrastructure": "Infrastructure",
    "ml-ops": "MLOps",
    "automation": "Automation",
    "cost": "Cost",
}


@dataclass(frozen=True, slots=True)
class Area:
    kind: str  # "topic" | "signal"
    key: str
    name: str
    posts: int
    answers: int
    rate: float | None  # 0..1, None without posts or active members
    grade: float | None  # 1..4, None without self-grades
    graded: int
    weakness: float | None  # 0 (strong) .. 1 (weak)
    ask: int | None = None  # a member (never a hidden one) who grades themselves well here


@dataclass(frozen=True, slots=True)
class GapReport:
    weeks: int
    since: date
    until: date
    members: int
    posts: int
    topics: tuple[Area, ...]
    signals: tuple[Area, ...]
    weakest: tuple[Area, ...]
    focus: str


def weakness(rate: float | None, grade: float | None) -> float | None:
    parts = [1 - rate] if rate is not None else []
    if grade is not None:
        parts.append((4 - grade) / 3)
    return sum(parts) / len(parts) if parts else None


def build_report(
    history: GapHistory,
    bank: Bank,
    enabled_topics: Iterable[str],
    weeks: int,
    until: date,
) -> GapReport:
    """Pure: the report from a window's history."""
    topic_of = {p.post_id: p.topic for p in history.posts}
    question_of = {p.post_id: p.question_id for p in history.posts}
    members = {user for _post, user in history.answers}

    def signals_of(question_id: str) -> tuple[str, ...]:
        question = bank.questions.get(question_id)
        return question.signals if question else ()

    def topic_of_question(question_id: str) -> str | None:
        question = bank.questions.get(question_id)
        return question.topic if question else None

    posts: dict[str, int] = defaultdict(int)
    answers: dict[str, int] = defaultdict(int)
    for p in history.posts:
        for key in (f"t:{p.topic}", *(f"s:{s}" for s in signals_of(p.question_id))):
            posts[key] += 1
    per_member: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for post_id, _user in history.answers:
        for key in (
            f"t:{topic_of[post_id]}",
            *(f"s:{s}" for s in signals_of(question_of[post_id])),
        ):
            answers[key] += 1
    for g in history.grades:
        topic = topic_of_question(g.question_id)
        keys = [f"t:{topic}"] if topic else []
        for key in (*keys, *(f"s:{s}" for s in signals_of(g.question_id))):
            per_member[key][g.user_id].append(g.grade)

    def area(kind: str, key: str, name: str) -> Area:
        full = f"{kind[0]}:{key}"
        n_posts = posts.get(full, 0)
        rate = answers.get(full, 0) / (n_posts * len(members)) if n_posts and members else None
        grades = [x for values in per_member.get(full, {}).values() for x in values]
        grade = sum(grades) / len(grades) if grades else None
        return Area(
            kind,
            key,
            name,
            n_posts,
            answers.get(full, 0),
            rate,
            grade,
            len(grades),
            weakness(rate, grade),
            _helper(per_member.get(full, {}), history.hidden),
        )

    shown = set(enabled_topics) | {p.topic for p in history.posts}
    topics = tuple(
        area("topic", slug, bank.topics[slug].name if slug in bank.topics else slug)
        for slug in sorted(shown, key=lambda s: bank.topics[s].name if s in bank.topics else s)
    )
    signals = tuple(area("signal", s, SIGNAL_NAMES.get(s, s)) for s in SIGNALS)
    # An area with weakness 0 (everyone answered, or all graded Easy) is not named as weak.
    ranked = sorted((a for a in (*topics, *signals) if a.weakness), key=_rank)
    return GapReport(
        weeks=weeks,
        since=window_start(until, weeks),
        until=until,
        members=len(members),
        posts=len(history.posts),
        topics=topics,
        signals=signals,
        weakest=tuple(ranked[:WEAKEST]),
        focus=suggest_focus(topics, signals),
    )


def _rank(area: Area) -> tuple[float, bool, int, str]:
    """Weakest first; on a tie (to float noise) a topic before a signal, then more posts."""
    return (-round(area.weakness or 0.0, 6), area.kind != "topic", -area.posts, area.name)


def _helper(grades: Mapping[int, list[int]], hidden: frozenset[int]) -> int | None:
    """The visible member with the best mean self-grade here (Good or better), most grades
    breaking ties, then the smaller id."""
    best = sorted(
        (
            (-sum(values) / len(values), -len(values), user)
            for user, values in grades.items()
            if user not in hidden and sum(values) / len(values) >= HELPER_GRADE
        )
    )
    return best[0][2] if best else None


def suggest_focus(topics: Iterable[Area], signals: Iterable[Area]) -> str:
    weak_topics = sorted((a for a in topics if a.weakness), key=_rank)
    weak_signals = sorted((a for a in signals if a.weakness), key=_rank)
    if not weak_topics:
        return "No weak topic in this window (or too few answers): keep the daily going."
    text = f"Next week, favour **{weak_topics[0].name}**"
    if weak_signals:
        text += f", and questions that test **{weak_signals[0].name}**"
    return text + ". `/drill setup focus:auto` lets the daily rotation do this for you."


def window_start(until: date, weeks: int) -> date:
    return until - timedelta(days=7 * weeks - 1)


async def topic_weakness(
    store: Store, bank: Bank, guild_id: int, until: date, weeks: int = DEFAULT_WEEKS
) -> dict[str, float]:
    """focus:auto's input: each topic's weakness over the weeks up to ``until`` (the day being
    chosen for), from the same figures as /drill gaps. Topics without figures are left out."""
    since = window_start(until, weeks)
    history = await store.gaps.history(
        guild_id, since.isoformat(), datetime.combine(since, time(), UTC)
    )
    report = build_report(history, bank, bank.topics, weeks, until)
    return {a.key: a.weakness for a in report.topics if a.weakness is not None}


class GapService:
    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock

    async def report(self, guild_id: int, weeks: int = DEFAULT_WEEKS) -> GapReport:
        if not 1 <= weeks <= MAX_WEEKS:
            raise DrillError(f"Choose between 1 and {MAX_WEEKS} weeks.")
        settings = await self.store.guilds.get_or_default(guild_id)
        now = self.clock.now()
        until = schedule.local_date(settings, now)
        since = window_start(until, weeks)
        history = await self.store.gaps.history(
            guild_id, since.isoformat(), now - timedelta(days=7 * weeks)
        )
        bank = await self.catalog.for_guild(guild_id)
        disabled = await self.store.guilds.disabled_topics(guild_id)
        enabled = [slug for slug in bank.topics if slug not in disabled]
        return build_report(history, bank, enabled, weeks, until)
