"""Scoring rules for the daily question, in one place.

A member who answers the daily question (at least ``MIN_ANSWER_CHARS`` of text, not deleted)
earns ``ANSWER_POINTS``; the first such member earns ``FIRST_BONUS`` more; a streak of
consecutive daily posts answered earns one extra point per post in the streak beyond the first,
capped at ``STREAK_CAP``. A streak counts daily posts, not calendar days, so a Mon-Fri guild's
streak survives the weekend.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage.models import Answer, Award, MemberStats

ANSWER_POINTS = 10
FIRST_BONUS = 3
STREAK_CAP = 5
MIN_ANSWER_CHARS = 20


def counts(answer: Answer) -> bool:
    return answer.deleted_at is None and len(answer.content.strip()) >= MIN_ANSWER_CHARS


def daily_awards(answers: Sequence[Answer], streaks: dict[int, int] | None = None) -> list[Award]:
    """Awards for one daily post. ``streaks`` maps user -> streak length *including* today."""
    streaks = streaks or {}
    ordered = sorted((a for a in answers if counts(a)), key=lambda a: (a.created_at, a.id))
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
