"""Organiser and member input checked before anything is stored, and echoed back short.

Anything a member typed may come back in a reply; Discord refuses a reply over 2,000
characters, so the member would see "The application did not respond". ``echo`` shortens it
and breaks mentions apart (replies also send ``allowed_mentions`` that ping nobody).
The parsing itself stays in bot/schedule.py; this adds the bounds in front of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot import schedule
from bot.bank import Bank, Topic, UnknownTopic
from bot.errors import DrillError

T = TypeVar("T")

ECHO = 80
# Names tzdata ships that are not places: the machine's zone, a placeholder, a link file.
NOT_PLACES = frozenset({"localtime", "factory", "posixrules"})
# Longest IANA name is 32 characters ('America/Argentina/ComodRivadavia').
_MAX_ZONE = 64
_MAX_WEEKDAYS = 100
_MAX_REVEAL = 20
_MAX_TOPIC = 100  # the /quiz option's own max_length


def echo(text: str, limit: int = ECHO) -> str:
    """``text`` on one line, at most ``limit`` characters, with mentions broken apart."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("@", "@\u200b")


def _parsed(parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except schedule.ScheduleError as exc:  # its message quotes the input: break mentions
        raise DrillError(str(exc).replace("@", "@\u200b")) from None


def post_time(text: str) -> str:
    """'9:05' / '09:05' -> '09:05'. ASCII digits only: '٠٩:٠٠' would be stored as typed."""
    cleaned = text.strip()
    if len(cleaned) > 5 or not cleaned.isascii():
        raise DrillError(
            f"'{echo(text)}' is not a time: use 24-hour HH:MM with the digits 0-9, "
            "e.g. 09:00 or 18:30"
        )
    return _parsed(schedule.parse_time, cleaned)


def timezone(text: str) -> str:
    """An IANA place name; refuses 'localtime', 'Factory' and 'posixrules'."""
    cleaned = text.strip()
    if len(cleaned) > _MAX_ZONE or not cleaned.isascii():
        raise DrillError(
            f"'{echo(text)}' is not an IANA timezone. Examples: Europe/Berlin, "
            "America/New_York, UTC."
        )
    if cleaned.casefold() in NOT_PLACES:
        raise DrillError(
            f"'{echo(cleaned)}' names no place, so its clock is not your group's: use an "
            "IANA timezone such as Europe/Berlin, America/New_York or UTC."
        )
    return _parsed(schedule.parse_timezone, cleaned)


def weekdays(text: str) -> frozenset[int]:
    if len(text) > _MAX_WEEKDAYS:
        raise DrillError(
            f"'{echo(text)}' is not a list of weekdays: use e.g. mon-fri, mon,wed,fri or daily"
        )
    return _parsed(schedule.parse_weekdays, text)


def reveal(text: str) -> int | None:
    if len(text.strip()) > _MAX_REVEAL:
        raise DrillError(
            f"'{echo(text)}' is not a reveal delay: use hours and minutes like 23h, 90m or "
            "1h30m, or 'next' to reveal at the next post"
        )
    return _parsed(schedule.parse_reveal, text)


def discussion(text: str) -> int:
    """How long a blind post's thread stays open after the reveal: '12h', '90m', '1h30m', or
    '0' (lock at once); at most 7 days. Minutes."""
    cleaned = text.strip().lower().replace(" ", "")
    match = re.fullmatch(r"(?:(\d{1,4})h)?(?:(\d{1,5})m)?", cleaned) if len(cleaned) <= 12 else None
    if cleaned in {"0", "none", "off"}:
        return 0
    if not cleaned or match is None or not any(match.groups()):
        raise DrillError(
            f"'{echo(text)}' is not a discussion time: use hours and minutes like 12h, 90m or "
            "1h30m, or 0 to lock the thread at the reveal"
        )
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if minutes > 7 * 24 * 60:
        raise DrillError("The discussion time is at most 7 days (168h).")
    return minutes


def nudge(text: str) -> int | None:
    """The role ping's time before the reveal: '2h' (1h to 23h), or 'off' (None)."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in {"off", "none", "0"}:
        return None
    match = re.fullmatch(r"(\d{1,2})h?", cleaned) if len(cleaned) <= 3 else None
    if match is None or not 1 <= int(match.group(1)) <= 23:
        raise DrillError(
            f"'{echo(text)}' is not a nudge time: hours before the reveal, 1h to 23h, or 'off'"
        )
    return int(match.group(1))


def is_place(zone: str) -> bool:
    """For timezone autocomplete: leave out the names ``timezone`` refuses."""
    return zone.casefold() not in NOT_PLACES


def unknown_topic(text: str, suggestions: Sequence[Topic], otherwise: str = "") -> DrillError:
    """UnknownTopic's sentence with the member's text shortened; ``otherwise`` is added
    when there is nothing to suggest."""
    names = ", ".join(f"`{t.slug}` ({t.name})" for t in suggestions)
    hint = f" Did you mean {names}?" if names else otherwise
    return DrillError(f"No topic matches '{echo(text)}'.{hint}")


def resolve_topic(bank: Bank, text: str, otherwise: str = "") -> Topic:
    """A topic by slug, name, alias or close spelling; too long to be one is no topic."""
    if len(text) > _MAX_TOPIC:
        raise unknown_topic(text, [], otherwise)
    try:
        return bank.resolve_topic(text)
    except UnknownTopic as exc:
        raise unknown_topic(text, exc.suggestions, otherwise) from None
