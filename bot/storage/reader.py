"""A read-only view of the store for the web board's pages: on SQLite, a connection of its own
(``PRAGMA query_only``) with its own aiosqlite thread, so a page's reads never queue behind the
answer writer's transactions on the one write connection, and a slow page read (the gap report's
window of answers) never holds that connection while answers wait. On PostgreSQL the pool
already reads side by side: the view is the store itself.

Measured with benchmarks/web.py: pages that read through the write connection waited behind
answer batches (the page's one query took up to 190 ms at 2,000 answers/s, issue 29).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from bot.storage import Store
from bot.storage.backend import Connection
from bot.storage.database import Database, clean_params

READ_ONLY = "the page reader is read-only: writes go through the store"


class SqliteReader:
    """The ``Backend`` the page reader's repositories see. Reads only; the connection opens
    on the first read and sees committed data, as any SQLite reader in WAL mode."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()

    async def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            async with self._opening:
                if self._conn is None:
                    conn = await aiosqlite.connect(str(self.db.path), isolation_level=None)
                    try:
                        await conn.execute("PRAGMA query_only=ON")
                        await conn.execute("PRAGMA busy_timeout=5000")
                    except BaseException:
                        await conn.close()
                        raise
                    self._conn = conn
        return self._conn

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        conn = await self._connection()
        return list(await conn.execute_fetchall(sql, clean_params(params)))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall_inline(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """On this reader's thread too: a page's reads of a board (a rank counts ties: up to a
        few ms at 50,000 members) are kept, so the trip costs little and the loop runs on."""
        return await self.fetchall(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        raise sqlite3.OperationalError(READ_ONLY)
        yield  # pragma: no cover  (a generator, for asynccontextmanager)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise sqlite3.OperationalError(READ_ONLY)

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise sqlite3.OperationalError(READ_ONLY)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        raise sqlite3.OperationalError(READ_ONLY)

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def migrate(self) -> list[int]:
        raise sqlite3.OperationalError(READ_ONLY)

    async def scrub(self) -> bool:
        return True  # nothing is written here: the store's own scrub empties the WAL

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


def page_reader(store: Store) -> Store:
    """The store pages read through: a read-only SQLite connection of its own, or ``store``
    itself where another connection would not help (PostgreSQL's pool, an in-memory SQLite
    database, which another connection would not see). Close it with ``close_reader``."""
    db = store.db
    if isinstance(db, Database) and str(db.path) not in ("", ":memory:"):
        return Store(SqliteReader(db))
    return store


async def close_reader(reader: Store, store: Store) -> None:
    if reader is not store:
        await reader.db.close()
