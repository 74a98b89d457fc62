"""Forget-me covers every table (a walk of the schema fails on a new column that names a member
and is not handled), stops a study plan's reminders, says what is kept and why, and leaves the
deleted text in neither the database file nor its WAL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.boards.privacy import PrivacyService
from bot.clock import FakeClock
from bot.storage import Store
from bot.storage.boards import (
    _FORGET,
    DELETED,
    KEPT_AUDIT,
    MEMBER_COLUMNS,
    NOT_MEMBER_COLUMNS,
    names_member,
)
from tests.leaderboard.history import GUILD, answer, at, day
from tests.support import postgres
from tests.support.sql import sql

ME, PARTNER = 1, 2
CANARY = "forget-me-canary-7f3a: this text must leave no trace anywhere in the database"


async def test_every_column_that_names_a_member_is_forgotten_or_kept_with_a_reason(
    store: Store,
) -> None:
    schema = await postgres.columns_of(store.db)
    unhandled = [
        f"{table}.{column}"
        for table, columns in schema.items()
        for column in columns
        if names_member(column)
        and (table, column) not in MEMBER_COLUMNS
        and column not in NOT_MEMBER_COLUMNS
    ]
    assert unhandled == [], "say in MEMBER_COLUMNS what forget-me does with these"
    stale = [f"{t}.{c}" for t, c in MEMBER_COLUMNS if c not in schema.get(t, [])]
    assert stale == []
    forgotten = {table for table, _ in _FORGET} | {"srs_cards"}
    assert {t for (t, _), what in MEMBER_COLUMNS.items() if what == DELETED} <= forgotten


async def _everything_of(store: Store, clock: FakeClock) -> int:
    """Member ME in every kind of row: answers and points, a blind answer, a study plan with
    reminders, a mock pair whose partner's round they rated with a line of feedback."""
    p = await day(store, "2026-03-02", ME, PARTNER)
    await answer(store, p, ME, CANARY)
    blind, _ = await store.daily.claim(
        guild_id=GUILD, local_date="2026-03-03", question_id="q", topic="cicd", channel_id=9,
        nonce="b", scheduled_for=at("2026-03-03"), reveal_at=at("2026-03-03", 23),
        now=at("2026-03-03"), mode="blind",
    )  # fmt: skip
    await store.blind.submit(blind.id, GUILD, ME, CANARY, at("2026-03-03", 10))
    await store.plans.start(
        user_id=ME, guild_id=GUILD, first_day=date(2026, 3, 2), interview_day=date(2026, 3, 20),
        timezone="UTC", remind_at="08:00", now=clock.now(),
    )  # fmt: skip
    now = clock.now()
    pair = await store.mock_pairs.invite(
        guild_id=GUILD, channel_id=9, inviter_id=ME, partner_id=PARTNER, round_="coding",
        now=now, expires_at=now + timedelta(minutes=10),
    )  # fmt: skip
    assert await store.mock_pairs.settle(pair.id, PARTNER, "accepted", now)
    theirs = await store.mock.create(
        guild_id=GUILD, user_id=PARTNER, round_="coding", items=[], now=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    await store.mock_pairs.set_round(
        pair.id, old_session=None, candidate_id=PARTNER, session_id=theirs.id, thread_id=77
    )
    assert await store.mock_pairs.rate(theirs.id, ME, {"communication": 3}, now)
    assert await store.mock_pairs.feedback(theirs.id, ME, CANARY[:200])
    return theirs.id


async def test_forget_leaves_nothing_that_names_the_member_and_says_what_is_kept(
    store: Store, clock: FakeClock
) -> None:
    partners_round = await _everything_of(store, clock)
    privacy = PrivacyService(store, clock)
    request = await privacy.request_forget(GUILD, ME)
    done = await privacy.forget(request, ME)
    for (table, column), what in MEMBER_COLUMNS.items():
        if what != DELETED:
            continue
        left = await store.db.fetchone(
            *sql(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (ME,))
        )
        assert left[0] == 0, f"{table}.{column} still names the forgotten member"
    assert await store.plans.get(ME) is None
    assert [p for p in await store.plans.with_reminders() if p.user_id == ME] == []
    assert await store.mock_pairs.feedback_of(partners_round) is None
    assert await store.mock.session(partners_round) is not None  # the partner's round stays
    assert done.deleted["study_plans"] == 1 and done.deleted["mock_feedback"] == 1
    assert done.kept == {KEPT_AUDIT: 1}  # the line saying that the forget happened
    texts = await store.db.fetchall(*sql("SELECT content FROM answers", ()))
    assert all(CANARY not in t[0] for t in texts)


@pytest.mark.sqlite_only("the write-ahead log and free pages are SQLite's file format")
async def test_forgotten_text_lingers_in_neither_the_file_nor_its_wal(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "drill.sqlite3"
    store = await Store.open(path)
    try:
        await _everything_of(store, clock)
        await store.db.checkpoint()  # the text is in the main file as well as the WAL
        privacy = PrivacyService(store, clock)
        await privacy.forget(await privacy.request_forget(GUILD, ME), ME)
        for name in (path, Path(f"{path}-wal")):
            if name.exists():
                assert CANARY[:40].encode() not in name.read_bytes(), name.name
    finally:
        await store.close()
