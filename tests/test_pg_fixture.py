"""The PostgreSQL half of the suite reuses one database, emptied before each test: nothing a
test wrote is seen by the next, ids start at 1 again, and a lock left behind costs a fresh copy
of the template rather than a hung run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from bot.storage import open_store
from tests.support import postgres

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _write_some(url: str) -> int:
    store = await open_store(url)
    try:
        await store.guilds.update(5, 6, T0, channel_id=7)
        entries = await store.guilds.recent_audit(5)
        return max(e.id for e in entries)
    finally:
        await store.close()


async def test_emptied_leaves_no_rows_and_restarts_ids(pg_cluster: postgres.Cluster) -> None:
    url = await asyncio.to_thread(postgres.emptied, pg_cluster)
    await _write_some(url)
    await _write_some(url)  # the ids grow within a test
    again = await asyncio.to_thread(postgres.emptied, pg_cluster)
    assert again == url
    store = await open_store(again)
    try:
        assert await store.guilds.configured() == []
        assert await store.guilds.recent_audit(5) == []
    finally:
        await store.close()
    assert await _write_some(again) == 1  # as in a new database


async def test_a_lock_left_behind_gets_a_fresh_database(pg_cluster: postgres.Cluster) -> None:
    url = await asyncio.to_thread(postgres.emptied, pg_cluster)
    await _write_some(url)
    stuck = await asyncpg.connect(url)
    try:
        transaction = stuck.transaction()
        await transaction.start()
        await stuck.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
        fresh = await asyncio.to_thread(postgres.emptied, pg_cluster)  # waits lock_timeout
        await transaction.rollback()
    finally:
        await stuck.close()
    assert fresh != url
    assert await _write_some(fresh) == 1
