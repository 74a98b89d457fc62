"""Pair mode in the core, on both backends: one accept out of two at once, expiry, one rating."""

from __future__ import annotations

import asyncio

import pytest

from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.errors import DrillError
from bot.mock import MockService, PairService
from bot.storage import Store
from tests.mock.helpers import make_bank


@pytest.fixture
def pairs(store: Store, clock: FakeClock) -> PairService:
    mock = MockService(store.mock, Catalog(make_bank(), store), clock)
    return PairService(store.mock_pairs, mock, clock)


async def test_two_accepts_at_once_accept_once_and_a_late_one_is_refused(
    pairs: PairService, clock: FakeClock
) -> None:
    pair = await pairs.invite(1, 10, 7, 8, False, "behavioural")
    with pytest.raises(DrillError, match="waiting already"):
        await pairs.invite(1, 10, 7, 9, False, "coding")
    results = await asyncio.gather(
        pairs.answer_invite(pair.id, 8, True),
        pairs.answer_invite(pair.id, 8, True),
        return_exceptions=True,
    )
    assert sum(isinstance(r, DrillError) for r in results) == 1
    late = await pairs.invite(1, 10, 7, 8, False, "coding")  # accepted frees the inviter
    clock.advance(minutes=10)
    with pytest.raises(DrillError, match="expired"):
        await pairs.answer_invite(late.id, 8, True)
    assert (await pairs.repo.get(late.id)).state == "expired"  # type: ignore[union-attr]


async def test_the_interviewer_rates_once_and_swap_waits_for_the_round(
    pairs: PairService,
) -> None:
    pair = await pairs.answer_invite(
        (await pairs.invite(1, 10, 7, 8, False, "behavioural")).id, 8, True
    )
    step = await pairs.begin(pair, 7, thread_id=99)
    with pytest.raises(DrillError, match="Finish this round first"):
        await pairs.swap(pair.id, 8)
    with pytest.raises(DrillError, match="not answered every question"):
        await pairs.rate(pair.id, step.session_id, 8, {})
    await pairs.mock.answer(step.session_id, 7, 0, 0, "A story")
    given = {"production-mindset": "3", "ml-ops": "2", "infrastructure": "4"}
    with pytest.raises(DrillError, match="Only the interviewer"):
        await pairs.rate(pair.id, step.session_id, 7, given)
    results = await asyncio.gather(
        pairs.rate(pair.id, step.session_id, 8, given),
        pairs.rate(pair.id, step.session_id, 8, given),
        return_exceptions=True,
    )
    assert sum(isinstance(r, DrillError) for r in results) == 1
    with pytest.raises(DrillError, match="one line of at most"):
        await pairs.feedback(step.session_id, 8, "x" * 301)
    assert await pairs.feedback(step.session_id, 8, "  Lead with\nthe impact ") == (
        "Lead with the impact"
    )
    with pytest.raises(DrillError, match="given already"):
        await pairs.feedback(step.session_id, 8, "again")
    ratings = (await pairs.mock.repo.ratings([step.session_id]))[step.session_id]
    assert ratings[("partner", "ml-ops")] == 2
    await pairs.mock.rate(step.session_id, 7, given)
    swapped, turn = await pairs.swap(pair.id, 8)
    assert swapped.candidate_id == 8 and swapped.thread_id == 99
    with pytest.raises(DrillError):
        await pairs.swap(pair.id, 7)  # the new round is open: nothing more starts
    await pairs.end(pair.id, 7)
    assert (await pairs.mock.repo.session(turn.session_id)).state == "abandoned"  # type: ignore[union-attr]


async def test_a_round_that_is_not_this_pairs_cannot_be_rated_through_it(
    pairs: PairService,
) -> None:
    """A crafted rating button: a pair's id with the id of a round both members know of but
    that the pair never ran (the candidate's solo mock). Both are members and the presser is
    not the candidate, so only the pair's own list of rounds refuses it."""
    pair = await pairs.answer_invite(
        (await pairs.invite(1, 10, 7, 8, False, "behavioural")).id, 8, True
    )
    solo = await pairs.mock.start(1, 7, "behavioural")  # the candidate's own, before the pair's
    await pairs.mock.answer(solo.session_id, 7, 0, 0, "A story of my own")
    await pairs.mock.abandon(solo.session_id, 7)
    await pairs.begin(pair, 7, thread_id=99)
    given = {"production-mindset": "3", "ml-ops": "2", "infrastructure": "4"}
    with pytest.raises(DrillError, match="Only the interviewer"):
        await pairs.interviewed(pair.id, solo.session_id, 8)
    with pytest.raises(DrillError, match="Only the interviewer"):
        await pairs.rate(pair.id, solo.session_id, 8, given)
    assert (await pairs.mock.repo.ratings([solo.session_id])).get(solo.session_id, {}) == {}
