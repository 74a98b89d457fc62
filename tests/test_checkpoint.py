"""The WAL is folded into the database by the background checkpointer, not by COMMITs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import Database, NewAnswer, Store
from tests.conftest import eventually

pytestmark = pytest.mark.sqlite_only(
    "the WAL checkpointer is SQLite's own; PostgreSQL checkpoints by itself"
)

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _fill(store: Store, rows: int) -> None:
    post, _ = await store.daily.claim(
        guild_id=1,
        local_date="2026-03-02",
        question_id="q",
        topic="t",
        channel_id=2,
        nonce="n",
        scheduled_for=WHEN,
        reveal_at=None,
        now=WHEN,
    )
    await store.answers.record(
        [NewAnswer(post.id, 1, 3, 1000 + i, 2, "x" * 500, WHEN) for i in range(rows)]
    )


async def test_commits_leave_the_wal_alone_and_the_checkpointer_folds_it(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path, checkpoint_every=3600)  # never fires in this test
    store = Store(db)
    try:
        before = path.stat().st_size
        await _fill(store, 3000)  # ~1.5 MB: past SQLite's 1,000-page autocheckpoint mark
        assert path.stat().st_size == before  # no COMMIT paid for a checkpoint
    finally:
        await db.close()  # folds the WAL in on the way out
    assert path.stat().st_size > before + 1_000_000


async def test_background_checkpointer_copies_frames(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path, checkpoint_every=0.02)
    try:
        before = path.stat().st_size
        await _fill(Store(db), 3000)
        await eventually(lambda: path.stat().st_size > before + 1_000_000, timeout=5)
    finally:
        await db.close()
    assert not any(t.get_name() == "sqlite-checkpoint" for t in asyncio.all_tasks())
