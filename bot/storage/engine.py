"""What both backends share: statements run through SQLAlchemy Core's async engine.

The repositories build their statements with Core from the declarations in
bot/storage/schema/, and the engine's dialect (SQLite through aiosqlite, PostgreSQL through
asyncpg) compiles them: placeholders, upserts, ``RETURNING``, quoting. Nothing is rewritten
here. Results are SQLAlchemy's own (``rowcount`` from the driver, rows by position or name).

Write transactions go through ``transaction(lock)``: committed on leaving, rolled back on an
exception; inside one, this task's reads go through the transaction's connection and see its
writes. How writers are serialised is the backend's (SQLite: one writer, BEGIN IMMEDIATE;
PostgreSQL: an advisory lock per guild or member, see ``Lock``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import Executable, Table, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.backend import Lock, Params, Result


def clean(params: Params) -> Params:
    """Text is stored without NUL characters on both backends: PostgreSQL's text type cannot
    hold one (it refused a member's answer with 0x00 in it), so each becomes U+FFFD, the
    replacement character, on SQLite too."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return _clean_one(params)
    return [_clean_one(p) for p in params]


def _clean_one(params: Mapping[str, Any]) -> Mapping[str, Any]:
    for value in params.values():  # a plain loop: this runs for every statement and row
        if isinstance(value, str) and "\x00" in value:
            return {
                k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v
                for k, v in params.items()
            }
    return params


def clean_at_driver(engine: AsyncEngine) -> None:
    """Clean every parameter on its way to the driver, however the statement was built (values
    written into a Core expression are bound parameters too, and never pass ``execute``'s
    ``params``): PostgreSQL refuses a NUL in text outright."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _clean(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if executemany:
            return statement, [_clean_row(row) for row in parameters]
        return statement, _clean_row(parameters)


def _clean_row(row: Any) -> Any:
    if isinstance(row, Mapping):
        return _clean_one(row)
    if isinstance(row, (tuple, list)):
        for value in row:
            if isinstance(value, str) and "\x00" in value:
                cleaned = [v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row]
                return tuple(cleaned) if isinstance(row, tuple) else cleaned
    return row


class Compiled(NamedTuple):
    """A statement as its dialect sends it: text, parameter order, values bound in it."""

    text: str
    order: tuple[str, ...]
    bound: dict[str, Any]


class StoreClosed(ValueError):
    """The store was closed: nothing more is read or written through it."""


class Tx:
    """The connection a write transaction hands the repositories."""

    __slots__ = ("conn", "owner", "task")

    def __init__(self, conn: AsyncConnection, owner: SqlDatabase) -> None:
        self.conn = conn
        self.owner = owner
        # Only the task that opened the transaction, and only while it is open, reads through it.
        self.task: asyncio.Task[Any] | None = asyncio.current_task()

    async def execute(self, stmt: Executable, params: Params = None) -> Result:
        return await self.conn.execute(stmt, clean(params))

    async def lock(self, lock: Lock) -> None:
        """Take one more lock inside this transaction (see ``Backend.Connection.lock``)."""
        await self.owner._lock_inside(self, lock)


_inside: ContextVar[Tx | None] = ContextVar("drillbot_transaction", default=None)


class SqlDatabase:
    """Statements over an ``AsyncEngine``; the backends add how they begin and serialise."""

    dialect: str
    _inserts: ClassVar[Any]

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.closed = False
        clean_at_driver(engine)
        self._compiled: dict[tuple[Executable, tuple[str, ...]], Compiled] = {}

    def _compile(self, stmt: Executable, keys: tuple[str, ...]) -> Compiled | None:
        """The dialect's SQL text for ``stmt``, the order of its parameters and the values
        bound in the statement itself (a LIMIT 1, a literal compared), compiled by Core once
        per statement (the statements are module constants with bound parameters). None for a
        statement whose text depends on its values (``in_(list)``): the caller runs it through
        the engine instead."""
        found = self._compiled.get((stmt, keys))
        if found is None:
            if len(self._compiled) > 512:  # statements built per call: keep the cache bounded
                self._compiled.clear()
            compiled = stmt.compile(  # type: ignore[attr-defined]
                dialect=self.engine.dialect, column_keys=list(keys) or None
            )
            text = str(compiled)
            if "__[POSTCOMPILE_" in text:  # expanding parameters: compiled per call by the engine
                return None
            bound = {k: v for k, v in compiled.params.items() if v is not None}
            found = Compiled(text, tuple(compiled.positiontup or ()), bound)
            self._compiled[(stmt, keys)] = found
        return found

    def _values(self, compiled: Compiled, params: Mapping[str, Any]) -> list[Any]:
        """The statement's parameters in order: the call's, else the statement's own."""
        return [params[name] if name in params else compiled.bound[name] for name in compiled.order]

    # -- statements ---------------------------------------------------------------------------
    def insert(self, table: Table) -> Any:
        """The dialect's INSERT: ``on_conflict_do_nothing`` / ``on_conflict_do_update`` (and
        ``.excluded``) have the same signature on SQLite and PostgreSQL."""
        return self._inserts.insert(table)

    def _current(self) -> Tx | None:
        tx = _inside.get()
        if tx is None or tx.owner is not self or tx.task is None:
            return None
        return tx if tx.task is asyncio.current_task() else None

    async def fetchall(self, stmt: Executable, params: Params = None) -> list[Row[Any]]:
        tx = self._current()
        if tx is not None:
            return list((await tx.execute(stmt, params)).all())
        async with self._reader() as conn:
            return list((await conn.execute(stmt, clean(params))).all())

    async def fetchone(self, stmt: Executable, params: Params = None) -> Row[Any] | None:
        rows = await self.fetchall(stmt, params)
        return rows[0] if rows else None

    async def scalar(self, stmt: Executable, params: Params = None) -> Any:
        row = await self.fetchone(stmt, params)
        return row[0] if row is not None else None

    async def fetchall_inline(self, stmt: Executable, params: Params = None) -> list[Any]:
        """A short read by index of committed data (a board page, a rank); SQLite runs it on
        the loop's own thread (see Database). Never for a read that may scan."""
        return await self.fetchall(stmt, params)

    async def execute(self, stmt: Executable, params: Params = None) -> int:
        """One write statement in its own transaction; the rows it changed."""
        async with self.transaction() as tx:
            return int((await tx.execute(stmt, params)).rowcount)

    async def insert_returning_id(self, stmt: Executable, params: Params = None) -> int:
        """An INSERT ... RETURNING id in its own transaction; the new id (0 if none)."""
        async with self.transaction() as tx:
            row = (await tx.execute(stmt, params)).first()
            return int(row[0]) if row else 0

    async def write_many(self, stmt: Executable, rows: Sequence[Mapping[str, Any]]) -> int:
        """One statement over many rows in one write transaction; the rows changed."""
        if not rows:
            return 0
        async with self.transaction() as tx:
            return int((await tx.execute(stmt, rows)).rowcount)

    # -- transactions -------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self, lock: Lock | None = None) -> AsyncIterator[Tx]:
        self._open()
        async with self._writer(lock) as conn:
            tx = Tx(conn, self)
            token = _inside.set(tx)
            try:
                yield tx
            finally:
                tx.task = None
                with contextlib.suppress(ValueError):  # closed from another context
                    _inside.reset(token)

    def _writer(self, lock: Lock | None) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    def _reader(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        self._open()
        return self.engine.connect()

    def _open(self) -> None:
        """Refuse work after close (a disposed engine would quietly open a new pool)."""
        if self.closed:
            raise StoreClosed("the store is closed")

    async def _lock_inside(self, tx: Tx, lock: Lock) -> None:
        return None

    async def close(self) -> None:
        self.closed = True
        await self.engine.dispose()


class _Sqlite:
    insert = staticmethod(sqlite.insert)


SQLITE_INSERTS: Any = _Sqlite  # PostgreSQL's: bot/storage/postgres.py, imported only there
