"""The PostgreSQL backend: the same interface as ``Database``, over an asyncpg pool.

Repositories write SQLite-style SQL (``?`` placeholders, ``ON CONFLICT``, ``RETURNING``). Here
each statement's ``?`` become ``$1..$n`` and ``?N`` ``$N`` (outside string literals), SQLite's
planner hint ``INDEXED BY name`` is dropped (PostgreSQL plans by itself), every transaction gets
its own pooled connection, and the connection handed to the repositories answers the few cursor
questions they ask: rows, ``rowcount`` (from the command status) and ``total_changes``.
Several bot processes can share one PostgreSQL; the exactly-once rules live in unique
constraints, which hold across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage import migrate
from bot.storage.database import clean_params
from bot.storage.url import redact

log = logging.getLogger(__name__)

T = TypeVar("T")

# A quoted literal (kept as is), a placeholder (?, ?N) or SQLite's INDEXED BY hint.
_TOKEN_RE = re.compile(r"'(?:[^']|'')*'|\?(\d*)|\s+INDEXED BY \w+")
_STATUS_COUNT_RE = re.compile(r"(\d+)$")
_RETURNS_ROWS_RE = re.compile(r"^\s*(SELECT|WITH|VALUES|PRAGMA)\b|\bRETURNING\b", re.I)
_WRITE_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)
_MIGRATION_LOCK = 7270157  # any fixed key: drillbot's migrations, one process at a time
# An INSERT of one row of plain ``?`` placeholders that executemany may send many rows at once.
_ONE_ROW_RE = re.compile(r"^\s*INSERT\b.*?\bVALUES\s*(\((?:\s*\?\s*,)*\s*\?\s*\))", re.I | re.S)
_NOT_MULTI_RE = re.compile(r"\bDO\s+UPDATE\b|\bRETURNING\b", re.I)
_CHUNKS = (64, 16, 4, 1)  # rows per multi-row INSERT: few statement shapes for the cache
# Write transactions, one at a time across every process on the database (see transaction()).
_BEGIN = "BEGIN; SELECT pg_advisory_xact_lock(7270158)"


@functools.lru_cache(maxsize=1024)
def to_dollar(sql: str) -> str:
    """SQLite's dialect to PostgreSQL's: ``?`` -> ``$n``, ``?N`` -> ``$N``, no ``INDEXED BY``;
    string literals are left alone."""
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        token = match.group(0)
        if token.startswith("'"):
            return token
        if not token.startswith("?"):
            return ""  # INDEXED BY
        if match.group(1):
            return f"${match.group(1)}"
        counter += 1
        return f"${counter}"

    return _TOKEN_RE.sub(number, sql)


def _rowcount(status: str | None) -> int:
    # "INSERT 0 1", "UPDATE 3", "DELETE 0", "SELECT 2": the count is the last number.
    match = _STATUS_COUNT_RE.search(status or "")
    return int(match.group(1)) if match else -1


def _numeric(text: str) -> int | float:
    # SUM(bigint) is numeric in PostgreSQL; SQLite answers an int. Keep the repositories' types.
    return float(text) if any(c in text for c in ".eEN") else int(text)


class PgCursor:
    """What a repository reads back from ``execute``: rows and a row count."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    @property
    def lastrowid(self) -> int:
        raise TypeError("no lastrowid on PostgreSQL: write INSERT ... RETURNING id")

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return list(self._rows)


class PgConnection:
    """One pooled connection inside a transaction, with aiosqlite's calling conventions."""

    def __init__(self, conn: asyncpg.Connection, owner: PgDatabase | None = None) -> None:
        self.raw = conn
        self.owner = owner
        # Only the task that opened the transaction, and only while it is open, reads through it.
        self.task: asyncio.Task[Any] | None = None
        self.total_changes = 0

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        # fetch() and execute() both use asyncpg's statement cache: one round trip a call.
        # A statement that returns rows answers its count by them; a plain write by its status.
        query = to_dollar(sql)
        params = clean_params(params)
        returns_rows = _RETURNS_ROWS_RE.search(query) is not None
        try:
            if returns_rows:
                rows = await self.raw.fetch(query, *params)
                count = len(rows)
            else:
                rows, count = [], _rowcount(await self.raw.execute(query, *params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            # The repositories catch DB-API's IntegrityError, whichever backend runs.
            raise sqlite3.IntegrityError(str(exc)) from exc
        if _WRITE_RE.match(query):
            self.total_changes += max(count, 0)
        return PgCursor(rows, count)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Each row as ``execute`` would, but an INSERT ... VALUES (?, ...) goes as multi-row
        INSERTs: a round trip per row was most of a 200-answer batch's time. Row counts
        (``total_changes``) are the same: the status counts the rows inserted, and ON CONFLICT
        DO NOTHING skips a duplicate within one statement as it would across two. DO UPDATE
        (a row may not be updated twice by one statement) and RETURNING go row by row."""
        rows = list(rows)
        one = _ONE_ROW_RE.match(sql)
        if one is None or _NOT_MULTI_RE.search(sql) or len(rows) < 2:
            for params in rows:
                await self.execute(sql, params)
            return
        head, group, tail = sql[: one.start(1)], one.group(1), sql[one.end(1) :]
        start = 0
        for size in _CHUNKS:
            while len(rows) - start >= size:
                chunk = rows[start : start + size]
                many = f"{head}{', '.join([group] * size)}{tail}"
                await self.execute(many, [value for row in chunk for value in row])
                start += size

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await (await self.execute(sql, params)).fetchall()


# Statements come from asyncpg's per-connection cache, prepared once. With PostgreSQL's default
# (plan_cache_mode=auto) each run of a prepared board query was planned again for its values:
# 0.4 ms of planning for 0.1 ms of work at 1M answers. The bot's statements are all indexed
# lookups whose best plan does not depend on the values, so one generic plan serves them all.
_SERVER_SETTINGS = {"plan_cache_mode": "force_generic_plan"}


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release: asyncpg's default reset (advisory locks, cursors, LISTEN, RESET ALL) is a
    round trip per query for session state drillbot never leaves behind: its one session lock
    (migrations) is released in ``finally``, and it sets, opens and listens to nothing. An
    open transaction is still rolled back by the pool before this is called."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )


# The write transaction the running task is inside, if any: its reads go through it.
_inside: ContextVar[PgConnection | None] = ContextVar("drillbot_pg_transaction", default=None)


class PgDatabase:
    """Owns the pool. ``await PgDatabase.open(url)`` connects and migrates."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, min_size: int = 1, max_size: int = 10
    ) -> PgDatabase:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            reset=_keep_session,
            server_settings=_SERVER_SETTINGS,
        )
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def scrub(self) -> bool:
        """SQLite's WAL has no counterpart to empty here: PostgreSQL's dead rows are reclaimed
        by autovacuum, and its WAL is the server's own (archived per the operator's policy)."""
        return True

    async def close(self) -> None:
        await self.pool.close()

    async def _on_server(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a SQLAlchemy connection of its own, in one transaction, holding the
        migration lock (a session advisory lock: two processes starting at once do not race;
        the second finds the work done)."""
        url = self.url
        engine = create_async_engine(
            "postgresql+asyncpg://", async_creator=lambda: asyncpg.connect(url), poolclass=NullPool
        )
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
                await conn.commit()
                try:
                    result = await conn.run_sync(work)
                    await conn.commit()
                    return result
                finally:
                    await conn.rollback()
                    await conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                    await conn.commit()
        finally:
            await engine.dispose()

    async def schema_version(self) -> int:
        return await self._on_server(migrate.current)

    async def migrate(self) -> list[int]:
        """Apply pending migrations in one transaction (PostgreSQL's DDL is transactional)."""
        where = redact(self.url)
        return await self._on_server(lambda conn: migrate.upgrade(conn, where))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """A write transaction on its own pooled connection (ROLLBACK on error), one at a time
        across every process on this database, as SQLite's ``BEGIN IMMEDIATE`` is.

        The repositories read, decide and write inside one transaction. Under PostgreSQL's
        READ COMMITTED two such transactions at once both read the state before either wrote
        (two organisers both audited the first ``configured_by``, a star counted twice); a
        transaction-scoped advisory lock taken with BEGIN (one round trip) serialises them,
        and an asyncio lock keeps one pooled connection, not ten, waiting for it. A read
        through this database inside the block goes through the transaction's connection and
        sees its writes, as on SQLite's single connection."""
        async with self._write_lock, self.pool.acquire() as raw:
            await raw.execute(_BEGIN)
            conn = PgConnection(raw, self)
            conn.task = asyncio.current_task()
            token = _inside.set(conn)
            try:
                yield conn
            except BaseException:
                try:
                    await raw.execute("ROLLBACK")
                except BaseException:
                    raw.terminate()  # the pool replaces it; the server rolls back
                raise
            else:
                await raw.execute("COMMIT")
            finally:
                conn.task = None
                with contextlib.suppress(ValueError):  # closed from another context
                    _inside.reset(token)

    def _current(self) -> PgConnection | None:
        conn = _inside.get()
        if conn is None or conn.owner is not self or conn.task is None:
            return None
        return conn if conn.task is asyncio.current_task() else None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        current = self._current()
        if current is not None:
            return await current.execute_fetchall(sql, params)
        async with self.pool.acquire() as raw:
            return await raw.fetch(to_dollar(sql), *clean_params(params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall_inline(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """SQLite's short read on the loop's thread; here a read like any other."""
        return await self.fetchall(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction; returns the row count."""
        async with self.transaction() as conn:
            return (await conn.execute(sql, params)).rowcount

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        """An INSERT in its own transaction; the new row's id (0 if none was inserted)."""
        async with self.transaction() as conn:
            row = await (await conn.execute(f"{sql} RETURNING id", params)).fetchone()
            return int(row[0]) if row else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement over many rows in one write transaction; returns the rows changed."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)
            return conn.total_changes
