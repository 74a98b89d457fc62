"""Study plans: the three-week structure fitted to the days left, progress and what is behind."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.bank import Bank
from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.errors import DrillError
from bot.plan.rules import PHASES, build_plan, study_days
from bot.plan.service import PlanService
from bot.storage import Store
from tests.support.sql import sql

ALL = {t for p in PHASES for t in p.topics}
MONDAY = date(2026, 3, 2)


def test_a_plan_for_an_interview_in_ten_days() -> None:
    first, interview = study_days(MONDAY, MONDAY + timedelta(days=10), None)
    days = build_plan(first, interview, ALL)
    assert [d.day for d in days] == [MONDAY + timedelta(days=n) for n in range(10)]
    assert [d.phase for d in days] == [PHASES[0].name] * 3 + [PHASES[1].name] * 3 + [
        PHASES[2].name
    ] * 4  # the practice phase gets the spare day
    assert days[0].topics == ("cicd", "serving") and days[1].topics == ("containers", "python")
    assert [(d.number, d.mock) for d in days if d.mock] == [
        (8, "phone-screen"),
        (10, "system-design"),
    ]
    assert all(d.quiz == 3 and d.review == 5 for d in days)


def test_three_weeks_by_default_and_weekly_mocks_in_a_longer_plan() -> None:
    first, interview = study_days(MONDAY, None, None)
    assert (interview - first).days == 21
    six = build_plan(*study_days(MONDAY, None, 6), ALL)
    mock_days = [d.number for d in six if d.mock]
    # weekly in the first two phases (days 1-28), then the practice phase's middle and last day
    assert mock_days == [7, 14, 21, 28, 35, 42]
    assert len({d.mock for d in six if d.mock}) == 5  # rounds rotate through all five


def test_switched_off_topics_are_left_out() -> None:
    days = build_plan(MONDAY, MONDAY + timedelta(days=9), ALL - {"cicd", "serving"})
    assert all("cicd" not in d.topics and "serving" not in d.topics for d in days)
    only = build_plan(MONDAY, MONDAY + timedelta(days=9), {"python"})
    assert {d.topics for d in only} == {("python",)}


@pytest.mark.parametrize(
    ("interview", "weeks", "message"),
    [
        (MONDAY + timedelta(days=2), None, "at least 3 days"),
        (MONDAY + timedelta(days=400), None, "up to 120 days"),
        (MONDAY + timedelta(days=9), 2, "not both"),
    ],
)
def test_plans_too_short_too_long_or_ambiguous_are_refused(interview, weeks, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DrillError, match=message):
        study_days(MONDAY, interview, weeks)


@pytest.fixture
def plans(store: Store, bank: Bank, clock: FakeClock) -> PlanService:
    return PlanService(store, Catalog(bank, store), clock)


async def practise(store: Store, clock: FakeClock, question_id: str, mode: str = "quiz") -> None:
    await store.db.execute(
        *sql(
            "INSERT INTO quiz_sessions (user_id, question_id, question_version, mode, state,"
            " shown_at, answered_at) VALUES (7, ?, '1', ?, 'answered', ?, ?)",
            (question_id, mode, clock.now().isoformat(), clock.now().isoformat()),
        ),
    )


async def test_progress_counts_practice_on_the_days_topics_and_lists_what_is_behind(
    plans: PlanService, store: Store, clock: FakeClock
) -> None:
    started = await plans.start(None, 7, interview="2026-03-12")
    assert len(started.days) == 10 and not started.replaced
    await practise(store, clock, "cicd-001")
    await practise(store, clock, "serving-002")
    await practise(store, clock, "monitoring-001")  # not a topic of day 1
    await practise(store, clock, "python-003", mode="review")
    today = await plans.today(7)
    assert today.today is not None
    assert (today.today.quiz_done, today.today.review_done) == (2, 1)
    assert today.behind.nothing and today.days_left == 10
    assert today.next_mock is not None and today.next_mock.number == 8
    clock.advance(days=2)
    later = await plans.today(7)
    assert later.behind.quiz == (3 - 2) + 3 and later.behind.review == (5 - 1) + 5
    assert later.today is not None and later.today.plan.number == 3


async def test_a_plan_is_replaced_by_a_new_one_and_stopped_once(plans: PlanService) -> None:
    await plans.start(None, 7, weeks=3)
    again = await plans.start(None, 7, weeks=2)
    assert again.replaced and len(again.days) == 14
    results = await asyncio.gather(plans.stop(7), plans.stop(7), return_exceptions=True)
    assert sum(isinstance(r, DrillError) for r in results) == 1
    with pytest.raises(DrillError, match="no study plan"):
        await plans.today(7)


@pytest.mark.parametrize(
    ("interview", "remind", "message"),
    [
        ("٢٠٢٧-٠١-١٥", None, "YYYY-MM-DD"),
        ("2027-02-30", None, "not a date"),
        ("x" * 5000, None, "YYYY-MM-DD"),
        ("2026-03-20", "25:00", "HH:MM"),
        ("2026-03-20", "٠٨:٣٠", "HH:MM"),
    ],
)
async def test_hostile_dates_and_times_are_refused_and_nothing_is_stored(
    plans: PlanService, store: Store, interview: str, remind: str | None, message: str
) -> None:
    with pytest.raises(DrillError, match=message) as caught:
        await plans.start(None, 7, interview=interview, remind_at=remind)
    assert len(str(caught.value)) < 200
    assert await store.plans.get(7) is None


async def test_reminders_stop_promptly_with_a_wake_up_in_flight(
    plans: PlanService, clock: FakeClock
) -> None:
    from bot.jobs import Dispatcher
    from bot.plan.reminders import Reminders

    async def send(user_id: int, today: object) -> bool:
        return True

    for _ in range(20):  # the stop and the wake-up land on the same loop turn
        jobs = Dispatcher(clock)
        reminders = Reminders(plans, clock, jobs)
        jobs.register(reminders)
        reminders.plug(send)
        await jobs.start()
        jobs.wake()
        await asyncio.sleep(0)
        reminders.changed()
        async with asyncio.timeout(2):
            await jobs.shutdown()
        assert not jobs.alarm.running
