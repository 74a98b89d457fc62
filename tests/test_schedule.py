"""Scheduling decisions without Discord: parsing organiser input, post and reveal instants."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import schedule
from bot.schedule import ScheduleError
from bot.storage import GuildSettings

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def guild(**changes: object) -> GuildSettings:
    base: dict[str, object] = {"guild_id": 1, "channel_id": 2, "timezone": "Europe/Berlin"}
    return GuildSettings(**{**base, **changes})  # type: ignore[arg-type]


# -- parsing -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"), [("9:05", "09:05"), ("09:05", "09:05"), (" 23:59 ", "23:59")]
)
def test_parse_time_normalises_to_hh_mm(text: str, expected: str) -> None:
    assert schedule.parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "9:5", "09:60", "nine", "9pm", ""])
def test_parse_time_rejects_what_is_not_a_24_hour_time(text: str) -> None:
    with pytest.raises(ScheduleError, match="24-hour"):
        schedule.parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("daily", set(range(7))),
        ("weekends", {5, 6}),
        ("Mon, Wed,Fri", {0, 2, 4}),
        ("tue thu", {1, 3}),
        ("fri-mon", {4, 5, 6, 0}),  # a range may wrap over the weekend
        ("Monday Thursday", {0, 3}),
        ("mo we", {0, 2}),
        ("sat weekdays", {0, 1, 2, 3, 4, 5}),
    ],
)
def test_parse_weekdays_accepts_names_ranges_and_aliases(text: str, expected: set[int]) -> None:
    assert schedule.parse_weekdays(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["", "  ", "funday", "mondaz", "m", "mon-xyz", "t"])
def test_parse_weekdays_rejects_unknown_days(text: str) -> None:
    with pytest.raises(ScheduleError):
        schedule.parse_weekdays(text)


def test_format_weekdays_names_the_common_sets() -> None:
    assert schedule.format_weekdays(frozenset(range(7))) == "every day"
    assert schedule.format_weekdays(frozenset(range(5))) == "Mon-Fri"
    assert schedule.format_weekdays(frozenset({0, 2})) == "Mon, Wed"


def test_parse_timezone_is_case_insensitive_and_returns_the_canonical_name() -> None:
    assert schedule.parse_timezone("europe/berlin") == "Europe/Berlin"
    assert schedule.parse_timezone(" UTC ") == "UTC"


def test_parse_timezone_suggests_close_names() -> None:
    with pytest.raises(ScheduleError) as err:
        schedule.parse_timezone("Berlin")
    assert "Did you mean Europe/Berlin" in str(err.value)
    with pytest.raises(ScheduleError) as typo:
        schedule.parse_timezone("Europe/Berln")
    assert "Europe/Berlin" in str(typo.value)


def test_complete_timezones_offers_common_zones_then_prefix_matches() -> None:
    assert schedule.complete_timezones("")[:2] == ["UTC", "Europe/London"]
    assert "America/New_York" in schedule.complete_timezones("new_y")
    assert all(z.startswith("Europe/") for z in schedule.complete_timezones("europe/"))
    assert len(schedule.complete_timezones("a", limit=25)) <= 25


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("23h", 1380), ("90m", 90), ("1h30m", 90), ("1h 30m", 90), ("next", None), ("Next", None)],
)
def test_parse_reveal_reads_hours_minutes_or_next(text: str, minutes: int | None) -> None:
    assert schedule.parse_reveal(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "4m", "8d", "169h", "h", "30"])
def test_parse_reveal_rejects_bad_or_out_of_range_delays(text: str) -> None:
    with pytest.raises(ScheduleError):
        schedule.parse_reveal(text)


def test_format_reveal_round_trips_the_common_delays() -> None:
    assert schedule.format_reveal(None) == "at the next post"
    assert schedule.format_reveal(1380) == "after 23h"
    assert schedule.format_reveal(90) == "after 1h30m"


# -- post instants -----------------------------------------------------------------------------
def test_post_time_follows_local_wall_clock_in_two_zones() -> None:
    day = date(2026, 3, 2)
    berlin = schedule.post_time_on(guild(), day)
    new_york = schedule.post_time_on(guild(timezone="America/New_York"), day)
    assert berlin == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert new_york == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_next_posts_keep_09_00_local_across_spring_forward_and_fall_back() -> None:
    spring = schedule.next_posts(guild(), datetime(2026, 3, 27, 12, 0, tzinfo=UTC), 4)
    assert [p.astimezone(BERLIN).hour for p in spring] == [9, 9, 9, 9]
    # 09:00 CET is 08:00 UTC; from Sunday 29 March it is 09:00 CEST = 07:00 UTC.
    assert [p.hour for p in spring] == [8, 7, 7, 7]
    autumn = schedule.next_posts(guild(), datetime(2026, 10, 23, 12, 0, tzinfo=UTC), 4)
    # Saturday is still summer time; from Sunday 25 October 09:00 CET is 08:00 UTC.
    assert [p.hour for p in autumn] == [7, 8, 8, 8]
    assert [p.astimezone(BERLIN).hour for p in autumn] == [9, 9, 9, 9]
    assert autumn[1].date() == date(2026, 10, 25)


def test_a_post_time_inside_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    at = schedule.post_time_on(guild(post_time="02:30"), date(2026, 3, 29))
    assert at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert at.astimezone(BERLIN).strftime("%H:%M") == "03:30"


def test_a_post_time_that_happens_twice_on_fall_back_day_is_used_once_first() -> None:
    at = schedule.post_time_on(guild(post_time="02:30"), date(2026, 10, 25))
    assert at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not 02:30 CET
    posts = schedule.next_posts(
        guild(post_time="02:30"), datetime(2026, 10, 24, 12, 0, tzinfo=UTC), 2
    )
    assert posts == [at, datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]


def test_next_posts_skips_days_the_guild_does_not_post() -> None:
    friday_noon = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    posts = schedule.next_posts(guild(weekdays=frozenset(range(5))), friday_noon, 2)
    assert [p.date() for p in posts] == [date(2026, 3, 9), date(2026, 3, 10)]
    assert schedule.next_posts(guild(weekdays=frozenset()), friday_noon) == []


def test_next_posts_are_strictly_after_the_given_instant() -> None:
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # exactly 09:00 Berlin
    assert schedule.next_posts(guild(), at, 1)[0] == at + timedelta(days=1)


# -- due slot ----------------------------------------------------------------------------------
def test_due_slot_is_none_before_the_local_post_time_and_today_after_it() -> None:
    settings = guild()
    assert schedule.due_slot(settings, datetime(2026, 3, 2, 7, 59, tzinfo=UTC)) is None
    slot = schedule.due_slot(settings, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    assert slot is not None and slot.key == "2026-03-02"
    late = schedule.due_slot(settings, datetime(2026, 3, 2, 22, 59, tzinfo=UTC))
    assert late is not None and late.key == "2026-03-02"


def test_due_slot_never_offers_a_past_local_day() -> None:
    # 23:30 UTC on Monday is already Tuesday 00:30 in Berlin, before Tuesday's 09:00.
    assert schedule.due_slot(guild(), datetime(2026, 3, 2, 23, 30, tzinfo=UTC)) is None


def test_due_slot_uses_the_guilds_local_date_not_utc() -> None:
    # 03:00 UTC Tuesday is 22:00 Monday in New York, after Monday's 21:00 post.
    settings = guild(timezone="America/New_York", post_time="21:00")
    slot = schedule.due_slot(settings, datetime(2026, 3, 3, 3, 0, tzinfo=UTC))
    assert slot is not None and slot.key == "2026-03-02"


def test_due_slot_respects_weekdays_pause_and_missing_channel() -> None:
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert schedule.due_slot(guild(weekdays=frozenset(range(5))), saturday) is None
    assert schedule.due_slot(guild(paused=True), saturday) is None
    assert schedule.due_slot(guild(channel_id=None), saturday) is None
    assert schedule.due_slot(guild(), saturday) is not None


def test_due_slot_on_spring_forward_day_with_a_time_in_the_gap() -> None:
    settings = guild(post_time="02:30")
    assert schedule.due_slot(settings, datetime(2026, 3, 29, 1, 29, tzinfo=UTC)) is None
    slot = schedule.due_slot(settings, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert slot is not None and slot.key == "2026-03-29"


def test_today_slot_ignores_time_and_weekday() -> None:
    saturday_early = datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    slot = schedule.today_slot(guild(weekdays=frozenset({0})), saturday_early)
    assert slot.key == "2026-03-07"
    assert slot.post_at == datetime(2026, 3, 7, 8, 0, tzinfo=UTC)


# -- reveal ------------------------------------------------------------------------------------
def test_reveal_time_after_a_delay() -> None:
    post_at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert schedule.reveal_time(guild(reveal_after_minutes=90), post_at) == post_at + timedelta(
        minutes=90
    )


def test_reveal_time_next_is_the_next_post_even_over_a_weekend_and_dst() -> None:
    weekdays = guild(reveal_after_minutes=None, weekdays=frozenset(range(5)))
    friday = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    # The next post is Monday 30 March, 09:00 CEST.
    assert schedule.reveal_time(weekdays, friday) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_reveal_time_next_without_any_weekday_falls_back_to_a_day() -> None:
    post_at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    settings = guild(reveal_after_minutes=None, weekdays=frozenset())
    assert schedule.reveal_time(settings, post_at) == post_at + timedelta(days=1)


def test_reveal_time_next_after_a_late_catch_up_post_is_the_following_post() -> None:
    late = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # posted at 21:00 after a downtime
    settings = guild(reveal_after_minutes=None)
    assert schedule.reveal_time(settings, late) == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_unknown_zone_in_stored_settings_is_a_schedule_error() -> None:
    with pytest.raises(ScheduleError):
        schedule.zone("Mars/Olympus")
    with pytest.raises(ScheduleError):
        schedule.zone("../etc/passwd")
    assert NEW_YORK.key == schedule.zone("America/New_York").key


# -- the dispatcher's questions ------------------------------------------------------------------
def test_next_due_is_now_once_todays_slot_has_come_else_the_next_post() -> None:
    settings = guild()
    before = datetime(2026, 3, 2, 7, 59, tzinfo=UTC)  # 08:59 Berlin
    assert schedule.next_due(settings, before) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    late = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert schedule.next_due(settings, late) == late


def test_next_due_is_none_for_a_guild_that_never_posts() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert schedule.next_due(guild(paused=True), now) is None
    assert schedule.next_due(guild(channel_id=None), now) is None
    assert schedule.next_due(guild(weekdays=frozenset()), now) is None


def test_next_post_after_walks_one_post_per_local_day_through_both_dst_changes() -> None:
    for start, zone_name in [
        (datetime(2026, 3, 27, 12, 0, tzinfo=UTC), "Europe/Berlin"),
        (datetime(2026, 10, 23, 12, 0, tzinfo=UTC), "Europe/Berlin"),
        (datetime(2026, 3, 6, 12, 0, tzinfo=UTC), "America/New_York"),
        (datetime(2026, 10, 30, 12, 0, tzinfo=UTC), "America/New_York"),
    ]:
        for post_time in ("09:00", "02:30", "00:00", "23:59"):
            settings = guild(timezone=zone_name, post_time=post_time)
            at, days = start, []
            for _ in range(5):
                nxt = schedule.next_post_after(settings, at)
                assert nxt is not None and nxt > at
                days.append(nxt.astimezone(ZoneInfo(zone_name)).date())
                at = nxt
            # Five posts on five consecutive local days, none skipped, none doubled.
            assert [(d - days[0]).days for d in days] == [0, 1, 2, 3, 4], (zone_name, post_time)


def test_next_post_after_keeps_only_the_guilds_weekdays() -> None:
    settings = guild(weekdays=frozenset({0, 2, 4}))
    friday_noon = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    nxt = schedule.next_post_after(settings, friday_noon)
    assert nxt == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin


def test_local_days_and_wall_times_of_any_zone_live_here() -> None:
    # 23:30 UTC on 28 March is already 29 March in Berlin (CET, +1).
    assert schedule.day_in("Europe/Berlin", datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(
        2026, 3, 29
    )
    assert schedule.at_local(date(2026, 3, 2), "07:30", "Europe/Berlin") == datetime(
        2026, 3, 2, 6, 30, tzinfo=UTC
    )
    # 02:30 does not exist on 29 March in Berlin: shifted forward by the gap, as posts are.
    assert schedule.at_local(date(2026, 3, 29), "02:30", "Europe/Berlin") == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    start, end = schedule.day_bounds(date(2026, 3, 29), "Europe/Berlin")  # a 23-hour day
    assert (start, end - start) == (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), timedelta(hours=23))
    start, end = schedule.day_bounds(date(2026, 10, 25), "Europe/Berlin")  # a 25-hour day
    assert end - start == timedelta(hours=25)


def test_week_of_is_the_weeks_first_day_for_any_first_weekday() -> None:
    # 2026-03-04 is a Wednesday.
    assert schedule.week_of("2026-03-04", 0) == "2026-03-02"  # weeks from Monday
    assert schedule.week_of("2026-03-04", 6) == "2026-03-01"  # from Sunday
    assert schedule.week_of("2026-03-04", 2) == "2026-03-04"  # from Wednesday: itself
    assert schedule.week_of("2026-03-03", 2) == "2026-02-25"  # the Tuesday before: last week
    assert schedule.week_of("2027-01-01", 0) == "2026-12-28"  # across a year


def test_schedule_imports_nothing_from_storage_at_run_time() -> None:
    """Storage keys its week boards with ``week_of``: were bot.schedule to import bot.storage
    (whose package loads the repositories), the two could not load each other."""
    probe = "import bot.schedule, sys; print(any(m.startswith('bot.storage') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
