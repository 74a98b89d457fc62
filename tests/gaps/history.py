"""A hand-made four weeks for the gap report: who answered which topic and how they graded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.bank import Bank
from bot.storage import Store
from bot.storage.database import iso
from tests.leaderboard.history import answer, at, post, reveal
from tests.support.sql import sql

ANA, BEN, CY, DEE = 101, 102, 103, 104


def question_of(bank: Bank, topic: str, n: int = 0) -> str:
    return sorted(q.id for q in bank.questions.values() if q.topic == topic)[n]


async def grade(
    store: Store, guild: int, user: int, question_id: str, value: int, day: str
) -> None:
    """A self-grade as the Grade buttons leave it (practice or daily, same table)."""
    when = at(day, 20)
    await store.db.execute(
        *sql(
            "INSERT INTO quiz_sessions (guild_id, user_id, question_id, question_version, mode,"
            " state, shown_at, graded_at, grade) VALUES (?, ?, ?, '1', 'quiz', 'graded', ?, ?, ?)",
            (guild, user, question_id, iso(when), iso(when), value),
        ),
    )


async def a_day(
    store: Store, bank: Bank, guild: int, day: str, topic: str, n: int, answering: list[int]
) -> str:
    p = await post(store, day, topic, guild)
    question_id = question_of(bank, topic, n)
    await store.db.execute(
        *sql("UPDATE daily_posts SET question_id = ? WHERE id = ?", (question_id, p.id))
    )
    for minute, user in enumerate(answering, start=1):
        await answer(store, p, user, minute=minute)
    await reveal(store, p)
    return question_id


async def four_weeks(store: Store, bank: Bank, guild: int, members: list[int]) -> None:
    """Clock at 2026-03-02. With members a, b, c, d:
    - cicd: 4 posts, all four answer (rate 100%), graded 4 by b: strong.
    - serving: 4 posts, only c answers (25%), c grades 2: the weakest.
    - monitoring: 2 posts, a and b answer (50%); a grades 4, b and c grade 1 (mean 2.0).
    - data: one post in January, outside the window, nobody answers: not counted.
    """
    a, b, c, _d = members
    start = datetime(2026, 2, 3, tzinfo=UTC)
    days = [(start + timedelta(days=2 * k)).date().isoformat() for k in range(10)]
    for k in range(4):
        q = await a_day(store, bank, guild, days[k], "cicd", k, members)
        await grade(store, guild, b, q, 4, days[k])
    for k in range(4):
        q = await a_day(store, bank, guild, days[4 + k], "serving", k, [c])
        await grade(store, guild, c, q, 2, days[4 + k])
    for k in range(2):
        q = await a_day(store, bank, guild, days[8 + k], "monitoring", k, [a, b])
        await grade(store, guild, a, q, 4, days[8 + k])
        await grade(store, guild, b, q, 1, days[8 + k])
        await grade(store, guild, c, q, 1, days[8 + k])
    await a_day(store, bank, guild, "2026-01-05", "data", 0, [])
