"""The one interface both storage backends implement: what the repositories may ask of them.

``Database`` (SQLite through aiosqlite) and ``PgDatabase`` (PostgreSQL through asyncpg) are
both ``SqlDatabase`` (bot/storage/engine.py): SQLAlchemy Core statements compiled by the
backend's dialect. The type checker (mypy runs in CI) holds them to these protocols, so a
repository written against ``Backend`` works on either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from sqlalchemy import Executable, Table
from sqlalchemy.exc import MultipleResultsFound, NoResultFound


class Result:
    """A statement's result, read whole: rows by position (tuples), ``rowcount`` as the driver
    reports it, and what the repositories use of SQLAlchemy's result (``first()``,
    ``scalar_one()``...), raising SQLAlchemy's errors where it would."""

    __slots__ = ("_next", "_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self._next = 0

    def fetchone(self) -> Any:
        """The next row (None after the last), as a cursor hands them out."""
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def all(self) -> list[Any]:
        return self._rows

    fetchall = all

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            if self._rows:
                raise MultipleResultsFound("Multiple rows were found when exactly one was required")
            raise NoResultFound("No row was found when one was required")
        return self._rows[0]

    def one_or_none(self) -> Any:
        return self.one() if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return row[0] if row is not None else None

    def __iter__(self) -> Any:
        return iter(self._rows)


# What a write transaction serialises on: ("guild", id), ("member", id), ("post", id). Two
# transactions with the same lock run one after the other (on every process sharing the
# database); transactions with different locks, or none, run side by side. Exactly-once never
# rests on a lock: it lives in unique keys and guarded UPDATE ... WHERE state = ...; the lock is
# for a read-decide-write (a total read, then written back).
Lock = tuple[str, int]

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def lock_key(lock: Lock) -> int:
    """A lock's 64-bit key for PostgreSQL's advisory locks: the same on every process."""
    digest = hashlib.blake2b(f"{lock[0]}:{lock[1]}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Connection(Protocol):
    """The connection a write transaction hands out."""

    async def execute(self, stmt: Executable, params: Params = None) -> Result: ...

    async def lock(self, lock: Lock) -> None:
        """Take one more lock inside this transaction, once a row has told which (a forget-me
        learns its guild from the request it deletes). Only ever a member's, then a guild's,
        never the other way round, so two transactions cannot wait for each other."""
        ...


class Backend(Protocol):
    @property
    def dialect(self) -> str: ...

    def insert(self, table: Table) -> Any:
        """The dialect's INSERT, with ``on_conflict_do_nothing``/``on_conflict_do_update``."""
        ...

    def transaction(self, lock: Lock | None = None) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed on leaving, rolled back on an exception; serialised
        with the others that name the same ``lock`` (see ``Lock``)."""
        ...

    async def fetchall(self, stmt: Executable, params: Params = None) -> list[Any]: ...

    async def fetchone(self, stmt: Executable, params: Params = None) -> Any: ...

    async def scalar(self, stmt: Executable, params: Params = None) -> Any: ...

    async def fetchall_inline(self, stmt: Executable, params: Params = None) -> list[Any]:
        """A short read by index of committed data (a board page, a rank), where the backend
        can do it without a trip to another thread. Never for a read that may scan."""
        ...

    async def execute(self, stmt: Executable, params: Params = None) -> int:
        """One write statement in its own transaction; the rows it changed."""
        ...

    async def insert_returning_id(self, stmt: Executable, params: Params = None) -> int: ...

    async def write_many(self, stmt: Executable, rows: Sequence[Mapping[str, Any]]) -> int:
        """One statement over many rows in its own write transaction; the rows changed."""
        ...

    async def schema_version(self) -> int: ...

    async def migrate(self) -> list[int]: ...

    async def close(self) -> None: ...

    async def scrub(self) -> bool:
        """After deleting a member's data: leave the deleted text nowhere the backend keeps
        it (SQLite: fold and truncate the WAL). True when done."""
        ...
