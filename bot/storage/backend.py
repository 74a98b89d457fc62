"""The one interface both storage backends implement: what the repositories may ask of them.

``Database`` (SQLite through aiosqlite) and ``PgDatabase`` (PostgreSQL through asyncpg) are
checked against these protocols by the type checker (mypy runs in CI), so a repository written
against ``Backend`` works on either, and a method one backend lacks is a type error, not a
failure on the other backend at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Connection(Protocol):
    """The connection a write transaction hands out."""

    @property
    def total_changes(self) -> int:
        """Rows changed on this connection so far (read before and after a statement)."""
        ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> Iterable[Any]: ...


class Backend(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed on leaving, rolled back on an exception."""
        ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def fetchall_inline(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A short read by index of committed data (a board page, a rank), where the backend
        can do it without a trip to another thread. Never for a read that may scan."""
        ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def insert_returning_id(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement over many rows in its own write transaction; the rows changed."""
        ...

    async def schema_version(self) -> int: ...

    async def migrate(self) -> list[int]: ...

    async def close(self) -> None: ...

    async def scrub(self) -> bool:
        """After deleting a member's data: leave the deleted text nowhere the backend keeps
        it (SQLite: fold and truncate the WAL). True when done."""
        ...
