"""bot/practice/srs.py: the fsrs wrapper, without Discord or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Rating, State

from bot.practice import srs

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def test_grades_map_one_to_one_onto_fsrs_ratings() -> None:
    assert srs.GRADES == {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
    assert [srs.rating(g) for g in (1, 2, 3, 4)] == [
        Rating.Again,
        Rating.Hard,
        Rating.Good,
        Rating.Easy,
    ]
    with pytest.raises(ValueError):
        srs.rating(5)


def test_card_json_round_trips_without_loss() -> None:
    first = srs.review(None, 4, NOW, user_id=1, question_id="q1")
    card = srs.from_json(first.card_json)
    assert srs.to_json(card) == first.card_json
    assert card.card_id == srs.card_id(1, "q1")
    assert card.state == State.Review and card.due == first.due


def test_easier_grades_push_the_next_review_further() -> None:
    dues = [srs.review(None, g, NOW, user_id=1, question_id="q1").due for g in (1, 2, 3, 4)]
    assert dues == sorted(dues) and len(set(dues)) == 4
    assert dues[0] - NOW == timedelta(minutes=1)  # Again: first learning step
    assert dues[3] - NOW >= timedelta(days=1)  # Easy graduates straight to review


def test_a_reviewed_card_grows_its_interval_when_recalled() -> None:
    easy = srs.review(None, 4, NOW, user_id=1, question_id="q1")
    later = easy.due
    again = srs.review(easy.card_json, 4, later, user_id=1, question_id="q1")
    assert again.due - later > easy.due - NOW


def test_same_inputs_give_the_same_schedule() -> None:
    one = srs.review(None, 3, NOW, user_id=7, question_id="x")
    two = srs.review(None, 3, NOW, user_id=7, question_id="x")
    assert one == two


def test_non_utc_zero_offset_times_are_accepted_and_naive_ones_refused() -> None:
    plus_zero = NOW.astimezone(timezone(timedelta(0), "Z"))
    assert srs.review(None, 3, plus_zero, user_id=1, question_id="q").due.tzinfo == UTC
    with pytest.raises(ValueError):
        srs.review(None, 3, NOW.replace(tzinfo=None), user_id=1, question_id="q")
