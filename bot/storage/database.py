"""The SQLite backend: SQLAlchemy Core over aiosqlite, one writer, its pragmas and WAL.

One writer: every write goes through ``transaction()``, which holds an asyncio lock and opens
``BEGIN IMMEDIATE`` so that a read-then-write can never fail half-way with "database is locked"
(see shared/FACTS.md); whatever the ``lock`` asked for, SQLite has one write lock per file.
Reads outside a transaction run on connections of their own in autocommit and see committed
data only (WAL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiosqlite
from sqlalchemy import URL, Connection, Executable, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.storage import migrate
from bot.storage.backend import Lock, Params
from bot.storage.engine import SQLITE_INSERTS, SqlDatabase, clean
from bot.storage.migrate import SchemaTooNew

log = logging.getLogger(__name__)

__all__ = ["Database", "SchemaTooNew", "from_iso", "iso"]

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL survives an application crash in WAL mode; the bot acknowledges a write only
    # after COMMIT returns.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
    # Deleted rows are overwritten, not just unlinked: a forgotten member's text must not
    # linger in free pages (scrub() then empties the WAL).
    "PRAGMA secure_delete=ON",
)


def _stored(path: Path) -> migrate.Stored:
    """The revisions stored in the file, read through the driver (no SQLAlchemy, no Alembic)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        return migrate.read_sqlite(conn)
    finally:
        conn.close()


def iso(when: datetime) -> str:
    if when.tzinfo is UTC:  # most are (discord.py's, the clock's): no conversion to make
        return when.isoformat(timespec="microseconds")
    if when.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _write_rows(raw: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """One write transaction of ``sql`` over ``rows`` on ``raw``; returns the rows changed."""
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


def _write_many(conn: aiosqlite.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """In aiosqlite's thread: ``_write_rows`` on the sqlite3 connection, this thread's to use."""
    return _write_rows(conn._conn, sql, rows)


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Another connection holds the lock (SQLITE_BUSY or _LOCKED, extended codes included)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class _Compiler(SQLiteCompiler):
    """SQLite's compiler, rendering ``with_hint(table, "INDEXED BY name", "sqlite")`` after the
    table (SQLAlchemy renders table hints for MySQL and SQL Server only): a few board reads
    must use the index they were written for (see bot/storage/boards.py)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def _engine(path: Path, *, writer: bool) -> AsyncEngine:
    engine = create_async_engine(
        URL.create("sqlite+aiosqlite", database=str(path)),
        pool_size=1 if writer else 4,
        max_overflow=0 if writer else 4,
        # No ROLLBACK when a connection goes back to the pool (a trip to aiosqlite's thread):
        # a writer always leaves through COMMIT or ROLLBACK, a reader never opens a transaction.
        pool_reset_on_return=None,
    )
    engine.dialect.statement_compiler = _Compiler

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # SQLAlchemy says BEGIN (below); pysqlite none of its own
        cursor = dbapi.cursor()
        for pragma in _PRAGMAS if writer else (*_PRAGMAS[2:4], "PRAGMA query_only=ON"):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the write lock at BEGIN; readers begin nothing (autocommit reads).
        if writer:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database(SqlDatabase):
    """``await Database.open(path)`` connects, sets pragmas, migrates."""

    dialect = "sqlite"
    _inserts = SQLITE_INSERTS

    def __init__(self, writer: AsyncEngine, reader: AsyncEngine, path: Path) -> None:
        super().__init__(writer)
        self.reader = reader
        self.path = path
        self._write_lock = asyncio.Lock()
        self._checkpointer: asyncio.Task[None] | None = None
        self._inline: sqlite3.Connection | None = None  # fetchall_inline's, the loop's own
        self._inline_writer: sqlite3.Connection | None = None  # write_many's, the loop's own

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
        path = Path(path)
        writer, reader = _engine(path, writer=True), _engine(path, writer=False)
        db = cls(writer, reader, path)
        try:
            async with writer.connect() as conn:  # creates the file, WAL on
                await conn.exec_driver_sql("SELECT 1")
            if migrate:
                await db.migrate()
            if checkpoint_every is not None:
                async with writer.connect() as conn:
                    await conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
                db._checkpointer = asyncio.create_task(
                    db._checkpoint_loop(checkpoint_every), name="sqlite-checkpoint"
                )
        except BaseException:
            await writer.dispose()
            await reader.dispose()
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

    async def _pragma(self, pragma: str) -> Any:
        # PRAGMAs are SQLite's own statements, outside what Core builds: text. On a reader's
        # autocommit connection: a checkpoint cannot run inside the writer's BEGIN IMMEDIATE
        # ("database table is locked"); the write lock keeps the writer out meanwhile.
        async with self._write_lock, self.reader.connect() as conn:
            return (await conn.exec_driver_sql(pragma)).first()

    async def checkpoint(self) -> tuple[int, int, int]:
        """Checkpoint now on the main connection: (busy, wal pages, pages copied)."""
        row = await self._pragma("PRAGMA wal_checkpoint(PASSIVE)")
        return int(row[0]), int(row[1]), int(row[2])

    async def scrub(self) -> bool:
        """After deleting a member's data: fold the WAL into the database file and truncate
        it, so the deleted text lingers in neither (with secure_delete, the file's freed pages
        are zeroed). A reader in the way is waited for briefly. True when the WAL is empty."""
        for _ in range(50):
            row = await self._pragma("PRAGMA wal_checkpoint(TRUNCATE)")
            if row is not None and int(row[0]) == 0:
                return True
            await asyncio.sleep(0.02)
        log.warning("the WAL could not be truncated after a forget; the next checkpoint will")
        return False

    async def close(self) -> None:
        self.closed = True
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._inline_writer is not None:
            self._inline_writer.close()
            self._inline_writer = None
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
            with contextlib.suppress(Exception):
                # Leave a small WAL behind: fold it into the database on the way out.
                await self._pragma("PRAGMA wal_checkpoint(TRUNCATE)")
        await self.reader.dispose()
        await self.engine.dispose()

    async def schema_version(self) -> int:
        self._open()
        return migrate.version(await asyncio.to_thread(_stored, self.path))

    async def migrate(self) -> list[int]:
        """Apply pending migrations (one transaction, BEGIN IMMEDIATE, in a child process: see
        bot/storage/migrate.py). Returns versions applied."""
        self._open()
        where = str(self.path)
        if migrate.up_to_date(await asyncio.to_thread(_stored, self.path), where):
            return []
        return await migrate.in_child("sqlite", where, where)

    @asynccontextmanager
    async def _writer(self, lock: Lock | None) -> AsyncIterator[AsyncConnection]:
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    def _reader(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        self._open()
        return self.reader.connect()

    async def fetchall_inline(self, stmt: Executable, params: Params = None) -> list[Any]:
        """A short read by index (a board page, a rank), run on the loop's own thread through a
        read-only connection of its own: committed data only, as any read outside a write
        transaction. The trip to aiosqlite's thread (a hand-off and a wake-up of the loop, 0.1-
        0.3 ms) cost several times the query: a top 10 takes 0.02 ms of SQL (issue 25). Never
        for a read that may scan: it holds the loop while it runs. Core compiles the statement
        once (``_compile``); each call only orders its values."""
        self._open()
        if self._current() is not None:
            return await self.fetchall(stmt, params)
        if self._inline is None:
            if str(self.path) in ("", ":memory:"):  # another connection would see another db
                return await self.fetchall(stmt, params)
            self._inline = sqlite3.connect(self.path, isolation_level=None)
            self._inline.execute("PRAGMA query_only=ON")
            self._inline.execute("PRAGMA busy_timeout=100")  # bounds how long it holds the loop
        compiled = self._compile(stmt, ())
        if compiled is None:
            return await self.fetchall(stmt, params)
        values = clean(params) or {}
        assert isinstance(values, Mapping)
        return self._inline.execute(compiled.text, self._values(compiled, values)).fetchall()

    async def write_many(self, stmt: Executable, rows: Sequence[Mapping[str, Any]]) -> int:
        """One statement over many rows in one write transaction; returns the rows changed.

        Run on the loop's own thread through a sqlite3 connection of its own, like
        ``fetchall_inline``: answers are stored in batches of a few rows at a steady rate, and
        for such a batch the pool checkout and the trip to aiosqlite's thread (a hand-off and a
        wake-up of the loop each way) cost four times the SQL (issue 25: 213 µs against 37 µs
        for one row). COMMIT has returned before this does, as before. The connection waits for
        no lock (busy_timeout 0): if another process holds SQLite's write lock, the batch goes
        through aiosqlite's thread, which waits for it without holding the loop. Core compiles
        the statement once; the parameters are cleaned and ordered here."""
        if not rows:
            return 0
        if self._current() is not None:
            return await super().write_many(stmt, rows)
        keys = tuple(rows[0])
        compiled = self._compile(stmt, keys)
        if compiled is None:
            return await super().write_many(stmt, rows)
        cleaned = cast(Sequence[Mapping[str, Any]], clean(rows))
        ordered = [self._values(compiled, row) for row in cleaned]
        async with self._write_lock:
            writer = self._loop_writer()
            if writer is not None:
                try:
                    return _write_rows(writer, compiled.text, ordered)
                except sqlite3.OperationalError as exc:
                    if not _busy(exc):
                        raise
            async with self.engine.connect() as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                assert isinstance(raw, aiosqlite.Connection)
                return int(await raw._execute(_write_many, raw, compiled.text, ordered))

    def _loop_writer(self) -> sqlite3.Connection | None:
        """write_many's connection (None for an in-memory database: another connection would
        see another database). Same pragmas as the writer's; no automatic checkpoint when the
        background checkpointer runs (its fsync would hold the loop)."""
        self._open()
        if self._inline_writer is None and str(self.path) not in ("", ":memory:"):
            conn = sqlite3.connect(self.path, isolation_level=None)
            for pragma in _PRAGMAS[1:]:
                conn.execute(pragma)
            conn.execute("PRAGMA busy_timeout=0")
            if self._checkpointer is not None:
                conn.execute("PRAGMA wal_autocheckpoint=0")
            self._inline_writer = conn
        return self._inline_writer

    async def backup(self, target: Path) -> None:
        """Online backup through SQLite's backup API: safe while the bot runs."""
        dest = await aiosqlite.connect(str(target))
        try:
            async with self.engine.connect() as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                assert isinstance(raw, aiosqlite.Connection)
                await raw.backup(dest)
        finally:
            await dest.close()
