"""`drillbot content stats`: questions per topic by difficulty, interview round and signal."""

from __future__ import annotations

from collections import Counter

from bot.bank.index import Bank
from bot.bank.models import DIFFICULTIES, ROUNDS, SIGNALS, Question

# Short column heads so one row per topic fits a terminal.
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


def _row(questions: list[Question]) -> list[int]:
    levels = Counter(q.difficulty for q in questions)
    rounds = Counter(r for q in questions for r in q.rounds)
    signals = Counter(s for q in questions for s in q.signals)
    return [
        *(levels[d] for d in DIFFICULTIES),
        len(questions),
        *(rounds[r] for r in ROUNDS),
        *(signals[s] for s in SIGNALS),
        sum(1 for q in questions if q.solution is not None),
    ]


def stats_table(bank: Bank) -> str:
    """One row per topic and a last row 'all': difficulties, total, rounds, signals and
    worked solutions. Rounds and signals overlap (a question may fit several)."""
    heads = [
        *DIFFICULTIES,
        "total",
        *(_ROUND_HEADS[r] for r in ROUNDS),
        *(_SIGNAL_HEADS[s] for s in SIGNALS),
        "solved",
    ]
    header = f"{'topic':<12} {'name':<30} " + " ".join(f"{h:>6}" for h in heads)
    lines = [header, "-" * len(header)]
    for slug in sorted(bank.topics):
        row = _row(bank.by_topic(slug))
        name = bank.topics[slug].name[:30]
        lines.append(f"{slug:<12} {name:<30} " + " ".join(f"{n:>6}" for n in row))
    total = _row(list(bank.questions.values()))
    lines.append(f"{'all':<12} {'':<30} " + " ".join(f"{n:>6}" for n in total))
    return "\n".join(lines)
