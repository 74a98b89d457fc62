"""Spaced repetition: a thin wrapper over the ``fsrs`` package (the algorithm is not ours).

Cards are stored as the package's own JSON so a newer ``fsrs`` can read what an older one wrote;
grades map one to one onto ``fsrs.Rating`` (Again/Hard/Good/Easy = 1..4).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

GRADES: dict[int, str] = {int(r): r.name for r in Rating}  # 1: "Again" ... 4: "Easy"

# Fuzzing spreads intervals with the global random generator: off, so a grade's next due date
# is reproducible (tests with a fake clock, and members who compare notes see the same rule).
_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True, slots=True)
class Review:
    """The member's card after one grade: JSON to store, and when it is due again."""

    card_json: str
    due: datetime
    grade: int


def rating(grade: int) -> Rating:
    """1..4 to the package's Rating; anything else is a programming error upstream."""
    if grade not in GRADES:
        raise ValueError(f"grade must be 1..4, got {grade!r}")
    return Rating(grade)


def grade_name(grade: int) -> str:
    return rating(grade).name


def card_id(user_id: int, question_id: str) -> int:
    """A stable id: fsrs would otherwise read the wall clock (and sleep 1 ms) to make one."""
    return zlib.crc32(f"{user_id}:{question_id}".encode())


def new_card(user_id: int, question_id: str, now: datetime) -> Card:
    # due and card_id are passed so the package never consults the system clock.
    return Card(card_id=card_id(user_id, question_id), due=_utc(now))


def to_json(card: Card) -> str:
    return card.to_json()


def from_json(text: str) -> Card:
    return Card.from_json(text)


def review(
    card_json: str | None,
    grade: int,
    now: datetime,
    *,
    user_id: int,
    question_id: str,
    duration_ms: int | None = None,
) -> Review:
    """Apply one self-grade at ``now`` to the stored card (or a fresh one)."""
    card = from_json(card_json) if card_json else new_card(user_id, question_id, now)
    updated, _log = _SCHEDULER.review_card(
        card, rating(grade), review_datetime=_utc(now), review_duration=duration_ms
    )
    return Review(to_json(updated), _utc(updated.due), grade)


def _utc(when: datetime) -> datetime:
    # fsrs insists on tzinfo == timezone.utc exactly, not just any zero-offset zone.
    if when.tzinfo is None:
        raise ValueError("aware datetimes only")
    return when.astimezone(UTC)
