"""Scoring rules for the daily question, in one place (the README's Scoring section).

A member who answers the daily question before the reveal (at least ``MIN_ANSWER_CHARS`` of
text, not deleted) earns ``ANSWER_POINTS``; the first such member earns ``FIRST_BONUS`` more; a
streak of consecutive daily posts answered earns one extra point per post in the streak beyond
the first, capped at ``STREAK_CAP``. A streak counts daily posts, not calendar days, so a
Mon-Fri guild's streak survives the weekend; a post on a day the member declared away
(``/away``) neither breaks nor grows it. Other members' stars (the guild's star reaction) on an
answer earn ``STAR_POINTS`` each, at most ``STAR_CAP`` per member and post, none for starring
yourself; an organiser's best-answer mark earns ``BEST_POINTS``. /quiz and /review practice
earns no points: it is counted apart, in /stats.

Streak insurance: every ``FREEZE_EVERY`` consecutive posts answered earn a streak freeze (at most
``FREEZE_CAP`` held). A post missed (not answered, not away) while a freeze is held spends one:
the streak lives through that post without growing, as on an away day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.errors import DrillError
from bot.storage.models import Answer, Award, MemberStats
from bot.storage.streaks import StreakKeeping

ANSWER_POINTS = 10
FIRST_BONUS = 3
STREAK_CAP = 5
# "+1", "same here" or "great question": agreeing is not answering.
MIN_ANSWER_CHARS = 20
STAR_POINTS = 1
STAR_CAP = 3
BEST_POINTS = 5
AWAY_MAX_DAYS = 14  # per /away
AWAY_PER_MONTH = 7  # default cap per calendar month, set per guild in board_settings
FREEZE_EVERY = 7  # consecutive posts answered that earn a streak freeze
FREEZE_CAP = 2  # freezes a member can hold


def counts(answer: Answer) -> bool:
    return answer.deleted_at is None and len(answer.content.strip()) >= MIN_ANSWER_CHARS


def _arrival(answer: Answer) -> tuple[datetime, bool, int, int]:
    """The order answers arrived in: by time, then by Discord's message id (a snowflake, so
    the order Discord took them in), then by the row. The row's id alone says when *we* stored
    it: a typed answer waits a moment in the group commit while a button answer is stored at
    once, so two answers in one millisecond were ranked by our own write order."""
    return (answer.created_at, answer.message_id is None, answer.message_id or 0, answer.id)


def daily_awards(answers: Sequence[Answer], streaks: dict[int, int] | None = None) -> list[Award]:
    """Awards for one daily post. ``streaks`` maps user -> streak length *including* today."""
    streaks = streaks or {}
    ordered = sorted((a for a in answers if counts(a)), key=_arrival)
    awards: list[Award] = []
    seen: set[int] = set()
    for answer in ordered:
        if answer.user_id in seen:
            continue
        seen.add(answer.user_id)
        awards.append(Award(answer.user_id, ANSWER_POINTS, "answer"))
        if len(seen) == 1:
            awards.append(Award(answer.user_id, FIRST_BONUS, "first"))
        bonus = min(STREAK_CAP, streaks.get(answer.user_id, 1) - 1)
        if bonus > 0:
            awards.append(Award(answer.user_id, bonus, "streak"))
    return awards


def next_streak(prev: MemberStats | None, previous_post_date: str | None) -> tuple[int, int]:
    """(streak, best) for a member answering today's post.

    The streak continues when the member's last answered post is the guild's previous post.
    """
    if prev is None:
        return 1, 1
    run = (
        prev.streak + 1 if previous_post_date and prev.last_answer_date == previous_post_date else 1
    )
    return run, max(run, prev.best_streak)


def current_streak(stats: MemberStats | None, last_revealed: str | None) -> int:
    """The streak as it stands now: alive only if the member answered (or was away for) the
    latest revealed post. A post still open cannot have broken it yet."""
    if stats is None or stats.last_answer_date is None:
        return 0
    if last_revealed is not None and stats.last_answer_date < last_revealed:
        return 0
    return stats.streak


def away_dates(today: date, days: int) -> list[str]:
    """The local dates ``/away days:N`` covers, today included."""
    if not 1 <= days <= AWAY_MAX_DAYS:
        raise DrillError(f"Away days must be between 1 and {AWAY_MAX_DAYS}.")
    return [(today + timedelta(days=i)).isoformat() for i in range(days)]


def star_counts(giver_id: int, author_id: int) -> bool:
    """Stars count from other members only."""
    return giver_id != author_id


def star_outcome(author_id: int, giver_id: int, other_givers: int, cap: int = STAR_CAP) -> str:
    """What a star on an answer earns, given how many other members starred the author's
    answers to the same post before: "self" (one's own answer: not a star at all), the ledger
    reason "star<n>" for the n-th member while n is within ``cap``, else "capped" (kept, worth
    nothing)."""
    if not star_counts(giver_id, author_id):
        return "self"
    n = other_givers + 1
    return f"star{n}" if n <= cap else "capped"


def freezes_after_answer(held: int, streak: int) -> int:
    """Freezes held after answering a post that brings the streak to ``streak``: one more at
    every ``FREEZE_EVERY``-th post of a streak, never more than ``FREEZE_CAP``."""
    if streak > 0 and streak % FREEZE_EVERY == 0:
        return min(FREEZE_CAP, held + 1)
    return min(FREEZE_CAP, held)


def freeze_covers(held: int, streak: int) -> bool:
    """Whether a missed post is covered: a live streak and a freeze to spend on it."""
    return held > 0 and streak > 0


def missed_post(stats: MemberStats, previous_post_date: str, away: bool) -> str | None:
    """What a post the member did not answer does to their streak, from their stats as they
    stood after the guild's previous post and whether they declared this post's date away:
    "bridge" (away: the streak lives through it, nothing spent), "freeze" (a freeze held is
    spent on it, with the same effect) or None (the streak ends, or there was none)."""
    if stats.last_answer_date != previous_post_date or stats.streak <= 0:
        return None  # not alive at the previous post: nothing to keep
    if away:
        return "bridge"
    if freeze_covers(stats.freezes, stats.streak):
        return "freeze"
    return None


KEEPING = StreakKeeping(earn=freezes_after_answer, missed=missed_post)
