"""The third edition of the shipped bank (issue 26): 800 questions, LLMOps a full track, every
question graded by level, model answers on the hard ones first, 100 worked solutions."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.bank import Bank, default_content_dir, load_bank

MIN_QUESTIONS = 800
MIN_LLMOPS = 120
MIN_MODEL_ANSWERS = 240
MIN_SOLUTIONS = 100


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([default_content_dir()])


def test_the_bank_has_800_questions(bank: Bank) -> None:
    assert len(bank.questions) >= MIN_QUESTIONS


def test_llmops_is_a_full_track(bank: Bank) -> None:
    assert len(bank.by_topic("llmops")) >= MIN_LLMOPS


def test_every_question_says_what_each_level_of_answer_sounds_like(bank: Bank) -> None:
    missing = [q.id for q in bank.questions.values() if q.levels is None]
    assert missing == []


def test_the_three_levels_of_a_question_say_different_things(bank: Bank) -> None:
    same = [
        q.id
        for q in bank.questions.values()
        if q.levels is not None
        and len({q.levels.strong.casefold(), q.levels.hire.casefold(), q.levels.no_hire.casefold()})
        < 3
    ]
    assert same == []


def test_enough_questions_carry_a_model_answer_hard_ones_first(bank: Bank) -> None:
    answered = [q for q in bank.questions.values() if q.model_answer]
    assert len(answered) >= MIN_MODEL_ANSWERS
    by_level = Counter(q.difficulty for q in answered)
    assert by_level["hard"] >= by_level["easy"], by_level


def test_enough_hands_on_questions_carry_a_worked_solution(bank: Bank) -> None:
    solved = [q for q in bank.questions.values() if q.solution is not None]
    assert len(solved) >= MIN_SOLUTIONS
