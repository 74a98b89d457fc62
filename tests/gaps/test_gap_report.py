"""The gap report's figures and heatmap from a hand-made history (no Discord)."""

from __future__ import annotations

import asyncio

import pytest

from bot.bank import Bank
from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.errors import DrillError
from bot.gaps.chart import render_gaps
from bot.gaps.service import GapService, build_report, weakness
from bot.storage import Store
from bot.storage.gaps import GapHistory
from tests.conftest import START
from tests.gaps.history import ANA, BEN, CY, DEE, four_weeks
from tests.leaderboard.helpers import png_size

GUILD = 555


async def report_for(store: Store, bank: Bank, weeks: int = 4):  # type: ignore[no-untyped-def]
    return await GapService(store, Catalog(bank, store), FakeClock(START)).report(GUILD, weeks)


async def test_rates_and_grades_follow_the_documented_definitions(store: Store, bank: Bank) -> None:
    await four_weeks(store, bank, GUILD, [ANA, BEN, CY, DEE])
    report = await report_for(store, bank)
    topics = {a.key: a for a in report.topics}
    assert report.members == 4 and report.posts == 10  # January's post is outside the window
    assert (topics["cicd"].rate, topics["cicd"].grade) == (1.0, 4.0)
    assert (topics["serving"].rate, topics["serving"].grade) == (0.25, 2.0)
    assert (topics["monitoring"].rate, topics["monitoring"].grade) == (0.5, 2.0)
    assert topics["data"].posts == 0 and topics["data"].rate is None
    assert topics["monitoring"].weakness == pytest.approx((0.5 + 2 / 3) / 2)
    assert {a.key for a in report.signals} == {
        "production-mindset",
        "infrastructure",
        "ml-ops",
        "automation",
        "cost",
    }
    assert sum(a.posts for a in report.signals) == sum(
        len(bank.questions[p.question_id].signals)
        for p in (await store.gaps.history(GUILD, report.since.isoformat(), START)).posts
    )


async def test_the_three_weakest_areas_and_the_focus_are_named(store: Store, bank: Bank) -> None:
    await four_weeks(store, bank, GUILD, [ANA, BEN, CY, DEE])
    report = await report_for(store, bank)
    assert len(report.weakest) == 3
    assert report.weakest[0].key == "serving"
    ranked = [a.weakness or 0 for a in report.weakest]
    assert ranked == sorted(ranked, reverse=True)
    assert all(
        (a.weakness or 0) <= ranked[-1]
        for a in (*report.topics, *report.signals)
        if a not in report.weakest and a.weakness is not None
    )
    assert "**Model serving and deployment**" in report.focus
    assert "cicd" not in {a.key for a in report.weakest}


async def test_a_hidden_member_is_never_the_one_to_ask(store: Store, bank: Bank) -> None:
    await four_weeks(store, bank, GUILD, [ANA, BEN, CY, DEE])
    before = {a.key: a.ask for a in (await report_for(store, bank)).topics}
    assert before["monitoring"] == ANA and before["cicd"] == BEN
    await store.boards.set_hidden(GUILD, ANA, True, START)
    after = await report_for(store, bank)
    assert all(a.ask != ANA for a in (*after.topics, *after.signals))
    assert {a.key: a.ask for a in after.topics}["monitoring"] is None
    # The figures still count her: a rate names nobody.
    assert {a.key: a.rate for a in after.topics}["monitoring"] == 0.5


async def test_the_heatmap_is_a_png_of_a_sensible_size(store: Store, bank: Bank) -> None:
    await four_weeks(store, bank, GUILD, [ANA, BEN, CY, DEE])
    report = await report_for(store, bank)
    png = await asyncio.to_thread(render_gaps, report)
    width, height = png_size(png)
    assert width == 1000 and 350 <= height <= 1200
    assert 5_000 < len(png) < 1_000_000


def test_an_empty_window_still_renders_and_suggests_nothing(bank: Bank) -> None:
    from datetime import date

    report = build_report(
        GapHistory((), (), (), frozenset()), bank, bank.topics, 4, date(2026, 3, 2)
    )
    assert report.weakest == () and "No weak topic" in report.focus
    assert png_size(render_gaps(report))[0] == 1000


async def test_weeks_out_of_range_are_refused(store: Store, bank: Bank) -> None:
    for weeks in (0, 53, -1):
        with pytest.raises(DrillError, match="between 1 and 52"):
            await report_for(store, bank, weeks)


def test_weakness_mixes_what_is_known() -> None:
    assert weakness(None, None) is None
    assert weakness(0.25, None) == 0.75
    assert weakness(None, 1.0) == 1.0
    assert weakness(1.0, 4.0) == 0.0
