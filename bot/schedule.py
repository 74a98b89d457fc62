"""Scheduling decisions: parse organiser input, and work out when a guild posts and reveals.

Everything takes ``now`` (aware UTC) and a guild's settings; nothing here reads the clock.
Local wall-clock times survive DST: a 09:00 post stays at 09:00 local. A time that does not
exist on a spring-forward day moves forward by the gap (02:30 becomes 03:30), and one that
occurs twice on a fall-back day is used once, at its first occurrence.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

if TYPE_CHECKING:  # storage imports this module (week_of): only the type is needed here
    from bot.storage.models import GuildSettings

ALL_WEEKDAYS = frozenset(range(7))  # 0 = Monday, as datetime.weekday()
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALIASES = {
    "daily": ALL_WEEKDAYS,
    "every": ALL_WEEKDAYS,
    "everyday": ALL_WEEKDAYS,
    "all": ALL_WEEKDAYS,
    "weekdays": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}


class ScheduleError(ValueError):
    """Bad organiser input; the message is meant to be shown to them as is."""


def parse_time(text: str) -> str:
    """'9:05' / '09:05' -> '09:05'."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"'{text}' is not a time: use 24-hour HH:MM, e.g. 09:00 or 18:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(token: str) -> int:
    """A weekday from any prefix of its English name of two letters or more ('mo', 'tues',
    'thursday'). Two letters already tell the seven days apart; a typo is refused rather than
    read as the day its first three letters name ('mondaz' is not Monday)."""
    matches = [
        i for i, name in enumerate(FULL_DAY_NAMES) if len(token) >= 2 and name.startswith(token)
    ]
    if len(matches) != 1:
        raise ScheduleError(
            f"'{token}' is not a weekday: use mon, tue, wed, thu, fri, sat, sun, ranges like "
            "mon-fri, or daily / weekdays / weekends"
        )
    return matches[0]


def parse_weekday(text: str) -> int:
    """One weekday ('mon', 'Tuesday') -> 0..6."""
    return _day(text.strip().lower())


def parse_weekdays(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'Tue Thu', 'weekdays', 'daily' -> set of 0..6."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ScheduleError("give at least one weekday, e.g. mon-fri or daily")
    if cleaned in _ALIASES:
        return _ALIASES[cleaned]
    days: set[int] = set()
    for part in re.split(r"[\s,;]+", cleaned):
        if not part:
            continue
        if part in _ALIASES:
            days |= _ALIASES[part]
        elif "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            days.update(span)
        else:
            days.add(_day(part))
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    if days == ALL_WEEKDAYS:
        return "every day"
    if days == frozenset(range(5)):
        return "Mon-Fri"
    return ", ".join(DAY_NAMES[d].title() for d in sorted(days))


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def parse_timezone(text: str) -> str:
    """An IANA name (case-insensitive); else ScheduleError with the closest names."""
    name = text.strip()
    lowered = {z.lower(): z for z in _zone_names()}
    if name.lower() in lowered:
        return lowered[name.lower()]
    raise ScheduleError(
        f"'{text}' is not an IANA timezone."
        + (
            f" Did you mean {', '.join(suggest_timezones(text))}?"
            if suggest_timezones(text)
            else ""
        )
        + " Examples: Europe/Berlin, America/New_York, UTC."
    )


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    needle = text.strip().lower().replace(" ", "_")
    if not needle:
        return []
    names = _zone_names()
    contains = [z for z in names if needle in z.lower()]
    close = difflib.get_close_matches(needle, [z.lower() for z in names], n=limit, cutoff=0.6)
    by_lower = {z.lower(): z for z in names}
    ranked = contains + [by_lower[c] for c in close if by_lower[c] not in contains]
    return ranked[:limit]


def complete_timezones(text: str, limit: int = 25) -> list[str]:
    needle = text.strip().lower().replace(" ", "_")
    common = [
        "UTC",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Asia/Singapore",
        "Australia/Sydney",
    ]
    if not needle:
        return common[:limit]
    starts = [
        z
        for z in _zone_names()
        if z.lower().startswith(needle) or z.lower().split("/")[-1].startswith(needle)
    ]
    return (starts + [z for z in suggest_timezones(text, limit) if z not in starts])[:limit]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown timezone '{name}'") from None


def local_date(settings: GuildSettings, now: datetime) -> date:
    return day_in(settings.timezone, now)


def day_in(zone_name: str, when: datetime) -> date:
    """The local date of the instant ``when`` in a time zone."""
    return when.astimezone(zone(zone_name)).date()


def at_local(day: date, hhmm: str, zone_name: str) -> datetime:
    """The UTC instant of the wall time ``hhmm`` on local ``day`` (DST-aware, gaps shifted)."""
    hour, minute = map(int, hhmm.split(":"))
    wall = datetime.combine(day, time(hour, minute), tzinfo=zone(zone_name))
    # A wall time in a spring-forward gap round-trips to a different wall time; zoneinfo then
    # gives the pre-gap offset, i.e. the time shifted forward by the gap, which is what we want.
    return wall.astimezone(UTC)


def day_bounds(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """[start, end) of local ``day`` as UTC instants (23 or 25 hours on a DST change)."""
    return at_local(day, "00:00", zone_name), at_local(day + timedelta(days=1), "00:00", zone_name)


def week_of(local_date: str, week_start: int) -> str:
    """The first day (ISO date) of the week holding ``local_date``; weeks start on
    ``week_start`` (0 = Monday)."""
    day = date.fromisoformat(local_date)
    return (day - timedelta(days=(day.weekday() - week_start) % 7)).isoformat()


def weekly_latest(zone_name: str, weekday: int, hhmm: str, now: datetime) -> datetime:
    """The latest instant at or before ``now`` that is ``weekday`` (0 = Monday) at ``hhmm`` in
    the zone: a weekly event's most recent due time."""
    day = day_in(zone_name, now) - timedelta(days=(day_in(zone_name, now).weekday() - weekday) % 7)
    when = at_local(day, hhmm, zone_name)
    return when if when <= now else at_local(day - timedelta(days=7), hhmm, zone_name)


def weekly_after(zone_name: str, weekday: int, hhmm: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` that is ``weekday`` at ``hhmm`` in the zone."""
    latest = weekly_latest(zone_name, weekday, hhmm, after)
    return at_local(day_in(zone_name, latest) + timedelta(days=7), hhmm, zone_name)


def post_time_on(settings: GuildSettings, day: date) -> datetime:
    """The UTC instant of the guild's post on local ``day`` (DST-aware, gaps shifted)."""
    return at_local(day, settings.post_time, settings.timezone)


@dataclass(frozen=True, slots=True)
class Slot:
    local_date: date
    post_at: datetime  # UTC

    @property
    def key(self) -> str:
        return self.local_date.isoformat()


def due_slot(settings: GuildSettings, now: datetime) -> Slot | None:
    """Today's slot if the guild should have posted by ``now``; None otherwise.

    Only the current local day counts: a bot that was down all of yesterday does not post
    yesterday's question today.
    """
    if not settings.configured or settings.paused:
        return None
    today = local_date(settings, now)
    if today.weekday() not in settings.weekdays:
        return None
    post_at = post_time_on(settings, today)
    if settings.starts_after is not None and post_at < settings.starts_after:
        return None  # set up (or moved) after today's time: it starts with the next one
    return Slot(today, post_at) if now >= post_at else None


def today_slot(settings: GuildSettings, now: datetime) -> Slot:
    """Today's slot regardless of time and weekday (for /drill post-now)."""
    today = local_date(settings, now)
    return Slot(today, post_time_on(settings, today))


def next_posts(settings: GuildSettings, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` post instants strictly after ``after`` (UTC)."""
    if not settings.weekdays:
        return []
    out: list[datetime] = []
    day = local_date(settings, after)
    while len(out) < count:
        if day.weekday() in settings.weekdays:
            at = post_time_on(settings, day)
            if at > after:
                out.append(at)
        day += timedelta(days=1)
    return out


def posts(settings: GuildSettings) -> bool:
    """Whether the guild posts at all (set up, not paused, some weekday)."""
    return settings.configured and not settings.paused and bool(settings.weekdays)


def next_post_after(settings: GuildSettings, after: datetime) -> datetime | None:
    """The guild's first post instant strictly after ``after``; None if it never posts."""
    if not posts(settings):
        return None
    return next_posts(settings, after, 1)[0]


def next_due(settings: GuildSettings, now: datetime) -> datetime | None:
    """When the guild should next be looked at for a post: ``now`` if today's slot has come
    (whether it was posted is the database's to say), else its next post; None if it never
    posts. The dispatcher's one question about "when", so DST is decided here only."""
    if due_slot(settings, now) is not None:
        return now
    return next_post_after(settings, now)


def reveal_time(settings: GuildSettings, post_at: datetime) -> datetime:
    """When the post made at ``post_at`` reveals: after the delay, or at the next post."""
    if settings.reveal_after_minutes is not None:
        return post_at + timedelta(minutes=settings.reveal_after_minutes)
    upcoming = next_posts(settings, post_at, 1)
    # A guild with no weekdays left still reveals, a day later.
    return upcoming[0] if upcoming else post_at + timedelta(days=1)


def parse_reveal(text: str) -> int | None:
    """'23h', '90m', '1h30m', 'next' (at the next post) -> minutes, or None for 'next'."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in {"next", "nextpost", "atnextpost"}:
        return None
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?", cleaned)
    if not cleaned or not match or not any(match.groups()):
        raise ScheduleError(
            f"'{text}' is not a reveal delay: use hours and minutes like 23h, 90m or 1h30m, or "
            "'next' to reveal at the next post"
        )
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 5 <= minutes <= 7 * 24 * 60:
        raise ScheduleError("the reveal delay must be between 5 minutes and 7 days")
    return minutes


def format_duration(minutes: int) -> str:
    """'for 12h', 'for 1h30m', or 'not at all' for 0 (a blind thread's discussion time)."""
    if minutes <= 0:
        return "not at all (locked at the reveal)"
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"for {hours}h{mins:02d}m"
    return f"for {hours}h" if hours else f"for {mins}m"


def format_reveal(minutes: int | None) -> str:
    if minutes is None:
        return "at the next post"
    hours, mins = divmod(minutes, 60)
    return f"after {hours}h{mins:02d}m" if mins else f"after {hours}h"
