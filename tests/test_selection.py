"""Choosing questions without Discord: no repeats until the bank is used up, topic rotation,
and a reproducible pick for a given seed."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.bank import Question
from bot.bank.selection import NoQuestions, choose_daily, choose_practice, eligible


def q(qid: str, topic: str) -> Question:
    return Question(qid, topic, "medium", "concept", f"Prompt {qid}?", "testing", ("a",))


BANK = [q(f"{t}-{i}", t) for t in ("serving", "data", "cicd") for i in range(4)]


def run_days(candidates: list[Question], days: int, seed: str = "g") -> list[Question]:
    """Choose like the service does: counts and recent topics come from earlier picks."""
    picked: list[Question] = []
    for day in range(days):
        counts = Counter(p.id for p in picked)
        recent = [p.topic for p in reversed(picked)][:14]
        picked.append(choose_daily(candidates, counts, recent, f"{seed}:{day}"))
    return picked


def test_no_question_repeats_until_the_enabled_bank_is_used_up() -> None:
    picked = run_days(BANK, len(BANK))
    assert len({p.id for p in picked}) == len(BANK)
    again = run_days(BANK, 2 * len(BANK))
    assert Counter(p.id for p in again) == Counter({p.id: 2 for p in BANK})


def test_the_same_topic_never_comes_two_days_running_while_others_are_enabled() -> None:
    picked = run_days(BANK, 3 * len(BANK))
    assert all(a.topic != b.topic for a, b in itertools.pairwise(picked))


def test_topics_rotate_through_every_enabled_topic() -> None:
    picked = run_days(BANK, 3)
    assert {p.topic for p in picked} == {"serving", "data", "cicd"}


def test_a_never_asked_topic_comes_before_one_asked_long_ago() -> None:
    candidates = [q("old-1", "old"), q("new-1", "new")]
    recent = ["x"] * 5 + ["old"]
    assert choose_daily(candidates, {}, recent, "s").id == "new-1"


def test_the_same_seed_gives_the_same_pick_whatever_the_input_order() -> None:
    shuffled = list(reversed(BANK))
    picks = {choose_daily(order, {}, [], "guild:2026-03-02").id for order in (BANK, shuffled)}
    assert len(picks) == 1


def test_different_seeds_spread_over_the_pool() -> None:
    picks = {choose_daily(BANK, {}, [], f"guild:{day}").id for day in range(40)}
    assert len(picks) > 3


def test_an_empty_bank_raises_no_questions_with_a_hint() -> None:
    with pytest.raises(NoQuestions, match="/drill topics enable"):
        choose_daily([], {}, [], "s")


def test_eligible_drops_disabled_topics_and_questions() -> None:
    left = eligible(BANK, {"data"}, {"serving-0"})
    assert {x.topic for x in left} == {"serving", "cicd"}
    assert "serving-0" not in {x.id for x in left}
    assert len(left) == len(BANK) - 4 - 1


def test_practice_prefers_unseen_then_due_then_least_seen() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    pool = BANK[:3]
    unseen = choose_practice(pool, {pool[0].id: 1, pool[1].id: 1}, [], now, 1)
    assert unseen.id == pool[2].id
    seen_all = {x.id: 2 for x in pool} | {pool[1].id: 1}
    assert choose_practice(pool, seen_all, [pool[0].id], now, 1).id == pool[0].id
    assert choose_practice(pool, seen_all, [], now, 1).id == pool[1].id


def test_practice_excludes_the_last_question_unless_nothing_else_is_left() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert choose_practice(BANK[:2], {}, [], now, 1, exclude=[BANK[0].id]).id == BANK[1].id
    assert choose_practice(BANK[:1], {}, [], now, 1, exclude=[BANK[0].id]).id == BANK[0].id
