"""Board reads (top, rank, hidden members, pages) and forget-me against a real database."""

from __future__ import annotations

import asyncio

from bot.storage import SrsCard, Store
from tests.leaderboard.history import GUILD, at, day
from tests.support import postgres
from tests.support.sql import sql


async def practise(store: Store, user: int, question_id: str, grade: int) -> None:
    """One graded /quiz session, as the practice service stores it."""
    now = at("2026-03-02", 12)
    session = await store.practice.open_session(
        guild_id=GUILD,
        user_id=user,
        question_id=question_id,
        question_version="1",
        mode="quiz",
        now=now,
    )
    await store.practice.record_answer(
        session.id, guild_id=GUILD, user_id=user, text="practice answer", now=now
    )
    card = SrsCard(user, question_id, "{}", now, grade, 1)
    await store.practice.grade(session.id, grade, card, now)


async def test_top_pages_rank_and_hidden_members(store: Store) -> None:
    # 25 members; member n answers on n of 25 days, so points grow with n.
    for d in range(25):
        local = f"2026-01-{d + 1:02d}"
        await day(store, local, *[u for u in range(1, 26) if u > d])
    top = await store.boards.top(GUILD, "all", limit=10, offset=0)
    assert [r.user_id for r in top] == list(range(25, 15, -1))
    assert [r.rank for r in top] == list(range(1, 11))
    page3 = await store.boards.top(GUILD, "all", limit=10, offset=20)
    assert [r.user_id for r in page3] == [5, 4, 3, 2, 1]
    me = await store.boards.rank(GUILD, "all", 3)
    assert me is not None and me.rank == 23 and me.answers == 3
    await store.boards.set_hidden(GUILD, 25, True, at("2026-02-01"))
    assert (await store.boards.top(GUILD, "all", limit=1, offset=0))[0].user_id == 24
    me = await store.boards.rank(GUILD, "all", 3)
    assert me is not None and me.rank == 22
    assert await store.boards.rank(GUILD, "m:2025-12", 3) is None
    # Ties rank by member id; a hidden member with equal points and a smaller id is skipped.
    await day(store, "2026-01-26", 1)
    tied = await store.boards.rank(GUILD, "w:2026-01-26", 1)
    assert tied is not None and tied.rank == 1
    assert await store.scores.level_mismatches(GUILD) == []


async def test_forget_deletes_the_member_from_every_table_once(store: Store) -> None:
    p = await day(store, "2026-03-02", 1, 2)
    await practise(store, 1, "cicd-001", 3)
    await store.boards.set_hidden(GUILD, 1, True, at("2026-03-02"))
    await store.boards.add_away(GUILD, 1, ["2026-03-09"], 7, at("2026-03-02"))
    request = await store.boards.request_forget(GUILD, 1, at("2026-03-03"))
    assert await store.boards.forget(request, 2, at("2026-03-03")) is None  # not Ben's request
    first, second = await asyncio.gather(
        store.boards.forget(request, 1, at("2026-03-03")),
        store.boards.forget(request, 1, at("2026-03-03")),
    )
    assert (first is None) != (second is None)
    for table, listed in (await postgres.columns_of(store.db)).items():
        columns = set(listed)
        for column in {"user_id", "giver_id", "author_id"} & columns:
            if table == "audit_log":
                continue
            left = await store.db.fetchone(
                *sql(f"SELECT COUNT(*) FROM {table} WHERE {column} = 1", ())
            )
            assert left[0] == 0, f"{table}.{column} still holds the forgotten member"
    assert await store.scores.level_mismatches(GUILD) == []
    ben = await store.scores.stats(GUILD, 2)
    assert ben is not None and ben.answered == 1
    audit = await store.db.fetchall(
        *sql("SELECT action, new_value FROM audit_log WHERE action = 'privacy.forget'")
    )
    assert len(audit) == 1 and "points 2" in audit[0][1]
    assert p.guild_id == GUILD
