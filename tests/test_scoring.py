"""Scoring rules without Discord: who earns what for one daily post, and how streaks run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.boards import scoring
from bot.storage import Answer, Award, MemberStats

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LONG = "Gate the rollout on offline metrics, then a canary."  # over MIN_ANSWER_CHARS


def answer(
    user: int, minutes: int, content: str = LONG, *, deleted: bool = False, ident: int = 0
) -> Answer:
    at = T0 + timedelta(minutes=minutes)
    return Answer(
        ident or user * 100 + minutes,
        1,
        7,
        None,
        user,
        ident or user * 100 + minutes,
        content,
        at,
        None,
        0,
        at if deleted else None,
    )


def stats(streak: int, last: str | None, best: int | None = None) -> MemberStats:
    return MemberStats(1, 0, 0, 0, streak, best if best is not None else streak, last)


def test_each_member_earns_answer_points_once_and_the_first_gets_the_bonus() -> None:
    awards = scoring.daily_awards([answer(2, 5), answer(1, 1), answer(1, 9), answer(3, 7)])
    assert awards == [
        Award(1, scoring.ANSWER_POINTS, "answer"),
        Award(1, scoring.FIRST_BONUS, "first"),
        Award(2, scoring.ANSWER_POINTS, "answer"),
        Award(3, scoring.ANSWER_POINTS, "answer"),
    ]


def test_short_and_deleted_answers_do_not_count_nor_take_the_first_bonus() -> None:
    awards = scoring.daily_awards(
        [answer(1, 1, "idk"), answer(2, 2, deleted=True), answer(3, 3), answer(1, 4)]
    )
    assert Award(3, scoring.FIRST_BONUS, "first") in awards
    assert {a.user_id for a in awards if a.reason == "answer"} == {1, 3}
    assert sum(a.points for a in awards if a.user_id == 1) == scoring.ANSWER_POINTS


def test_min_length_counts_stripped_text() -> None:
    exact = "x" * scoring.MIN_ANSWER_CHARS
    assert scoring.counts(answer(1, 1, exact))
    assert not scoring.counts(answer(1, 1, "   " + exact[1:] + "   "))


def test_ties_in_time_are_broken_by_answer_id() -> None:
    first = answer(5, 1, ident=10)
    second = answer(4, 1, ident=11)
    awards = scoring.daily_awards([second, first])
    assert awards[1] == Award(5, scoring.FIRST_BONUS, "first")


def test_ties_in_time_go_to_the_message_discord_took_first_not_the_row_stored_first() -> None:
    # A typed answer waits in the group commit; a button answer in the same millisecond is
    # stored at once, so its row id is lower although Discord took its message later.
    typed = dataclasses.replace(answer(5, 1), id=2, message_id=1000)
    pressed = dataclasses.replace(answer(4, 1), id=1, message_id=1001)
    awards = scoring.daily_awards([pressed, typed])
    assert awards[1] == Award(5, scoring.FIRST_BONUS, "first")


def test_streak_bonus_is_streak_minus_one_capped() -> None:
    awards = scoring.daily_awards([answer(1, 1), answer(2, 2), answer(3, 3)], {1: 2, 2: 4, 3: 50})
    streak = {a.user_id: a.points for a in awards if a.reason == "streak"}
    assert streak == {1: 1, 2: 3, 3: scoring.STREAK_CAP}


def test_no_streak_award_on_the_first_day() -> None:
    awards = scoring.daily_awards([answer(1, 1)], {1: 1})
    assert [a.reason for a in awards] == ["answer", "first"]


def test_nobody_answering_awards_nothing() -> None:
    assert scoring.daily_awards([]) == []


def test_next_streak_starts_at_one_for_a_newcomer() -> None:
    assert scoring.next_streak(None, "2026-03-01") == (1, 1)
    assert scoring.next_streak(None, None) == (1, 1)


def test_next_streak_continues_from_the_guilds_previous_post() -> None:
    assert scoring.next_streak(stats(3, "2026-03-03"), "2026-03-03") == (4, 4)


def test_next_streak_resets_after_a_missed_post_but_keeps_the_best() -> None:
    assert scoring.next_streak(stats(3, "2026-03-02", best=6), "2026-03-03") == (1, 6)


def test_a_mon_fri_guilds_streak_survives_the_weekend() -> None:
    # Friday 6 March answered; Monday 9 March's previous post is that Friday.
    assert scoring.next_streak(stats(5, "2026-03-06"), "2026-03-06") == (6, 6)


def test_a_week_of_mon_fri_posts_builds_a_streak_over_the_weekend() -> None:
    posts = ["2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"]  # Thu Fri Mon Tue
    prev: MemberStats | None = None
    previous_post: str | None = None
    for day in posts:
        run, best = scoring.next_streak(prev, previous_post)
        prev, previous_post = stats(run, day, best), day
    assert prev is not None and prev.streak == 4 and prev.best_streak == 4


def test_current_streak_is_zero_once_the_latest_revealed_post_was_missed() -> None:
    alive = stats(4, "2026-03-05")
    assert scoring.current_streak(alive, "2026-03-05") == 4
    assert scoring.current_streak(alive, "2026-03-04") == 4  # today's post still open
    assert scoring.current_streak(alive, "2026-03-06") == 0
    assert scoring.current_streak(None, "2026-03-06") == 0


def test_away_dates_cover_today_onwards_and_refuse_out_of_range() -> None:
    from datetime import date

    import pytest

    from bot.errors import DrillError

    assert scoring.away_dates(date(2026, 3, 30), 3) == ["2026-03-30", "2026-03-31", "2026-04-01"]
    for bad in (0, -1, scoring.AWAY_MAX_DAYS + 1, 10**9):
        with pytest.raises(DrillError):
            scoring.away_dates(date(2026, 3, 30), bad)


def test_stars_count_only_from_other_members() -> None:
    assert scoring.star_counts(1, 2) and not scoring.star_counts(3, 3)


def test_a_freeze_is_earned_at_every_seventh_post_of_a_streak() -> None:
    assert [scoring.freezes_after_answer(0, n) for n in range(1, 8)] == [0] * 6 + [1]
    assert scoring.freezes_after_answer(1, 8) == 1
    assert scoring.freezes_after_answer(1, 14) == 2


def test_at_most_two_freezes_are_held() -> None:
    assert scoring.freezes_after_answer(2, 21) == scoring.FREEZE_CAP == 2


def test_a_freeze_covers_a_miss_only_for_a_live_streak_and_a_freeze_held() -> None:
    assert scoring.freeze_covers(1, 7)
    assert not scoring.freeze_covers(0, 7)
    assert not scoring.freeze_covers(1, 0)


def kept(streak: int, last: str | None, freezes: int = 0) -> MemberStats:
    return MemberStats(1, 0, 0, 0, streak, streak, last, freezes)


def test_a_missed_post_while_away_bridges_a_live_streak_and_spends_no_freeze() -> None:
    assert scoring.missed_post(kept(4, "2026-03-05"), "2026-03-05", away=True) == "bridge"
    assert scoring.missed_post(kept(4, "2026-03-05", 2), "2026-03-05", away=True) == "bridge"


def test_away_does_not_revive_a_streak_that_was_not_alive_at_the_previous_post() -> None:
    assert scoring.missed_post(kept(4, "2026-03-03"), "2026-03-05", away=True) is None
    assert scoring.missed_post(kept(0, "2026-03-05"), "2026-03-05", away=True) is None
    assert scoring.missed_post(kept(0, None, 1), "2026-03-05", away=False) is None


def test_a_missed_post_spends_a_freeze_only_when_one_is_held_for_a_live_streak() -> None:
    assert scoring.missed_post(kept(7, "2026-03-07", 1), "2026-03-07", away=False) == "freeze"
    assert scoring.missed_post(kept(7, "2026-03-07", 0), "2026-03-07", away=False) is None
    assert scoring.missed_post(kept(7, "2026-03-06", 1), "2026-03-07", away=False) is None
    assert scoring.KEEPING.missed is scoring.missed_post


def test_a_star_on_your_own_answer_is_no_star() -> None:
    assert scoring.star_outcome(3, 3, 0) == "self"
    assert scoring.star_outcome(3, 3, scoring.STAR_CAP + 5) == "self"


def test_stars_are_numbered_by_distinct_giver_up_to_the_cap() -> None:
    outcomes = [scoring.star_outcome(1, 2, others) for others in range(scoring.STAR_CAP + 2)]
    assert outcomes == [f"star{n}" for n in range(1, scoring.STAR_CAP + 1)] + ["capped"] * 2
    assert scoring.star_outcome(1, 2, 1, cap=1) == "capped"
    assert scoring.star_outcome(1, 2, 0, cap=1) == "star1"
