"""The digest's rules without a store: most improved, the hardest question, the chart line."""

from __future__ import annotations

from bot.digest.rules import Hardest, hardest, most_improved, sparkline


def test_most_improved_is_the_largest_gain_and_new_members_gain_all_they_scored() -> None:
    assert most_improved([(1, 40), (2, 30), (3, 12)], [(1, 38), (2, 5)]) == (2, 25)
    assert most_improved([(4, 13)], []) == (4, 13)  # new this week
    assert most_improved([(1, 10), (2, 10)], [(1, 0), (2, 0)]) == (1, 10)  # tie: lower id
    assert most_improved([(1, 10)], [(1, 30)]) is None  # nobody gained


def test_the_hardest_question_has_the_lowest_mean_grade_and_unknown_ones_are_skipped() -> None:
    prompts = {"a": "A?", "b": "B?"}
    grades = [("a", 3), ("a", 4), ("b", 1), ("b", 2), ("gone", 1)]
    assert hardest(grades, prompts) == Hardest("b", "B?", 1.5, 2)
    assert hardest([("gone", 1)], prompts) is None
    # A tie on the mean goes to the question more members graded.
    assert hardest([("a", 2), ("b", 2), ("b", 2)], prompts) == Hardest("b", "B?", 2.0, 2)


def test_sparkline_scales_to_the_busiest_day() -> None:
    assert sparkline([0, 1, 2, 4, 8, 0, 0]) == "▁▂▃▅█▁▁"
    assert sparkline([0] * 7) == "▁" * 7
