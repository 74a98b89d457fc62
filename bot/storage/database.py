"""The SQLite backend: Core statements run on aiosqlite, one writer, its pragmas and WAL.

One writer: every write goes through ``transaction()``, which holds an asyncio lock and opens
``BEGIN IMMEDIATE`` so that a read-then-write can never fail half-way with "database is locked"
(see shared/FACTS.md); whatever the ``lock`` asked for, SQLite has one write lock per file.
Reads outside a transaction run on connections of their own (read-only, up to eight, each
aiosqlite's thread) in autocommit and see committed data only (WAL). A statement and its rows
are one trip to the connection's thread.
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
from sqlalchemy import Executable, exc
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from bot.storage import migrate
from bot.storage import sqlite_calls as calls
from bot.storage.backend import Lock, Params, Result
from bot.storage.engine import SQLITE_INSERTS, Pool, Prepared, SqlDatabase, clean
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


class _Dialect(SQLiteDialect_pysqlite):
    """SQLite's dialect (``?`` placeholders), compiling with ``_Compiler``; it only compiles:
    the statements run on aiosqlite's connections."""

    statement_compiler = _Compiler
    supports_statement_cache = True


DIALECT = _Dialect()

_READER_PRAGMAS = (*_PRAGMAS[2:4], "PRAGMA query_only=ON")


async def _connect(path: Path, pragmas: Sequence[str]) -> aiosqlite.Connection:
    # Autocommit (isolation_level None): the writer says BEGIN IMMEDIATE itself, readers begin
    # nothing.
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        await conn._execute(calls.pragmas, conn, pragmas)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _close(conn: aiosqlite.Connection) -> None:
    await conn.close()


class Database(SqlDatabase):
    """``await Database.open(path)`` connects, sets pragmas, migrates."""

    dialect = "sqlite"
    sa_dialect = DIALECT
    _inserts = SQLITE_INSERTS

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._write_lock = asyncio.Lock()
        self._writer_conn: aiosqlite.Connection | None = None
        # Readers: up to eight at once, four kept (each connection is aiosqlite's thread).
        self._readers = Pool(
            lambda: _connect(path, _READER_PRAGMAS), _close, lambda _: True, size=8, keep=4
        )
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
        db = cls(Path(path))
        try:
            writer = await db._writer_connection()  # creates the file, WAL on
            if migrate:
                await db.migrate()
            if checkpoint_every is not None:
                await writer._execute(calls.pragmas, writer, ["PRAGMA wal_autocheckpoint=0"])
                db._checkpointer = asyncio.create_task(
                    db._checkpoint_loop(checkpoint_every), name="sqlite-checkpoint"
                )
        except BaseException:
            await db._disconnect()
            raise
        return db

    async def _writer_connection(self) -> aiosqlite.Connection:
        if self._writer_conn is None:
            self._writer_conn = await _connect(self.path, _PRAGMAS)
        return self._writer_conn

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
        self._open()
        return await self._pragma_now(pragma)

    async def _pragma_now(self, pragma: str) -> Any:
        async with self._write_lock, self._readers.acquire() as conn:
            return (await self._run(conn, Prepared(pragma, [[]], False))).first()

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
        if self.closed:
            return
        self.closed = True  # refuse new work from here on
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
                await self._pragma_now("PRAGMA wal_checkpoint(TRUNCATE)")
        await self._disconnect()

    async def _disconnect(self) -> None:
        self.closed = True
        await self._readers.close()
        writer, self._writer_conn = self._writer_conn, None
        if writer is not None:
            await writer.close()

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
    async def _writer(self, lock: Lock | None) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            self._open()  # closed while this waited
            conn = await self._writer_connection()
            try:
                await conn._execute(calls.begin, conn)
                yield conn
            except BaseException:
                # Also when cancelled: a statement (or the BEGIN) handed to aiosqlite's thread
                # still runs there, so end the transaction after it, whatever this task does
                # meanwhile; the next writer's BEGIN queues behind it.
                await asyncio.shield(conn._execute(calls.end, conn, False))
                raise
            await conn._execute(calls.end, conn, True)

    def _reader(self) -> contextlib.AbstractAsyncContextManager[aiosqlite.Connection]:
        self._open()
        return self._readers.acquire()

    async def _run(self, conn: aiosqlite.Connection, prepared: Prepared) -> Result:
        return await conn._execute(calls.run, conn, prepared.text, prepared.rows, prepared.many)

    def _wrap(self, error: Exception, prepared: Prepared) -> Exception:
        if isinstance(error, sqlite3.Error):  # as SQLAlchemy raised it: IntegrityError, ...
            return exc.DBAPIError.instance(
                prepared.text, prepared.rows, error, sqlite3.Error, ismulti=prepared.many
            )
        return error

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
            conn = await self._writer_connection()
            return int(await conn._execute(_write_many, conn, compiled.text, ordered))

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
            async with self._reader() as conn:
                await conn.backup(dest)
        finally:
            await dest.close()
