"""Points, totals and streaks on hand-made histories, without Discord."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Mapping
from typing import TypeVar

from bot.boards import scoring
from bot.daily.revealing import award
from bot.storage import Award, MemberStats, Store
from tests.leaderboard.history import GUILD, answer, at, day, post, reveal
from tests.support.sql import sql

ANA, BEN, CY, DEE = 1, 2, 3, 4
T = TypeVar("T")


async def points_of(store: Store, user: int, scope: str = "all") -> tuple[int, int]:
    return (await store.scores.totals(GUILD)).get((scope, user), (0, 0))


async def test_totals_equal_a_recompute_from_the_ledger_after_a_random_history(
    store: Store,
) -> None:
    rng = random.Random(12)
    members = list(range(1, 13))
    messages: list[int] = []
    for n in range(40):
        local = at("2026-01-05").date().fromordinal(at("2026-01-05").toordinal() + n)
        if local.weekday() == 2:
            continue  # no post on Wednesdays
        if n == 20:
            await store.boards.new_season(GUILD, 9, "Spring", at(local.isoformat()))
        p = await post(store, local.isoformat(), rng.choice(["cicd", "drift", "python"]))
        for user in rng.sample(members, rng.randint(0, 8)):
            text = "+1 same" if rng.random() < 0.15 else "A real answer about canaries."
            messages.append(await answer(store, p, user, text, minute=rng.randint(1, 600)))
        for _ in range(rng.randint(0, 6)):
            if messages:
                await store.scores.credit(
                    guild_id=GUILD,
                    message_id=rng.choice(messages[-8:]),
                    giver_id=rng.choice(members),
                    kind=rng.choice(["star", "star", "best"]),
                    points=2,
                    cap=scoring.STAR_CAP,
                    now=at(local.isoformat(), 22),
                    star=scoring.star_outcome,
                )
        await reveal(store, p)
    totals = await store.scores.totals(GUILD)
    assert len(totals) > 100
    assert totals == await store.scores.recompute_totals(GUILD)
    assert await store.scores.level_mismatches(GUILD) == []
    await store.boards.set_hidden(GUILD, 2, True, at("2026-03-01"))
    await store.boards.set_hidden(GUILD, 7, True, at("2026-03-01"))
    for scope in ("all", "s:1", "t:cicd|all", "m:2026-01"):
        ranked = sorted(
            ((p, u) for (s, u), (p, _a) in totals.items() if s == scope and u not in (2, 7)),
            key=lambda pu: (-pu[0], pu[1]),
        )
        for place, (_points, user) in enumerate(ranked, start=1):
            row = await store.boards.rank(GUILD, scope, user)
            assert row is not None and row.rank == place, (scope, user)
        top = await store.boards.top(GUILD, scope, limit=5, offset=0)
        assert [r.user_id for r in top] == [u for _p, u in ranked[:5]]
    ledger = await store.scores.recomputed_totals(GUILD)
    assert {u: totals["all", u][0] for u in ledger} == ledger
    for user in ledger:
        stats = await store.scores.stats(GUILD, user)
        assert stats is not None and stats.points == ledger[user]
    # A new first day of the week re-keys the week boards; still equal to a recompute.
    await store.boards.set_week_start(GUILD, 9, 6, at("2026-03-01"))
    await store.scores.rebuild_totals(GUILD)
    rebuilt = await store.scores.totals(GUILD)
    assert rebuilt == await store.scores.recompute_totals(GUILD)
    assert await store.scores.level_mismatches(GUILD) == []
    assert {s for s, _ in rebuilt if s.startswith("w:")} != {s for s, _ in totals if s[:2] == "w:"}


async def test_streak_survives_a_day_without_a_post_and_an_away_day(store: Store) -> None:
    await day(store, "2026-03-02", ANA, BEN)  # Mon
    await day(store, "2026-03-03", ANA, BEN)  # Tue; no post on Wednesday
    await day(store, "2026-03-05", ANA)  # Thu: Ben misses it
    await store.boards.add_away(GUILD, ANA, ["2026-03-06"], 7, at("2026-03-05"))
    await day(store, "2026-03-06", BEN)  # Fri: Ana is away
    monday = await day(store, "2026-03-09", ANA, BEN)
    ana = await store.scores.stats(GUILD, ANA)
    ben = await store.scores.stats(GUILD, BEN)
    assert ana is not None and (ana.streak, ana.last_answer_date) == (4, "2026-03-09")
    assert ben is not None and (ben.streak, ben.best_streak) == (2, 2)
    rows = await store.db.fetchall(
        *sql(
            "SELECT user_id, points FROM points WHERE daily_post_id = ? AND reason = 'streak'",
            (monday.id,),
        ),
    )
    assert dict(rows) == {ANA: 3, BEN: 1}  # streak of 4: +3; Ben's of 2: +1


async def test_an_away_day_does_not_revive_a_broken_streak(store: Store) -> None:
    await day(store, "2026-03-02", ANA)
    await day(store, "2026-03-03")  # missed: broken
    await store.boards.add_away(GUILD, ANA, ["2026-03-04"], 7, at("2026-03-03"))
    await day(store, "2026-03-04")
    await day(store, "2026-03-05", ANA)
    ana = await store.scores.stats(GUILD, ANA)
    assert ana is not None and ana.streak == 1


async def test_a_two_word_plus_one_earns_nothing(store: Store) -> None:
    p = await post(store, "2026-03-02")
    await answer(store, p, ANA, "+1 agreed")
    await answer(store, p, BEN, "Shadow traffic first, then a canary at 5%.")
    await reveal(store, p)
    assert await points_of(store, ANA) == (0, 0)
    assert await points_of(store, BEN) == (scoring.ANSWER_POINTS + scoring.FIRST_BONUS, 1)


async def test_stars_from_others_count_up_to_the_cap_never_from_yourself(store: Store) -> None:
    p = await post(store, "2026-03-02")
    first = await answer(store, p, ANA)
    second = await answer(store, p, ANA, minute=5)

    async def star(message: int, giver: int) -> str:
        result = await store.scores.credit(
            guild_id=GUILD,
            message_id=message,
            giver_id=giver,
            kind="star",
            points=scoring.STAR_POINTS,
            cap=scoring.STAR_CAP,
            now=at("2026-03-02", 12),
            star=scoring.star_outcome,
        )
        return result.outcome

    assert await star(first, ANA) == "self"
    assert await star(first, BEN) == "awarded"
    assert await star(first, BEN) == "duplicate"
    assert await star(second, BEN) == "already"  # one star per giver and answer
    assert await star(second, CY) == "awarded"
    assert await star(first, DEE) == "awarded"
    assert await star(first, 77) == "capped"
    assert await star(424242, BEN) == "not_answer"
    assert await points_of(store, ANA) == (3 * scoring.STAR_POINTS, 0)
    assert await points_of(store, ANA, "t:cicd|w:2026-03-02") == (3, 0)


async def test_two_presses_of_the_same_star_at_once_count_once(store: Store) -> None:
    p = await post(store, "2026-03-02")
    message = await answer(store, p, ANA)
    results = await asyncio.gather(
        *(
            store.scores.credit(
                guild_id=GUILD,
                message_id=message,
                giver_id=BEN,
                kind=kind,
                points=1,
                cap=3,
                now=at("2026-03-02", 12),
                star=scoring.star_outcome,
            )
            for kind in ("star", "star", "best", "best")
        )
    )
    assert sorted(r.outcome for r in results) == ["already", "awarded", "awarded", "duplicate"]
    assert await points_of(store, ANA) == (2, 0)


async def test_best_answer_bonus_once_per_member_and_post(store: Store) -> None:
    p = await post(store, "2026-03-02")
    one, two = await answer(store, p, ANA), await answer(store, p, ANA, minute=3)
    await reveal(store, p)
    kw = {"guild_id": GUILD, "giver_id": 9, "kind": "best", "cap": 1, "now": at("2026-03-03")}
    assert (await store.scores.credit(message_id=one, points=5, **kw)).outcome == "awarded"  # type: ignore[arg-type]
    assert (await store.scores.credit(message_id=two, points=5, **kw)).outcome == "already"  # type: ignore[arg-type]
    stats = await store.scores.stats(GUILD, ANA)
    assert stats is not None and stats.points == scoring.ANSWER_POINTS + scoring.FIRST_BONUS + 5


async def test_away_days_are_capped_per_calendar_month(store: Store) -> None:
    days = [f"2026-03-{d:02d}" for d in range(25, 32)] + ["2026-04-01", "2026-04-02"]
    added, refused = await store.boards.add_away(GUILD, ANA, days, 5, at("2026-03-25"))
    assert added == days[:5] + days[7:] and refused == 2
    again, refused = await store.boards.add_away(GUILD, ANA, days[:2], 5, at("2026-03-26"))
    assert again == [] and refused == 0  # already declared: neither added nor refused


async def _ledger_of(store: Store, guild: int, user: int, post_id: int) -> dict[str, int]:
    query = "SELECT reason, points FROM points WHERE guild_id = ? AND user_id = ?"
    rows = await store.db.fetchall(*sql(query + " AND daily_post_id = ?", (guild, user, post_id)))
    return {str(r[0]): int(r[1]) for r in rows}


async def _after(yields: int, work: Awaitable[T]) -> T:
    """``work`` started ``yields`` turns of the event loop later: lands at another point of
    whatever runs beside it."""
    for _ in range(yields):
        await asyncio.sleep(0)
    return await work


def _bonus(awards: list[Award], user: int) -> int:
    return sum(a.points for a in awards if a.user_id == user and a.reason == "streak")


async def test_a_reveals_awards_while_the_members_star_and_answer_arrive_at_once(
    store: Store,
) -> None:
    """The reveal reads each member's streak, decides the streak bonus and writes both in one
    transaction (issue 21): a star on the member's answer, another member's answer and a
    second run of the same reveal, landing at every point of it, leave the bonus agreeing
    with the streak written, every point in the ledger once and the boards equal to it."""
    for offset in range(8):
        guild = GUILD + 100 + offset
        first = await day(store, "2026-03-02", ANA, guild=guild)
        second = await post(store, "2026-03-03", guild=guild)
        third = await post(store, "2026-03-04", guild=guild)
        await answer(store, second, ANA)
        starred = await answer(store, third, ANA)
        await answer(store, third, BEN, minute=2)
        assert _bonus(await reveal(store, second), ANA) == 1  # posts are revealed in order
        now = at(third.local_date, 23)
        star = store.scores.credit(
            guild_id=guild, message_id=starred, giver_id=CY, kind="star",
            points=scoring.STAR_POINTS, cap=scoring.STAR_CAP, now=now, star=scoring.star_outcome,
        )  # fmt: skip
        answers = await store.answers.for_post(third.id)
        awarded, credit, _, again = await asyncio.gather(
            award(store, third, answers, now),
            _after(offset, star),
            _after(offset, answer(store, third, DEE, minute=30)),
            _after(offset // 2, award(store, third, answers, now)),
        )
        assert credit.outcome == "awarded"
        assert sorted(awarded, key=str) == sorted(again, key=str), "a second run: the same"
        stats = await store.scores.stats(guild, ANA)
        assert stats is not None and stats.last_answer_date == third.local_date
        assert stats.streak == 3 and _bonus(awarded, ANA) == 2
        ledger = await _ledger_of(store, guild, ANA, third.id)
        assert ledger == {"answer": 10, "first": 3, "streak": 2, "star1": scoring.STAR_POINTS}
        expected = 3 * (scoring.ANSWER_POINTS + scoring.FIRST_BONUS) + 1 + 2 + 1
        assert stats.points == expected
        totals = await store.scores.totals(guild)
        assert totals == await store.scores.recompute_totals(guild)
        assert totals[("all", ANA)][0] == expected
        assert first.id != third.id


async def test_award_daily_decides_from_the_stats_it_reads_and_a_second_run_gets_the_first(
    store: Store,
) -> None:
    # The reveal's form (h21b): ``decide`` gets each member's stats as the transaction reads
    # them; a second run decides nothing and returns what the first stored, member by member.
    await day(store, "2026-03-02", BEN)
    p = await post(store, "2026-03-03")
    seen: list[dict[int, object]] = []

    def decide(stats: Mapping[int, MemberStats | None]) -> list[Award]:
        seen.append(dict(stats))
        return [Award(u, 10, "answer") for u in stats] + [Award(BEN, 1, "streak")]

    def rule(stats: MemberStats | None, _d: str) -> tuple[int, int]:
        return scoring.next_streak(stats, "2026-03-02")

    now = at("2026-03-03", 23)
    first = await store.scores.award_daily(p, decide, rule, now, members=[CY, BEN])
    assert len(seen) == 1 and seen[0][CY] is None
    ben = seen[0][BEN]
    assert isinstance(ben, MemberStats) and ben.streak == 1
    assert first == [Award(CY, 10, "answer"), Award(BEN, 10, "answer"), Award(BEN, 1, "streak")]
    again = await store.scores.award_daily(p, decide, rule, now, members=[CY, BEN])
    assert again == first and len(seen) == 1
    stats = await store.scores.stats(GUILD, BEN)
    assert stats is not None and stats.streak == 2
    assert await store.scores.totals(GUILD) == await store.scores.recompute_totals(GUILD)
