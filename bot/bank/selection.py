"""Which question comes next: for the daily post and for a member's practice."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bot.bank import Question

UNKNOWN_WEAKNESS = 0.5  # focus:auto: a topic the window has no figures for sits mid-table


class NoQuestions(LookupError):
    """Nothing to ask: every topic disabled, or the filters leave no question."""


def eligible(
    questions: Iterable[Question], disabled_topics: Iterable[str], disabled_questions: Iterable[str]
) -> list[Question]:
    off_topics, off_questions = set(disabled_topics), set(disabled_questions)
    return [q for q in questions if q.topic not in off_topics and q.id not in off_questions]


def choose_daily(
    candidates: Sequence[Question],
    use_counts: Mapping[str, int],
    recent_topics: Sequence[str],
    seed: str,
    weakness: Mapping[str, float] | None = None,
) -> Question:
    """Least-used question first, so nothing repeats until the enabled bank is used up; among
    those, the topic asked longest ago (never asked beats everything), so the same topic does
    not come two days running while others are enabled. ``seed`` (guild and date) makes the
    pick reproducible, which the exactly-once path relies on when it re-chooses after a crash.

    ``weakness`` (focus:auto, topic slug -> 0 strong .. 1 weak, from bot/gaps/service.py): among the
    least-used questions, the weakest topic instead, except yesterday's; a topic without
    figures counts as UNKNOWN_WEAKNESS; ties go to the topic asked longest ago. When only
    yesterday's topic has unused questions left, not repeating a question wins.
    """
    if not candidates:
        raise NoQuestions("no enabled questions: enable a topic with /drill topics enable")
    fewest = min(use_counts.get(q.id, 0) for q in candidates)
    pool = [q for q in candidates if use_counts.get(q.id, 0) == fewest]

    def staleness(topic: str) -> int:
        return recent_topics.index(topic) if topic in recent_topics else len(recent_topics) + 1

    if weakness is not None:
        yesterday = recent_topics[0] if recent_topics else None
        pool = [q for q in pool if q.topic != yesterday] or pool

        def need(topic: str) -> tuple[float, int]:
            return (round(weakness.get(topic, UNKNOWN_WEAKNESS), 6), staleness(topic))

        best_need = max(need(q.topic) for q in pool)
        pool = sorted((q for q in pool if need(q.topic) == best_need), key=lambda q: q.id)
        return random.Random(seed).choice(pool)
    best = max(staleness(q.topic) for q in pool)
    pool = sorted((q for q in pool if staleness(q.topic) == best), key=lambda q: q.id)
    return random.Random(seed).choice(pool)


def choose_practice(
    candidates: Sequence[Question],
    seen: Mapping[str, int],
    due: Sequence[str],
    now: datetime,
    user_id: int,
    exclude: Iterable[str] = (),
) -> Question:
    """Unseen questions first, then those due for review (oldest due first), then the least
    seen. Random within a tier so two members do not march through the bank in step."""
    skip = set(exclude)
    pool = [q for q in candidates if q.id not in skip] or list(candidates)
    if not pool:
        raise NoQuestions("no questions match")
    rng = random.Random(f"{user_id}:{now.isoformat()}")
    unseen = [q for q in pool if q.id not in seen]
    if unseen:
        return rng.choice(sorted(unseen, key=lambda q: q.id))
    by_id = {q.id: q for q in pool}
    for qid in due:
        if qid in by_id:
            return by_id[qid]
    fewest = min(seen.get(q.id, 0) for q in pool)
    return rng.choice(sorted((q for q in pool if seen.get(q.id, 0) == fewest), key=lambda q: q.id))
