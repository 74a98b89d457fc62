"""The second edition of the shipped bank: every question carries red flags, rounds, signals and a
review month; hands-on questions carry worked solutions that parse or run; no overlap across
topics; nothing copied from the public guides the bank grew from."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from bot.bank import Bank, default_content_dir, load_bank
from bot.bank.checks import solution_findings, stale_findings
from bot.bank.freshness import question_text, source_findings
from bot.bank.overlap import pairs

MIN_SOLUTIONS = 40
# The public pages the bank grew from sit beside the project (../shared/seeds), not in it.
SEEDS = Path(
    os.environ.get("DRILLBOT_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds")
)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([default_content_dir()])


def test_every_question_has_the_second_edition_fields(bank: Bank) -> None:
    missing = [
        q.id for q in bank.questions.values()
        if not (q.red_flags and q.rounds and q.signals and q.reviewed)
    ]  # fmt: skip
    assert missing == []


def test_enough_hands_on_questions_carry_a_worked_solution(bank: Bank) -> None:
    solved = [q for q in bank.questions.values() if q.solution is not None]
    assert len(solved) >= MIN_SOLUTIONS
    assert {q.solution.language for q in solved if q.solution} >= {"python", "yaml", "sql"}


def test_every_worked_solution_parses_or_runs(bank: Bank) -> None:
    assert [str(f) for f in solution_findings(bank.questions.values())] == []


def test_no_fact_is_older_than_a_year(bank: Bank) -> None:
    assert [str(f) for f in stale_findings(bank.questions.values(), date(2026, 12, 1))] == []


def test_no_source_was_checked_more_than_a_year_ago(bank: Bank) -> None:
    assert [str(f) for f in source_findings(bank.questions.values(), date(2026, 12, 1))] == []


def test_every_round_and_signal_has_questions(bank: Bank) -> None:
    from bot.bank.models import ROUNDS, SIGNALS

    for name in ROUNDS:
        assert sum(name in q.rounds for q in bank.questions.values()) >= 12, name
    for name in SIGNALS:
        assert sum(name in q.signals for q in bank.questions.values()) >= 12, name


def test_no_question_repeats_another_topic_in_other_words(bank: Bank) -> None:
    close = [(p.first, p.second, round(p.key_points, 1), round(p.words, 3))
             for p in pairs(bank.questions.values(), close_only=True)]  # fmt: skip
    assert close == []


def _runs(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.casefold())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"the seed pages are not beside the project ({SEEDS})"
)
def test_no_run_of_six_words_is_copied_from_the_seed_pages(bank: Bank) -> None:
    seeds: set[tuple[str, ...]] = set()
    for page in SEEDS.glob("*.txt"):
        seeds |= _runs(page.read_text(encoding="utf-8", errors="replace"))
    copied = {}
    for q in bank.questions.values():
        text = question_text(q)  # the third edition's levels and model answers too
        if hits := _runs(text) & seeds:
            copied[q.id] = " ".join(sorted(hits)[0])
    assert copied == {}
