"""TRANSITIONAL (issue 24, removed when the last repository is on Core): SQL text in SQLite's
dialect with ``?`` placeholders, run through the engine's driver connection, with the old
awaitable cursor. PostgreSQL needs ``?`` turned into ``$n`` for it: this is the rewriting the
issue removes, kept only until every repository builds Core statements."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

_TOKEN_RE = re.compile(r"'(?:[^']|'')*'|\?(\d*)|\s+INDEXED BY \w+")


@functools.lru_cache(maxsize=1024)
def to_dollar(sql: str) -> str:
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        token = match.group(0)
        if token.startswith("'"):
            return token
        if not token.startswith("?"):
            return ""
        if match.group(1):
            return f"${match.group(1)}"
        counter += 1
        return f"${counter}"

    return _TOKEN_RE.sub(number, sql)


def _clean(params: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(p.replace("\x00", "\ufffd") if isinstance(p, str) else p for p in params)


class Cursor:
    def __init__(self, result: CursorResult[Any]) -> None:
        self.rowcount = result.rowcount
        self._rows = list(result.all()) if result.returns_rows else []
        self.lastrowid = getattr(result, "lastrowid", None)

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return list(self._rows)


async def run(conn: AsyncConnection, dialect: str, sql: str, params: Any) -> Cursor:
    text = to_dollar(sql) if dialect == "postgresql" else sql
    try:
        return Cursor(await conn.exec_driver_sql(text, _clean(params)))
    except IntegrityError as exc:
        raise sqlite3.IntegrityError(str(exc.orig)) from exc


async def run_many(
    conn: AsyncConnection, dialect: str, sql: str, rows: Sequence[Sequence[Any]]
) -> int:
    rows = [_clean(r) for r in rows]
    if not rows:
        return 0
    text = to_dollar(sql) if dialect == "postgresql" else sql
    try:
        if dialect == "postgresql":
            changed = 0
            for row in rows:  # asyncpg's executemany gives no row count
                changed += max((await conn.exec_driver_sql(text, row)).rowcount, 0)
            return changed
        return int((await conn.exec_driver_sql(text, rows)).rowcount)
    except IntegrityError as exc:
        raise sqlite3.IntegrityError(str(exc.orig)) from exc
