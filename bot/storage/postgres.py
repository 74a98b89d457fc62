"""The PostgreSQL backend: Core statements run on asyncpg, for several bot processes.

The same statements as SQLite's, compiled by PostgreSQL's (asyncpg) dialect and run on
asyncpg's connections as prepared statements; every transaction has its own pooled connection.
Several bot processes can share one PostgreSQL: exactly-once lives in
unique constraints and guarded updates, which hold across processes, and a read-decide-write
is serialised by a transaction-scoped advisory lock on its guild (or member), so a busy guild
holds up nobody else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.prepared_stmt import PreparedStatement
from sqlalchemy import Executable, exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from bot.storage import migrate
from bot.storage.backend import Lock, Params, Result, lock_key
from bot.storage.engine import Pool, Prepared, SqlDatabase, Tx, clean
from bot.storage.schema.base import for_postgresql
from bot.storage.url import redact

for_postgresql()  # the partial indexes' PostgreSQL predicates: its dialect is loaded now

log = logging.getLogger(__name__)

# Statements come from asyncpg's per-connection cache, prepared once. With PostgreSQL's default
# (plan_cache_mode=auto) each run of a prepared board query was planned again for its values:
# 0.4 ms of planning for 0.1 ms of work at 1M answers. The bot's statements are all indexed
# lookups whose best plan does not depend on the values, so one generic plan serves them all.
_SERVER_SETTINGS = {"plan_cache_mode": "force_generic_plan"}


def _numeric(text: str) -> int | float:
    # SUM(bigint) is numeric in PostgreSQL; SQLite answers an int. Keep the repositories' types.
    return float(text) if any(c in text for c in ".eEN") else int(text)


class _Connection(asyncpg.Connection):
    """asyncpg's connection, with the statements it has prepared (by text)."""

    __slots__ = ("statements",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements: dict[str, PreparedStatement] = {}

    async def statement(self, sql: str) -> PreparedStatement:
        found = self.statements.get(sql)
        if found is None:
            if len(self.statements) >= 256:  # statements built per call: keep it bounded
                self.statements.clear()
            found = self.statements[sql] = await self.prepare(sql)
        return found


async def _connect(url: str) -> _Connection:
    conn = await asyncpg.connect(
        url, server_settings=_SERVER_SETTINGS, connection_class=_Connection
    )
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )
    assert isinstance(conn, _Connection)
    return conn


async def _close(conn: _Connection) -> None:
    await conn.close(timeout=5)


def _usable(conn: _Connection) -> bool:
    return not conn.is_closed() and not conn.is_in_transaction()


def _lock_sql(key: int) -> str:
    # An advisory lock is PostgreSQL's own function, outside what Core builds portably: text.
    return f"SELECT pg_advisory_xact_lock({int(key)})"


_STATUS = re.compile(
    r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)"
)  # the rows, as SQLAlchemy read it

DIALECT = PGDialect_asyncpg()  # only compiles: the statements run on asyncpg's connections


class _Postgres:
    insert = staticmethod(postgresql.insert)


class PgDatabase(SqlDatabase):
    """Owns the connection pool. ``await PgDatabase.open(url)`` connects and migrates."""

    dialect = "postgresql"
    sa_dialect = DIALECT
    _inserts = _Postgres

    def __init__(self, url: str, max_size: int = 10) -> None:
        super().__init__()
        self.url = url
        self._pool = Pool(lambda: _connect(url), _close, _usable, size=max_size, keep=max_size)
        # Transactions of this process waiting for the same lock queue here, not each on a
        # pooled connection of its own: ten waiters for one busy guild must not take the
        # whole pool from every other guild.
        self._queues: dict[int, tuple[asyncio.Lock, int]] = {}

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, min_size: int = 1, max_size: int = 10
    ) -> PgDatabase:
        db = cls(url, max_size)
        try:
            async with db._pool.acquire() as conn:  # fail here, not at the first write
                await conn.execute("SELECT 1")
            if migrate:
                await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        self.closed = True
        await self._pool.close()

    async def scrub(self) -> bool:
        """SQLite's WAL has no counterpart to empty here: PostgreSQL's dead rows are reclaimed
        by autovacuum, and its WAL is the server's own (archived per the operator's policy)."""
        return True

    async def _stored(self) -> migrate.Stored:
        async with self._reader() as conn:
            return await migrate.read_postgres(conn)

    async def schema_version(self) -> int:
        return migrate.version(await self._stored())

    async def migrate(self) -> list[int]:
        """Apply pending migrations in one transaction (PostgreSQL's DDL is transactional), in
        a child process holding the migration lock (see bot/storage/migrate.py)."""
        where = redact(self.url)
        if migrate.up_to_date(await self._stored(), where):
            return []
        return await migrate.in_child("postgresql", self.url, where)

    @asynccontextmanager
    async def _queued(self, key: int | None) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        queue, users = self._queues.get(key, (asyncio.Lock(), 0))
        self._queues[key] = (queue, users + 1)
        try:
            async with queue:
                yield
        finally:
            queue, users = self._queues[key]
            if users == 1:
                del self._queues[key]
            else:
                self._queues[key] = (queue, users - 1)

    def _reader(self) -> contextlib.AbstractAsyncContextManager[_Connection]:
        self._open()
        # Autocommit: a read outside a transaction is one round trip, with no BEGIN before it
        # and no ROLLBACK after (it sees committed data, as on SQLite).
        return self._pool.acquire()

    @asynccontextmanager
    async def _writer(self, lock: Lock | None) -> AsyncIterator[_Connection]:
        key = lock_key(lock) if lock is not None else None
        async with self._queued(key), self._pool.acquire() as conn:
            self._open()  # closed while this waited
            # BEGIN and the lock in one round trip (the simple query protocol takes both).
            await conn.execute("BEGIN" if key is None else f"BEGIN; {_lock_sql(key)}")
            try:
                yield conn
            except BaseException:
                if not conn.is_closed():
                    with contextlib.suppress(Exception):  # a broken one is dropped by the pool
                        await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def _lock_inside(self, tx: Tx, lock: Lock) -> None:
        await tx.conn.execute(_lock_sql(lock_key(lock)))

    async def _run(self, conn: _Connection, prepared: Prepared) -> Result:
        if prepared.many:  # asyncpg reports no row count for many (nor did SQLAlchemy)
            await conn.executemany(prepared.text, prepared.rows)
            return Result([], -1)
        statement = await conn.statement(prepared.text)
        rows = await statement.fetch(*prepared.rows[0])
        counted = _STATUS.match(statement.get_statusmsg() or "")
        return Result([tuple(r) for r in rows], int(counted.group(1)) if counted else -1)

    def _wrap(self, error: Exception, prepared: Prepared) -> Exception:
        if isinstance(error, asyncpg.IntegrityConstraintViolationError):  # as SQLAlchemy's
            return exc.IntegrityError(prepared.text, prepared.rows, error)
        return error

    async def fetchall_inline(self, stmt: Executable, params: Params = None) -> list[Any]:
        """A short read by index (a board page, a rank): Core compiles the statement once
        (``_compile``, keyed by the statement itself: no cache key computed) and the driver
        runs it on an autocommit connection from the pool, as a prepared statement from
        asyncpg's cache, its rows as asyncpg hands them (issue 25)."""
        if self._current() is not None:
            return await self.fetchall(stmt, params)
        compiled = self._compile(stmt, ())
        if compiled is None:
            return await self.fetchall(stmt, params)
        values = clean(params) or {}
        assert isinstance(values, Mapping)
        async with self._reader() as conn:
            return list(await conn.fetch(compiled.text, *self._values(compiled, values)))

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg connection, for what only the driver does (COPY,
        ANALYZE outside a transaction)."""
        async with self._reader() as conn:
            yield conn
