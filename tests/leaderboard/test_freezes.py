"""Streak freezes in storage, with the rules of bot/boards/scoring.py: earned, spent on a
missed post at its reveal, told once, shown in the export and forgotten with the member."""

from __future__ import annotations

from bot.boards.export import export_csv
from bot.storage import Store
from tests.leaderboard.history import GUILD, at, day, reveal
from tests.leaderboard.test_export import read
from tests.support.sql import sql

ANA, BEN = 1, 2


def dates(first: int, n: int) -> list[str]:
    return [f"2026-03-{d:02d}" for d in range(first, first + n)]


async def test_seven_posts_in_a_row_earn_one_freeze_and_a_miss_spends_it(store: Store) -> None:
    for local in dates(1, 7):
        await day(store, local, ANA, BEN)
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and (ana.streak, ana.freezes, ana.freezes_used) == (7, 1, 0)
    await day(store, "2026-03-08", BEN)  # Ana misses: her freeze covers it
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None
    assert (ana.streak, ana.freezes, ana.freezes_used) == (7, 0, 1)
    assert ana.last_answer_date == "2026-03-08"
    await day(store, "2026-03-09", ANA, BEN)
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and ana.streak == 8


async def test_a_second_miss_without_a_freeze_breaks_the_streak(store: Store) -> None:
    for local in dates(1, 7):
        await day(store, local, ANA)
    await day(store, "2026-03-08")  # covered
    await day(store, "2026-03-09")  # nothing left: broken
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and (ana.freezes, ana.freezes_used) == (0, 1)
    assert ana.last_answer_date == "2026-03-08"
    await day(store, "2026-03-10", ANA)
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and (ana.streak, ana.best_streak) == (1, 7)


async def test_at_most_two_freezes_are_held_and_away_days_spend_none(store: Store) -> None:
    for local in dates(1, 21):
        await day(store, local, ANA)
    await store.boards.add_away(GUILD, ANA, ["2026-03-22"], 7, at("2026-03-21"))
    await day(store, "2026-03-22")  # away: no freeze spent
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and (ana.streak, ana.freezes, ana.freezes_used) == (21, 2, 0)


async def test_a_second_run_of_the_same_reveal_spends_nothing_more(store: Store) -> None:
    for local in dates(1, 14):
        await day(store, local, ANA)
    missed = await day(store, "2026-03-15")
    await reveal(store, missed)
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and (ana.freezes, ana.freezes_used) == (1, 1)
    rows = await store.db.fetchall(*sql("SELECT COUNT(*) FROM streak_freezes", ()))
    assert rows[0][0] == 1


async def test_the_member_is_told_once(store: Store) -> None:
    for local in dates(1, 7):
        await day(store, local, ANA)
    await day(store, "2026-03-08")
    kept = await store.scores.kept_streaks(GUILD, ANA, at("2026-03-09"))
    assert [(k.local_date, k.streak) for k in kept] == [("2026-03-08", 7)]
    assert await store.scores.kept_streaks(GUILD, ANA, at("2026-03-09")) == []
    assert await store.scores.kept_streaks(GUILD, BEN, at("2026-03-09")) == []


async def test_the_export_lists_freezes_spent_and_forget_me_removes_them(store: Store) -> None:
    for local in dates(1, 7):
        await day(store, local, ANA)
    await day(store, "2026-03-08", BEN)
    rows = read(await export_csv(store, GUILD, "2026-03-09"))
    freezes = [r for r in rows if r["event"] == "freeze"]
    assert [(r["user_id"], r["local_date"], r["points"]) for r in freezes] == [
        (str(ANA), "2026-03-08", "0")
    ]
    request = await store.boards.request_forget(GUILD, ANA, at("2026-03-09"))
    deleted = await store.boards.forget(request, ANA, at("2026-03-09"))
    assert deleted is not None and deleted["streak_freezes"] == 1
    assert await store.scores.stats(GUILD, ANA) is None
