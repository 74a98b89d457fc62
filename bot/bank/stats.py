"""`drillbot content stats`: per topic, how many questions and how complete they are (levels,
model answers, worked solutions, sources, retired ids), then interview rounds and signals, then
what every column heading means.

Topics are counted by each question's ``topic``, not by file: a pack may add questions to a
topic another pack defines.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.bank.index import Bank
from bot.bank.models import ROUNDS, SIGNALS, Question

# Short column heads so one row per topic fits a terminal; the legend spells them out.
_ROUND_HEADS = {
    "phone-screen": "phone",
    "coding": "code",
    "system-design": "sysdes",
    "ml-deep-dive": "mldeep",
    "behavioural": "behav",
}
_SIGNAL_HEADS = {
    "production-mindset": "prod",
    "infrastructure": "infra",
    "ml-ops": "mlops",
    "automation": "auto",
    "cost": "cost",
}
COVERAGE_HEADS = ("easy", "medium", "hard", "total", "levels", "answer", "solved", "sourced")
LEGEND = (
    "easy, medium, hard  questions of each difficulty",
    "total    questions in use (retired ids not counted)",
    "levels   questions that say what a strong-hire, hire and no-hire answer sound like",
    "answer   questions with a model answer, as a strong candidate would say it",
    "solved   questions with a worked solution (code, config or SQL)",
    "sourced  questions citing sources for their version-sensitive claims",
    "retired  ids merged into another question; history that points at them still reads",
    "rounds   (a question may fit several): "
    + ", ".join(f"{head} ({name})" for name, head in _ROUND_HEADS.items()),
    "signals  (a question may test several): "
    + ", ".join(f"{head} ({name})" for name, head in _SIGNAL_HEADS.items()),
)
_NUMBERED = re.compile(r"^(?P<topic>[a-z][a-z0-9-]*)-\d+$")


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many questions of a topic (or of the whole bank) carry each kind of content."""

    easy: int = 0
    medium: int = 0
    hard: int = 0
    total: int = 0
    levels: int = 0
    answer: int = 0
    solved: int = 0
    sourced: int = 0
    retired: int = 0

    @classmethod
    def of(cls, questions: Iterable[Question], retired: int = 0) -> Coverage:
        qs = list(questions)
        by = Counter(q.difficulty for q in qs)
        return cls(
            easy=by["easy"],
            medium=by["medium"],
            hard=by["hard"],
            total=len(qs),
            levels=sum(q.levels is not None for q in qs),
            answer=sum(bool(q.model_answer) for q in qs),
            solved=sum(q.solution is not None for q in qs),
            sourced=sum(bool(q.sources) for q in qs),
            retired=retired,
        )

    def cells(self) -> list[int]:
        return [*(getattr(self, h) for h in COVERAGE_HEADS), self.retired]


def retired_topic(bank: Bank, retired_id: str) -> str | None:
    """The topic a retired id belonged to: its ``<topic>-NNN`` prefix, else the topic of the
    question that replaced it."""
    match = _NUMBERED.match(retired_id)
    if match and match.group("topic") in bank.topics:
        return match.group("topic")
    replacement = bank.lookup(retired_id)
    return replacement.topic if replacement else None


def coverage(bank: Bank) -> dict[str, Coverage]:
    """Per topic slug, plus ``"all"`` for the whole bank."""
    retired = Counter(retired_topic(bank, rid) for rid in bank.retired)
    by_topic: dict[str, list[Question]] = {slug: [] for slug in bank.topics}
    for q in bank.questions.values():
        by_topic.setdefault(q.topic, []).append(q)
    out = {slug: Coverage.of(qs, retired[slug]) for slug, qs in sorted(by_topic.items())}
    out["all"] = Coverage.of(bank.questions.values(), len(bank.retired))
    return out


def _table(heads: list[str], rows: list[tuple[list[str], list[int]]], labels: list[str]) -> str:
    widths = [max(len(labels[i]), *(len(r[0][i]) for r in rows)) for i in range(len(labels))]
    # Each number column as wide as its heading or its widest number, whichever is wider.
    cols = [max(len(h), *(len(str(r[1][i])) for r in rows)) for i, h in enumerate(heads)]

    def line(texts: list[str], numbers: list[str]) -> str:
        left = " ".join(t.ljust(w) for t, w in zip(texts, widths, strict=True))
        right = " ".join(n.rjust(w) for n, w in zip(numbers, cols, strict=True))
        return f"{left}  {right}".rstrip()

    header = line(labels, heads)
    body = [line(texts, [str(n) for n in numbers]) for texts, numbers in rows]
    return "\n".join([header, "-" * len(header), *body[:-1], "-" * len(header), body[-1]])


def stats_table(bank: Bank) -> str:
    """Two tables (coverage; rounds and signals), one row per topic and a last row 'all', then
    a legend. Topic names are printed in full."""
    per = coverage(bank)
    slugs = [s for s in per if s != "all"]
    name = {s: bank.topics[s].name if s in bank.topics else "" for s in slugs}
    first = _table(
        [*COVERAGE_HEADS, "retired"],
        [([s, name[s]], per[s].cells()) for s in slugs] + [(["all", ""], per["all"].cells())],
        ["topic", "name"],
    )
    questions = {s: bank.by_topic(s) for s in slugs}
    questions["all"] = list(bank.questions.values())

    def fits(qs: list[Question]) -> list[int]:
        rounds = Counter(r for q in qs for r in q.rounds)
        signals = Counter(x for q in qs for x in q.signals)
        return [*(rounds[r] for r in ROUNDS), *(signals[x] for x in SIGNALS)]

    second = _table(
        [*(_ROUND_HEADS[r] for r in ROUNDS), *(_SIGNAL_HEADS[x] for x in SIGNALS)],
        [([s], fits(questions[s])) for s in [*slugs, "all"]],
        ["topic"],
    )
    legend = "\n".join(
        textwrap.fill(
            line, 98, initial_indent="  ", subsequent_indent=" " * 11, break_on_hyphens=False
        )
        for line in LEGEND
    )
    return (
        "Questions per topic\n"
        f"{first}\n\n"
        "Interview rounds and signals per topic\n"
        f"{second}\n\n"
        f"Columns:\n{legend}"
    )
