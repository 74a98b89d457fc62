"""The interview rounds a mock session imitates, and how its questions are chosen.

The loops described by the public guides on the role run four to six rounds: a phone screen
(45-60 min), coding (45-60), system design (45-60), an ML deep dive (45-60) and a behavioural
round (30-45). A mock keeps each round's length and splits it over its questions, leaving a
fifth for the introduction and the candidate's own questions, as a real interviewer would.
Pure functions: no storage, no Discord, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.bank.models import ROUNDS, SIGNALS, Question

NEUTRAL_GRADE = 2.5  # a topic never self-graded counts as neither weak nor strong
MAX_FOLLOW_UPS = 2


@dataclass(frozen=True, slots=True)
class Round:
    slug: str
    name: str
    minutes: int  # the real round's length
    questions: int
    signals: tuple[str, ...]  # what interviewers judge in this round
    about: str

    @property
    def budget_s(self) -> int:
        """Seconds per question (its follow-ups included): four fifths of the round, split
        evenly, rounded to whole minutes."""
        return round(self.minutes * 0.8 / self.questions) * 60


ROUND_LIST = (
    Round("phone-screen", "Phone screen", 50, 5,
          ("production-mindset", "infrastructure", "ml-ops", "automation"),
          "fundamentals, basic coding, DevOps concepts and motivation"),
    Round("coding", "Coding", 55, 4,
          ("infrastructure", "automation", "production-mindset"),
          "Python, Docker and Kubernetes configs, CI/CD and data processing"),
    Round("system-design", "System design", 55, 4, SIGNALS,
          "serving, feature stores and training pipelines, with scale and cost"),
    Round("ml-deep-dive", "ML deep dive", 50, 5,
          ("ml-ops", "production-mindset", "cost", "automation"),
          "drift, evaluation, A/B tests and retraining"),
    Round("behavioural", "Behavioural", 40, 5,
          ("production-mindset", "ml-ops", "infrastructure"),
          "incidents, collaboration and on-call"),
)  # fmt: skip
ROUNDS_BY_SLUG = {r.slug: r for r in ROUND_LIST}
assert tuple(ROUNDS_BY_SLUG) == ROUNDS


def resolve_round(text: str) -> Round | None:
    norm = text.strip().casefold().replace(" ", "-").replace("_", "-")
    aliases = {"phone": "phone-screen", "design": "system-design", "deep-dive": "ml-deep-dive",
               "ml": "ml-deep-dive", "behavioral": "behavioural"}  # fmt: skip
    return ROUNDS_BY_SLUG.get(aliases.get(norm, norm))


def topic_weakness(grades: Iterable[tuple[str, int]]) -> dict[str, float]:
    """Average self-grade (1 Again .. 4 Easy) per topic from (topic, grade) pairs."""
    sums: dict[str, list[int]] = {}
    for topic, grade in grades:
        sums.setdefault(topic, []).append(grade)
    return {topic: sum(g) / len(g) for topic, g in sums.items()}


def _tiebreak(seed: str, qid: str) -> str:
    return hashlib.sha256(f"{seed}:{qid}".encode()).hexdigest()


def choose_questions(
    candidates: Iterable[Question],
    round_: Round,
    weakness: Mapping[str, float],
    recent: Mapping[str, int],
    seed: str,
) -> list[Question]:
    """The round's questions: only those the bank marks for this round; weakest topics first
    (lowest average self-grade), one per topic before any topic repeats; none seen recently
    while the bank allows (``recent`` maps a question id to how many times it was seen, and
    the least seen fill in when too few are fresh)."""
    fitting = [q for q in candidates if round_.slug in q.rounds]
    fresh = [q for q in fitting if q.id not in recent]
    stale = sorted(
        (q for q in fitting if q.id in recent), key=lambda q: (recent[q.id], _tiebreak(seed, q.id))
    )

    def order(pool: list[Question]) -> list[Question]:
        ranked = sorted(
            pool,
            key=lambda q: (weakness.get(q.topic, NEUTRAL_GRADE), _tiebreak(seed, q.id)),
        )
        first: list[Question] = []
        rest: list[Question] = []
        topics: set[str] = set()
        for q in ranked:
            (rest if q.topic in topics else first).append(q)
            topics.add(q.topic)
        return first + rest

    return (order(fresh) + stale)[: round_.questions]


def follow_ups_for(question: Question) -> tuple[str, ...]:
    return question.follow_ups[:MAX_FOLLOW_UPS]
