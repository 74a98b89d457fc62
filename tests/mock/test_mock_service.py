"""Mock rounds in the core: choice of questions, time, follow-ups, ratings, double presses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.errors import DrillError
from bot.mock import ROUNDS_BY_SLUG, MockService, RatingDue, Step, resolve_round
from bot.mock.rounds import choose_questions, topic_weakness
from bot.storage import Store
from tests.mock.helpers import make_bank
from tests.support.sql import sql


@pytest.fixture
def mock(store: Store, clock: FakeClock) -> MockService:
    return MockService(store.mock, Catalog(make_bank(), store), clock)


ROUND = ROUNDS_BY_SLUG["phone-screen"]


def test_rounds_keep_the_real_lengths_and_split_them_per_question() -> None:
    assert ROUND.minutes == 50 and ROUND.questions == 5
    assert ROUND.budget_s == 8 * 60  # four fifths of 50 minutes over 5 questions
    assert ROUNDS_BY_SLUG["behavioural"].minutes <= 45
    assert resolve_round("System Design").slug == "system-design"  # type: ignore[union-attr]
    assert resolve_round("behavioral").slug == "behavioural"  # type: ignore[union-attr]
    assert resolve_round("lunch") is None


def test_weakest_topics_come_first_one_per_topic_before_repeats() -> None:
    bank = make_bank()
    weakness = topic_weakness([("monitoring", 1), ("monitoring", 2), ("python", 4), ("cicd", 3)])
    chosen = choose_questions(bank.questions.values(), ROUND, weakness, {}, "seed")
    assert [x.topic for x in chosen][:4] == ["monitoring", "serving", "cicd", "python"]
    assert len(chosen) == 5  # the fifth repeats a topic only after every topic had one
    assert all("phone-screen" in x.rounds for x in chosen)


def test_recently_seen_questions_are_left_out_while_the_bank_allows() -> None:
    bank = make_bank()
    recent = {"python-1": 1, "cicd-1": 3}
    chosen = choose_questions(bank.questions.values(), ROUND, {}, recent, "seed")
    ids = [x.id for x in chosen]
    assert ids[:4] == sorted(ids[:4], key=lambda i: i in recent) and len(ids) == 5
    assert set(ids[:4]).isdisjoint(recent)
    assert ids[4] == "python-1"  # the least seen fills the last place


async def answer(
    mock: MockService, step: Step | RatingDue, text: str = "An answer"
) -> Step | RatingDue:
    assert isinstance(step, Step)
    return await mock.answer(step.session_id, 7, step.position, step.step, text)


async def test_a_full_round_with_follow_ups_over_time_and_the_summary(
    mock: MockService, store: Store, clock: FakeClock
) -> None:
    await store.practice.db.execute(
        *sql(
            "INSERT INTO quiz_sessions (user_id, question_id, question_version, mode, shown_at,"
            " grade) VALUES (7, 'python-2', '1', 'quiz', ?, 1)",
            (clock.now().isoformat(),),
        ),
    )
    step = await mock.start(1, 7, "phone-screen")
    assert isinstance(step, Step)
    assert step.total == 5 and step.position == 0 and step.step == 0
    assert step.deadline == clock.now() + timedelta(seconds=ROUND.budget_s)
    assert "python-2" not in [step.question.id]  # seen in the last 30 days
    seen = []
    while isinstance(step, Step):
        seen.append((step.question.id, step.step, step.follow_up))
        if step.question.id == "python-1" and step.step == 0:
            clock.advance(minutes=9)  # over its 8-minute budget
        else:
            clock.advance(minutes=1)
        step = await answer(mock, step)
    assert isinstance(step, RatingDue)
    # python-1 has three follow-ups: two are released, one at a time.
    assert [s for s in seen if s[0] == "python-1"] == [
        ("python-1", 0, None), ("python-1", 1, "Why?"), ("python-1", 2, "What else?"),
    ]  # fmt: skip
    summary = await mock.rate(step.session_id, 7, {s: "3" for s in ROUND.signals})
    assert summary.ratings == dict.fromkeys(ROUND.signals, 3)
    by_id = {item.question.id: item for item in summary.items}
    assert by_id["python-1"].over_time is True
    assert by_id["python-1"].used_s == 11 * 60
    assert by_id["cicd-1"].over_time is False
    assert len(by_id["cicd-1"].answers) == 2
    history = await mock.history(7)
    assert [h.session_id for h in history] == [summary.session_id]


async def test_a_double_submit_stores_one_answer_and_tells_the_second(mock: MockService) -> None:
    step = await mock.start(1, 7, "phone-screen")
    assert isinstance(step, Step)
    results = await asyncio.gather(
        answer(mock, step, "first"), answer(mock, step, "second"), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, DrillError)]
    assert len(errors) == 1 and "saved already" in str(errors[0])
    stored = await mock.repo.answers(step.session_id)
    assert [a.content for a in stored] in (["first"], ["second"])


async def test_a_double_press_of_mock_opens_one_round(mock: MockService) -> None:
    results = await asyncio.gather(
        mock.start(1, 7, "coding"), mock.start(1, 7, "coding"), return_exceptions=True
    )
    assert sum(isinstance(r, Step) for r in results) == 1
    assert sum(isinstance(r, DrillError) for r in results) == 1


async def test_ratings_are_given_once_and_must_be_1_to_4(
    mock: MockService, clock: FakeClock
) -> None:
    step: Step | RatingDue = await mock.start(1, 7, "behavioural")
    while isinstance(step, Step):
        step = await answer(mock, step)
    signals = ROUNDS_BY_SLUG["behavioural"].signals
    with pytest.raises(DrillError, match="digit from 1 to 4"):
        await mock.rate(step.session_id, 7, {**dict.fromkeys(signals, "2"), signals[0]: "٣"})
    assert (await mock.repo.session(step.session_id)).state == "rating"  # type: ignore[union-attr]
    results = await asyncio.gather(
        mock.rate(step.session_id, 7, dict.fromkeys(signals, "2")),
        mock.rate(step.session_id, 7, dict.fromkeys(signals, "4")),
        return_exceptions=True,
    )
    assert sum(isinstance(r, DrillError) for r in results) == 1
    profile = await mock.signal_profile(7)
    assert set(profile["self"].values()) in ({2.0}, {4.0})


async def test_a_round_is_private_can_be_abandoned_and_expires(
    mock: MockService, clock: FakeClock
) -> None:
    step = await mock.start(1, 7, "system-design")
    assert isinstance(step, Step)
    with pytest.raises(DrillError, match="not yours"):
        await mock.answer(step.session_id, 8, 0, 0, "intruder")
    await mock.abandon(step.session_id, 7)
    with pytest.raises(DrillError, match="abandoned"):
        await answer(mock, step)
    again = await mock.start(1, 7, "system-design")  # abandoning frees the member
    clock.advance(days=1, seconds=1)
    with pytest.raises(DrillError, match="expired"):
        await answer(mock, again)


async def test_hostile_answers_are_refused_and_nothing_moves(mock: MockService) -> None:
    step = await mock.start(1, 7, "phone-screen")
    assert isinstance(step, Step)
    for text in ("   ", "x" * 4001):
        with pytest.raises(DrillError):
            await answer(mock, step, text)
    assert await mock.repo.answers(step.session_id) == []
    with pytest.raises(DrillError, match="no round"):
        await mock.start(1, 7, "x" * 5000)


async def test_forget_me_deletes_the_members_mock_rounds_and_everything_in_them(
    mock: MockService, store: Store, clock: FakeClock
) -> None:
    step: Step | RatingDue = await mock.start(1, 7, "behavioural")
    while isinstance(step, Step):
        step = await answer(mock, step)
    await mock.rate(step.session_id, 7, dict.fromkeys(ROUNDS_BY_SLUG["behavioural"].signals, "2"))
    other = await mock.start(1, 8, "coding")  # another member's round stays
    request = await store.boards.request_forget(1, 7, clock.now())
    deleted = await store.boards.forget(request, 7, clock.now())
    assert deleted is not None and deleted["mock_sessions"] == 1
    for table in ("mock_sessions", "mock_items", "mock_answers", "mock_ratings"):
        rows = await store.db.fetchall(
            *sql(
                f"SELECT COUNT(*) FROM {table} WHERE session_id = ?"
                if table != "mock_sessions"
                else f"SELECT COUNT(*) FROM {table} WHERE id = ?",
                (step.session_id,),
            )
        )
        assert rows[0][0] == 0, table
    assert await store.mock.session(other.session_id) is not None


async def test_a_button_of_an_earlier_step_or_before_the_ratings_is_refused(
    mock: MockService,
) -> None:
    step = await mock.start(1, 7, "behavioural")
    assert isinstance(step, Step)
    assert (await mock.step_to_answer(step.session_id, 7, 0, 0)).question == step.question
    with pytest.raises(DrillError, match="not waiting for ratings"):
        await mock.rating_due(step.session_id, 7)
    await answer(mock, step)
    with pytest.raises(DrillError, match="answered already"):
        await mock.step_to_answer(step.session_id, 7, 0, 0)
