"""A small hand-made bank whose questions carry interview rounds, for the mock scenarios."""

from __future__ import annotations

from bot.bank import Bank, Question
from bot.bank.models import Topic

TOPICS = ("python", "cicd", "serving", "monitoring", "design", "behavioural")


def q(qid: str, topic: str, rounds: tuple[str, ...], follow_ups: tuple[str, ...] = ()) -> Question:
    return Question(
        qid, topic, "medium", "technical", f"Prompt of {qid}?", f"Testing {qid}.",
        (f"{qid} point one", f"{qid} point two", f"{qid} point three"), follow_ups,
        red_flags=(f"{qid} flag one", f"{qid} flag two"), rounds=rounds,
        signals=("production-mindset",), reviewed="2026-12",
    )  # fmt: skip


def make_bank() -> Bank:
    bank = Bank()
    for slug in TOPICS:
        bank.topics[slug] = Topic(slug, slug.title())
    questions = [
        q("python-1", "python", ("phone-screen", "coding"), ("Why?", "What else?", "Third?")),
        q("python-2", "python", ("phone-screen",)),
        q("cicd-1", "cicd", ("phone-screen",), ("How would you test it?",)),
        q("cicd-2", "cicd", ("phone-screen", "coding")),
        q("serving-1", "serving", ("phone-screen", "system-design")),
        q("monitoring-1", "monitoring", ("phone-screen", "ml-deep-dive")),
        q("design-1", "design", ("system-design",)),
        q("behavioural-1", "behavioural", ("behavioural",)),
    ]
    bank.questions.update({x.id: x for x in questions})
    return bank
