"""A read-only view of the store for the web board's pages.

On SQLite, reads outside a write transaction already run on the engine's reader connections
(their own aiosqlite threads), never on the writer's: a page never queues behind the answer
writer's transactions, and a slow page read never holds the writer while answers wait. What this
view adds is that a page's short board reads (``fetchall_inline``: a rank counts ties, up to a
few ms at 50,000 members) go to those reader threads too, instead of the event loop's own
read-only connection, so the loop runs on while a page is read. Writes are refused. On
PostgreSQL the pool already reads side by side: the view is the store itself.

Measured with benchmarks/web.py: pages that read through the write connection waited behind
answer batches (the page's one query took up to 190 ms at 2,000 answers/s, issue 29).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import Executable, Table

from bot.storage import Store
from bot.storage.backend import Connection, Lock, Params
from bot.storage.database import Database

READ_ONLY = "the page reader is read-only: writes go through the store"


class ReadOnly(RuntimeError):
    """A page tried to write through the read-only view."""


class SqliteReader:
    """The ``Backend`` the page reader's repositories see: the store's reads, all of them on
    the reader threads."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dialect = db.dialect

    def insert(self, table: Table) -> Any:
        return self.db.insert(table)

    async def fetchall(self, stmt: Executable, params: Params = None) -> list[Any]:
        return await self.db.fetchall(stmt, params)

    async def fetchone(self, stmt: Executable, params: Params = None) -> Any:
        return await self.db.fetchone(stmt, params)

    async def scalar(self, stmt: Executable, params: Params = None) -> Any:
        return await self.db.scalar(stmt, params)

    async def fetchall_inline(self, stmt: Executable, params: Params = None) -> list[Any]:
        return await self.db.fetchall(stmt, params)  # a reader thread, not the loop

    def transaction(self, lock: Lock | None = None) -> AbstractAsyncContextManager[Connection]:
        raise ReadOnly(READ_ONLY)

    async def execute(self, stmt: Executable, params: Params = None) -> int:
        raise ReadOnly(READ_ONLY)

    async def insert_returning_id(self, stmt: Executable, params: Params = None) -> int:
        raise ReadOnly(READ_ONLY)

    async def write_many(self, stmt: Executable, rows: Sequence[Mapping[str, Any]]) -> int:
        raise ReadOnly(READ_ONLY)

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def migrate(self) -> list[int]:
        raise ReadOnly(READ_ONLY)

    async def scrub(self) -> bool:
        return True  # nothing is written here: the store's own scrub empties the WAL

    async def close(self) -> None:
        """Nothing of its own to close: the store's engine owns the connections."""


def page_reader(store: Store) -> Store:
    """The store pages read through: ``SqliteReader`` on a SQLite file, or ``store`` itself
    where it would not help (PostgreSQL's pool). Close it with ``close_reader``."""
    db = store.db
    if isinstance(db, Database) and str(db.path) not in ("", ":memory:"):
        return Store(SqliteReader(db))
    return store


async def close_reader(reader: Store, store: Store) -> None:
    if reader is not store:
        await reader.db.close()
