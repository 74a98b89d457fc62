"""What both backends share: Core statements compiled by SQLAlchemy, run on the drivers.

The repositories build their statements with Core from the declarations in
bot/storage/schema/, and the backend's dialect (SQLite's, PostgreSQL's asyncpg) compiles them:
placeholders, upserts, ``RETURNING``, quoting, ``in_()`` lists. Nothing is rewritten here.
The compiled text goes straight to the driver (aiosqlite, asyncpg): no SQLAlchemy engine, pool,
session or greenlet in between, so neither ``sqlalchemy.ext.asyncio`` nor the ORM it imports is
loaded (~7 MB resident, issue 25) and a statement costs the compile-cache lookup and the
driver's work. Statements are compiled once per shape, as SQLAlchemy's engine does (its cache
key; the values of a statement built per call are taken from it each time). Results are
``Result``: rows by position, ``rowcount`` as the driver reports it.

Write transactions go through ``transaction(lock)``: committed on leaving, rolled back on an
exception; inside one, this task's reads go through the transaction's connection and see its
writes. How writers are serialised is the backend's (SQLite: one writer, BEGIN IMMEDIATE;
PostgreSQL: an advisory lock per guild or member, see ``Lock``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import Executable, Table, exc
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import Insert
from sqlalchemy.util import LRUCache

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


def _clean_values(values: list[Any]) -> list[Any]:
    """The driver's positional values, NULs cleaned: every value reaches the driver through
    here, however the statement was built (values written into a Core expression are bound
    parameters too, and never pass ``execute``'s ``params``)."""
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            return [v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in values]
    return values


class Compiled(NamedTuple):
    """A statement as its dialect sends it: text, parameter order, values bound in it."""

    text: str
    order: tuple[str, ...]
    bound: dict[str, Any]


class Prepared(NamedTuple):
    """One statement ready for the driver: its text and one list of values per row (one row
    unless ``many``: the driver's executemany)."""

    text: str
    rows: list[list[Any]]
    many: bool


class StoreClosed(ValueError):
    """The store was closed: nothing more is read or written through it."""


class Tx:
    """The connection a write transaction hands the repositories. ``conn`` is the driver's
    connection (aiosqlite's or asyncpg's)."""

    __slots__ = ("conn", "owner", "task")

    def __init__(self, conn: Any, owner: SqlDatabase) -> None:
        self.conn = conn
        self.owner = owner
        # Only the task that opened the transaction, and only while it is open, reads through it.
        self.task: asyncio.Task[Any] | None = asyncio.current_task()

    async def execute(self, stmt: Executable, params: Params = None) -> Result:
        return await self.owner._execute(self.conn, stmt, params)

    async def lock(self, lock: Lock) -> None:
        """Take one more lock inside this transaction (see ``Backend.Connection.lock``)."""
        await self.owner._lock_inside(self, lock)


_inside: ContextVar[Tx | None] = ContextVar("drillbot_transaction", default=None)


class SqlDatabase:
    """Statements compiled by ``sa_dialect`` and run on the driver's connections; the backends
    add how they connect, begin and serialise (``_run``, ``_reader``, ``_writer``)."""

    dialect: str
    sa_dialect: Dialect
    _inserts: ClassVar[Any]

    def __init__(self) -> None:
        self.closed = False
        self._compiled: dict[tuple[Executable, tuple[str, ...]], Compiled] = {}
        self._cache: LRUCache[Any, Any] = LRUCache(1000)  # SQLAlchemy's compiled-statement cache

    def _compile(self, stmt: Executable, keys: tuple[str, ...]) -> Compiled | None:
        """The dialect's SQL text for ``stmt``, the order of its parameters and the values
        bound in the statement itself (a LIMIT 1, a literal compared), compiled by Core once
        per statement (the statements are module constants with bound parameters). None for a
        statement whose text depends on its values (``in_(list)``): the caller runs it through
        ``_prepare`` instead."""
        found = self._compiled.get((stmt, keys))
        if found is None:
            if len(self._compiled) > 512:  # statements built per call: keep the cache bounded
                self._compiled.clear()
            compiled = stmt.compile(  # type: ignore[attr-defined]
                dialect=self.sa_dialect, column_keys=list(keys) or None
            )
            text = str(compiled)
            if "__[POSTCOMPILE_" in text:  # expanding parameters: compiled per call
                return None
            bound = {k: v for k, v in compiled.params.items() if v is not None}
            found = Compiled(text, tuple(compiled.positiontup or ()), bound)
            self._compiled[(stmt, keys)] = found
        return found

    def _values(self, compiled: Compiled, params: Mapping[str, Any]) -> list[Any]:
        """The statement's parameters in order: the call's, else the statement's own."""
        return [params[name] if name in params else compiled.bound[name] for name in compiled.order]

    def _prepare(self, stmt: Executable, params: Params) -> Prepared:
        """Compile ``stmt`` (from the cache when one of its shape was compiled before) and
        order its values for the driver, as SQLAlchemy's engine does before it calls the
        driver: the call's values, else those bound in the statement; ``in_()`` lists
        expanded; type processors applied (none for this schema's types, but kept)."""
        rows: Sequence[Mapping[str, Any]]
        if params is None:
            rows = []
        elif isinstance(params, Mapping):
            rows = [params]
        else:
            rows = params
        many = len(rows) > 1  # a list of one row runs as one statement, as in SQLAlchemy
        if many and isinstance(stmt, Insert) and _returns_rows(stmt):
            # INSERT ... RETURNING over many rows: one multi-row INSERT (SQLAlchemy's
            # "insertmanyvalues"), whose returned rows are the count (a conflict returns none).
            return self._prepare(stmt.values(list(rows)), None)
        keys = list(rows[0]) if rows else []
        found: Any = stmt._compile_w_cache(  # SQLAlchemy's engine compiles this way
            self.sa_dialect,
            compiled_cache=self._cache,
            column_keys=keys,
            for_executemany=many,
        )
        compiled, extracted, collected = found[0], found[1], found[2]
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise NotImplementedError("Python-side column defaults: declare server_default")
        values = [
            compiled.construct_params(
                row,
                escape_names=False,
                _group_number=n if many else None,  # named in a missing value's message
                extracted_parameters=extracted,
                _collected_params=collected,
            )
            for n, row in enumerate(rows or [{}], start=1)
        ]
        processors = compiled._bind_processors
        text, order = compiled.string, compiled.positiontup
        if compiled.literal_execute_params or compiled.post_compile_params:
            if len(values) > 1:
                raise exc.InvalidRequestError("'expanding' parameters can't be used with many")
            state = compiled._process_parameters_for_postcompile(values[0])
            text, order, values = state.statement, state.positiontup, [state.parameters]
            processors = {**processors, **state.processors}
        ordered = [
            _clean_values(
                [processors[k](row[k]) if k in processors else row[k] for k in order]
                if processors
                else [row[k] for k in order]
            )
            for row in values
        ]
        return Prepared(text, ordered, many)

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

    async def _execute(self, conn: Any, stmt: Executable, params: Params) -> Result:
        prepared = self._prepare(stmt, params)
        try:
            return await self._run(conn, prepared)
        except Exception as error:
            wrapped = self._wrap(error, prepared)
            if wrapped is error:
                raise
            raise wrapped from error

    async def _run(self, conn: Any, prepared: Prepared) -> Result:
        raise NotImplementedError

    def _wrap(self, error: Exception, prepared: Prepared) -> Exception:
        """The driver's error as SQLAlchemy raised it (the repositories and tests catch
        ``sqlalchemy.exc.IntegrityError``)."""
        return error

    async def fetchall(self, stmt: Executable, params: Params = None) -> list[Any]:
        tx = self._current()
        if tx is not None:
            return (await tx.execute(stmt, params)).all()
        async with self._reader() as conn:
            return (await self._execute(conn, stmt, params)).all()

    async def fetchone(self, stmt: Executable, params: Params = None) -> Any:
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

    def _writer(self, lock: Lock | None) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    def _reader(self) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    def _open(self) -> None:
        """Refuse work after close."""
        if self.closed:
            raise StoreClosed("the store is closed")

    async def _lock_inside(self, tx: Tx, lock: Lock) -> None:
        return None

    async def close(self) -> None:
        self.closed = True


def _returns_rows(stmt: Any) -> bool:
    return bool(getattr(stmt, "_returning", ()))


class Pool:
    """Idle driver connections, at most ``size`` in use at once (``keep`` kept idle), opened
    on demand by ``connect``, closed by ``close``; one that ``usable`` refuses on its way back
    (closed, left in a transaction) is closed instead of kept: what the backends need of a
    pool (no reset round trip on release: a reader never begins, a writer always ends with
    COMMIT or ROLLBACK)."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Any]],
        close: Callable[[Any], Awaitable[Any]],
        usable: Callable[[Any], bool],
        size: int,
        keep: int,
    ) -> None:
        self._connect = connect
        self._close = close
        self._usable = usable
        self._free = asyncio.Semaphore(size)
        self._idle: list[Any] = []
        self._keep = keep
        self._all: set[Any] = set()

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with self._free:
            conn = self._idle.pop() if self._idle else None
            if conn is None:
                conn = await self._connect()
                self._all.add(conn)
            try:
                yield conn
            finally:
                if len(self._idle) < self._keep and self._usable(conn):
                    self._idle.append(conn)
                else:
                    self._all.discard(conn)
                    with contextlib.suppress(Exception):
                        await self._close(conn)

    async def close(self) -> None:
        conns, self._all, self._idle = list(self._all), set(), []
        for conn in conns:
            with contextlib.suppress(Exception):
                await self._close(conn)


class _Sqlite:
    insert = staticmethod(sqlite.insert)


SQLITE_INSERTS: Any = _Sqlite  # PostgreSQL's: bot/storage/postgres.py, imported only there
