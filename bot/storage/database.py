"""The one aiosqlite connection, its pragmas, migrations and write transactions.

One connection, one writer: every write goes through ``transaction()``, which holds an asyncio
lock and opens ``BEGIN IMMEDIATE`` so that a read-then-write can never fail half-way with
"database is locked" (see shared/FACTS.md). Reads outside a transaction see committed data only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite
from sqlalchemy import URL, Connection, create_engine, event
from sqlalchemy.pool import NullPool

from bot.storage import migrate
from bot.storage.migrate import SchemaTooNew

log = logging.getLogger(__name__)

__all__ = ["Database", "SchemaTooNew", "clean_params", "from_iso", "iso"]

T = TypeVar("T")


def _on_file(path: Path, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one write transaction on a SQLAlchemy connection to the SQLite file (in
    a worker thread: Alembic is synchronous). BEGIN IMMEDIATE, so a migration is all or nothing
    and waits for, rather than races, another writer."""
    engine = create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # SQLAlchemy emits BEGIN below, pysqlite none of its own
        dbapi.execute("PRAGMA busy_timeout=5000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as conn:
            return work(conn)
    finally:
        engine.dispose()


def iso(when: datetime) -> str:
    if when.tzinfo is UTC:  # most are (discord.py's, the clock's): no conversion to make
        return when.isoformat(timespec="microseconds")
    if when.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def clean_params(params: Sequence[Any]) -> Sequence[Any]:
    """Text is stored without NUL characters on both backends: PostgreSQL's text type cannot
    hold one (it refused a member's answer with 0x00 in it), so each becomes U+FFFD, the
    replacement character, on SQLite too."""
    for param in params:  # a plain loop: this runs for every statement and every batch row
        if isinstance(param, str) and "\x00" in param:
            return tuple(p.replace("\x00", "\ufffd") if isinstance(p, str) else p for p in params)
    return params


class _Connection:
    """The connection a write transaction hands the repositories: aiosqlite's, with
    ``clean_params`` applied to every statement's parameters."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        return await self._conn.execute(sql, clean_params(params))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> Iterable[Any]:
        return await self._conn.execute_fetchall(sql, clean_params(params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> aiosqlite.Cursor:
        return await self._conn.executemany(sql, (clean_params(r) for r in rows))


def _write_many(conn: aiosqlite.Connection, sql: str, rows: list[Sequence[Any]]) -> int:
    """In aiosqlite's thread: one write transaction of ``sql`` over ``rows``; rows changed."""
    raw = conn._conn  # the sqlite3 connection, this thread's to use
    raw.execute("BEGIN IMMEDIATE")
    try:
        before = raw.total_changes
        raw.executemany(sql, rows)
        changed = raw.total_changes - before
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return changed


class Database:
    """Owns the connection. ``await Database.open(path)`` connects, sets pragmas, migrates."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._checkpointer: asyncio.Task[None] | None = None
        self._reader: sqlite3.Connection | None = None  # fetchall_inline's, the loop's own

    @classmethod
    async def open(
        cls, path: Path | str, *, migrate: bool = True, checkpoint_every: float | None = 30.0
    ) -> Database:
        """Connect, set pragmas, migrate.

        With ``checkpoint_every`` (seconds), the WAL is checkpointed by a second connection
        in the background instead of by whichever COMMIT crosses SQLite's 1,000-page mark:
        that checkpoint's fsync was the whole p99 of answer ingestion (5.8 ms -> 1.4-2.5 ms,
        benchmarks/ingest.py).
        """
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL survives an application crash in WAL mode; the bot acknowledges a write
            # only after COMMIT returns.
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten, not just unlinked: a forgotten member's text must
            # not linger in free pages (scrub() then empties the WAL).
            await conn.execute("PRAGMA secure_delete=ON")
            db = cls(conn, Path(path))
            if migrate:
                await db.migrate()
            if checkpoint_every is not None:
                await conn.execute("PRAGMA wal_autocheckpoint=0")
                db._checkpointer = asyncio.create_task(
                    db._checkpoint_loop(checkpoint_every), name="sqlite-checkpoint"
                )
        except BaseException:
            await conn.close()
            raise
        return db

    async def _checkpoint_loop(self, every: float) -> None:
        side: aiosqlite.Connection | None = None
        try:
            while True:
                await asyncio.sleep(every)
                if side is None:
                    side = await aiosqlite.connect(str(self.path), isolation_level=None)
                    await side.execute("PRAGMA busy_timeout=5000")
                try:
                    # PASSIVE never blocks the writer; frames it cannot copy yet wait for the
                    # next round.
                    await side.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:
                    log.warning("WAL checkpoint failed: %s", exc)
        finally:
            if side is not None:
                await side.close()

    async def checkpoint(self) -> tuple[int, int, int]:
        """Checkpoint now on the main connection: (busy, wal pages, pages copied)."""
        row = await self.fetchone("PRAGMA wal_checkpoint(PASSIVE)")
        return int(row[0]), int(row[1]), int(row[2])

    async def scrub(self) -> bool:
        """After deleting a member's data: fold the WAL into the database file and truncate
        it, so the deleted text lingers in neither (with secure_delete, the file's freed pages
        are zeroed). A reader in the way is waited for briefly. True when the WAL is empty."""
        for _ in range(50):
            row = await self.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
            if row is not None and int(row[0]) == 0:
                return True
            await asyncio.sleep(0.02)
        log.warning("the WAL could not be truncated after a forget; the next checkpoint will")
        return False

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
            with contextlib.suppress(sqlite3.Error):
                # Leave a small WAL behind: fold it into the database on the way out.
                await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        await self.conn.close()

    async def schema_version(self) -> int:
        return await asyncio.to_thread(_on_file, self.path, migrate.current)

    async def migrate(self) -> list[int]:
        """Apply pending migrations (one transaction, BEGIN IMMEDIATE). Returns versions applied."""
        return await asyncio.to_thread(
            _on_file, self.path, lambda conn: migrate.upgrade(conn, str(self.path))
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield cast(aiosqlite.Connection, _Connection(self.conn))
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, clean_params(params)))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall_inline(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A short read by index (a board page, a rank), run on the loop's own thread through a
        read-only connection of its own: committed data only, as any read outside a write
        transaction. The trip to aiosqlite's thread (a hand-off and a wake-up of the loop, 0.1-
        0.3 ms) cost several times the query: a top 10 takes 0.02 ms of SQL (issue 25). Never
        for a read that may scan: it holds the loop while it runs."""
        if self._reader is None:
            if str(self.path) in ("", ":memory:"):  # another connection would see another db
                return await self.fetchall(sql, params)
            self._reader = sqlite3.connect(self.path, isolation_level=None)
            self._reader.execute("PRAGMA query_only=ON")
            self._reader.execute("PRAGMA busy_timeout=100")  # bounds how long it can hold the loop
        return self._reader.execute(sql, clean_params(params)).fetchall()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction; returns lastrowid."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        """An INSERT in its own transaction; the new row's id (0 if none was inserted)."""
        async with self.transaction() as conn:
            cursor = await conn.execute(f"{sql} RETURNING id", params)
            row = await cursor.fetchone()
            return int(row[0]) if row else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement over many rows in one write transaction; returns the rows changed.

        The whole transaction is one trip to aiosqlite's thread, not three (BEGIN IMMEDIATE,
        the rows, COMMIT): answers are stored in batches of a few rows at a steady rate, and
        each trip was a thread hand-off and a wake-up of the loop (issue 25). The parameters
        are cleaned here, on the loop, before the trip."""
        cleaned = [clean_params(r) for r in rows]
        async with self._write_lock:
            return int(await self.conn._execute(_write_many, self.conn, sql, cleaned))

    async def backup(self, target: Path) -> None:
        """Online backup through SQLite's backup API: safe while the bot runs."""
        dest = await aiosqlite.connect(str(target))
        try:
            await self.conn.backup(dest)
        finally:
            await dest.close()
