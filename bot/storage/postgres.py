"""The PostgreSQL backend: SQLAlchemy Core over asyncpg, for several bot processes.

The same statements as SQLite's, compiled by PostgreSQL's dialect; every transaction has its
own pooled connection. Several bot processes can share one PostgreSQL: exactly-once lives in
unique constraints and guarded updates, which hold across processes, and a read-decide-write
is serialised by a transaction-scoped advisory lock on its guild (or member), so a busy guild
holds up nobody else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Executable, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.storage import migrate
from bot.storage.backend import Lock, Params, lock_key
from bot.storage.engine import SqlDatabase, Tx, clean
from bot.storage.url import redact

log = logging.getLogger(__name__)

# Statements come from asyncpg's per-connection cache, prepared once. With PostgreSQL's default
# (plan_cache_mode=auto) each run of a prepared board query was planned again for its values:
# 0.4 ms of planning for 0.1 ms of work at 1M answers. The bot's statements are all indexed
# lookups whose best plan does not depend on the values, so one generic plan serves them all.
_SERVER_SETTINGS = {"plan_cache_mode": "force_generic_plan"}


def _numeric(text: str) -> int | float:
    # SUM(bigint) is numeric in PostgreSQL; SQLite answers an int. Keep the repositories' types.
    return float(text) if any(c in text for c in ".eEN") else int(text)


async def _connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url, server_settings=_SERVER_SETTINGS)
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )
    return conn


def _lock_sql(key: int) -> Any:
    # An advisory lock is PostgreSQL's own function, outside what Core builds portably: text.
    return text(f"SELECT pg_advisory_xact_lock({int(key)})")


class _Postgres:
    insert = staticmethod(postgresql.insert)


class PgDatabase(SqlDatabase):
    """Owns the engine's pool. ``await PgDatabase.open(url)`` connects and migrates."""

    dialect = "postgresql"
    _inserts = _Postgres

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        super().__init__(engine)
        self.url = url
        # Transactions of this process waiting for the same lock queue here, not each on a
        # pooled connection of its own: ten waiters for one busy guild must not take the
        # whole pool from every other guild.
        self._queues: dict[int, tuple[asyncio.Lock, int]] = {}
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, min_size: int = 1, max_size: int = 10
    ) -> PgDatabase:
        engine = create_async_engine(
            "postgresql+asyncpg://",
            async_creator=lambda: _connect(url),
            pool_size=max_size,
            max_overflow=0,
            # No ROLLBACK round trip when a connection goes back to the pool: a transaction
            # always leaves through COMMIT or ROLLBACK, and reads run in autocommit.
            pool_reset_on_return=None,
        )
        db = cls(engine, url)
        try:
            async with engine.connect() as conn:  # fail here, not at the first write
                await conn.execute(text("SELECT 1"))
            if migrate:
                await db.migrate()
        except BaseException:
            await engine.dispose()
            raise
        return db

    async def scrub(self) -> bool:
        """SQLite's WAL has no counterpart to empty here: PostgreSQL's dead rows are reclaimed
        by autovacuum, and its WAL is the server's own (archived per the operator's policy)."""
        return True

    async def _stored(self) -> migrate.Stored:
        self._open()
        async with self._autocommit.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            return await migrate.read_postgres(raw)

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

    def _reader(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        self._open()
        # Autocommit: a read outside a transaction is one round trip, with no BEGIN before it
        # and no ROLLBACK after (it sees committed data, as on SQLite).
        return self._autocommit.connect()

    @asynccontextmanager
    async def _writer(self, lock: Lock | None) -> AsyncIterator[AsyncConnection]:
        key = lock_key(lock) if lock is not None else None
        async with self._queued(key), self.engine.begin() as conn:
            if key is not None:
                await conn.execute(_lock_sql(key))
            yield conn

    async def _lock_inside(self, tx: Tx, lock: Lock) -> None:
        await tx.conn.execute(_lock_sql(lock_key(lock)))

    async def fetchall_inline(self, stmt: Executable, params: Params = None) -> list[Any]:
        """A short read by index (a board page, a rank): Core compiles the statement once
        (``_compile``) and the driver runs it on an autocommit connection from the pool, as a
        prepared statement from asyncpg's cache; SQLAlchemy's per-statement work (result
        processing, its own statement cache) would cost more than the query (issue 25)."""
        if self._current() is not None:
            return await self.fetchall(stmt, params)
        compiled = self._compile(stmt, ())
        if compiled is None:
            return await self.fetchall(stmt, params)
        values = clean(params) or {}
        assert isinstance(values, Mapping)
        async with self._autocommit.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, asyncpg.Connection)
            return list(await raw.fetch(compiled.text, *self._values(compiled, values)))

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg connection, for what only the driver does (COPY)."""
        async with self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, asyncpg.Connection)
            yield raw
