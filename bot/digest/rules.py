"""What goes into a weekly digest, from the week's figures: pure functions, no store, no Discord.

Hidden members never appear: every list handed in here comes from reads that leave them out.
Each list is bounded (5 leaders, 5 streaks), so a digest fits Discord's limits however large the
group is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TOP = 5
STREAKS = 5
SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Hardest:
    question_id: str
    prompt: str
    grade: float  # mean self-grade, 1 (Again) .. 4 (Easy)
    graded: int


@dataclass(frozen=True, slots=True)
class Digest:
    week: str  # ISO date of the first day of the week it covers
    until: str  # ISO date of its last day
    posts: int
    answers: int
    per_day: tuple[int, ...]  # members answering, each day of the week
    top: tuple[tuple[int, int], ...]  # (member, points), best first
    improved: tuple[int, int] | None  # (member, points gained on the week before)
    streaks: tuple[tuple[int, int], ...]  # (member, streak), longest first
    hardest: Hardest | None
    weakest: str | None  # the group's weakest topic (gap report), its name
    focus: str | None  # next week's suggested focus: a topic slug for /quiz


def most_improved(
    this_week: Iterable[tuple[int, int]], week_before: Iterable[tuple[int, int]]
) -> tuple[int, int] | None:
    """The member with the largest gain in points over the week before (new members gain all
    they scored); None if nobody gained. Ties go to the member with more points."""
    before = dict(week_before)
    gains = [(points - before.get(user, 0), points, -user, user) for user, points in this_week]
    best = max(gains, default=None)
    return (best[3], best[0]) if best and best[0] > 0 else None


def hardest(grades: Iterable[tuple[str, int]], prompts: dict[str, str]) -> Hardest | None:
    """The question the group graded itself lowest on (mean self-grade; ties: more grades,
    then the id). Questions no longer in the bank are skipped."""
    by_question: dict[str, list[int]] = defaultdict(list)
    for question_id, grade in grades:
        if question_id in prompts:
            by_question[question_id].append(grade)
    if not by_question:
        return None
    qid, given = min(
        by_question.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), -len(kv[1]), kv[0])
    )
    return Hardest(qid, prompts[qid], sum(given) / len(given), len(given))


def sparkline(values: Sequence[int]) -> str:
    """A one-line bar chart: one block a value, scaled to the largest."""
    top = max(values, default=0)
    if top == 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[round(v / top * (len(SPARK) - 1))] for v in values)
