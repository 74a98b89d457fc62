"""SQLite's write_many runs on the loop's own connection (issue 25), never waits there for a
lock another process holds, and leaves nothing behind when a batch fails."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage import DailyPost, Database, NewAnswer, Store

pytestmark = pytest.mark.sqlite_only("the loop's own write connection is SQLite's")

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _post(store: Store) -> DailyPost:
    post, _ = await store.daily.claim(
        guild_id=1, local_date="2026-03-02", question_id="q", topic="t", channel_id=2,
        nonce="n", scheduled_for=WHEN, reveal_at=None, now=WHEN,
    )  # fmt: skip
    return post


def _answer(post: DailyPost, message_id: int) -> NewAnswer:
    return NewAnswer(post.id, 1, 3, message_id, 2, "canary\x00first", WHEN)


async def test_a_write_lock_held_elsewhere_is_waited_for_off_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    store = Store(db)
    try:
        post = await _post(store)
        await store.answers.record([_answer(post, 10)])  # the loop's connection is open
        other = sqlite3.connect(path, isolation_level=None)  # another process, say
        other.execute("BEGIN IMMEDIATE")
        batch = [_answer(post, 11), _answer(post, 10)]
        writing = asyncio.ensure_future(store.answers.record(batch))
        ticks = 0
        for _ in range(10):  # the loop keeps running while the batch waits for the lock
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 10 and not writing.done()
        other.execute("COMMIT")
        other.close()
        assert await asyncio.wait_for(writing, timeout=5) == 1  # 10 was there already
        rows = await store.answers.for_post(post.id)
        assert [(r.message_id, r.content) for r in rows] == [
            (10, "canary\ufffdfirst"),
            (11, "canary\ufffdfirst"),
        ]
    finally:
        await db.close()


async def test_a_failed_batch_leaves_nothing_and_the_next_one_is_stored(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    store = Store(db)
    try:
        post = await _post(store)
        orphan = NewAnswer(post.id + 1, 1, 3, 21, 2, "no such post", WHEN)
        with pytest.raises((sqlite3.IntegrityError, IntegrityError)):
            await store.answers.record([_answer(post, 20), orphan])
        assert await store.answers.for_post(post.id) == []  # rolled back as a whole
        assert await store.answers.record([_answer(post, 20)]) == 1
        # The same connection serves a transaction of the engine's next: no lock left over.
        await store.daily.set_thread(post.id, 99)
        assert [r.message_id for r in await store.answers.for_post(post.id)] == [20]
    finally:
        await db.close()
