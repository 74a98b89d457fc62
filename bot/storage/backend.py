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
from typing import Any, Protocol, Unpack

from sqlalchemy import Executable, Table
from sqlalchemy.engine import CursorResult

# What a write transaction serialises on: ("guild", id), ("member", id), ("post", id). Two
# transactions with the same lock run one after the other (on every process sharing the
# database); transactions with different locks, or none, run side by side. Exactly-once never
# rests on a lock: it lives in unique keys and guarded UPDATE ... WHERE state = ...; the lock is
# for a read-decide-write (a total read, then written back).
# A statement's result: rows by position or name, rowcount, first()/all()/scalar().
Result = CursorResult[Unpack[tuple[Any, ...]]]  # noqa: UP044 (mypy reads Unpack here)

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
