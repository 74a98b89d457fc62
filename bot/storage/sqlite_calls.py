"""What the SQLite backend (bot/storage/database.py) runs in an aiosqlite connection's thread,
on the sqlite3 connection that thread owns: one call each, so a statement and its rows, or a
transaction's BEGIN or end, are one trip to the thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.storage.backend import Result


def run(conn: aiosqlite.Connection, sql: str, rows: list[list[Any]], many: bool) -> Result:
    """In aiosqlite's thread: one statement and all its rows (one trip, not two)."""
    raw = conn._conn
    if many:
        return Result([], raw.executemany(sql, rows).rowcount)
    cursor = raw.execute(sql, rows[0])
    found = cursor.fetchall()
    return Result(found, cursor.rowcount)  # after the rows: UPDATE ... RETURNING counts then


def pragmas(conn: aiosqlite.Connection, pragmas: Sequence[str]) -> None:
    for pragma in pragmas:
        conn._conn.execute(pragma)


def begin(conn: aiosqlite.Connection) -> None:
    conn._conn.execute("BEGIN IMMEDIATE")


def end(conn: aiosqlite.Connection, commit: bool) -> None:
    raw = conn._conn
    if commit:
        try:
            raw.execute("COMMIT")
            return
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
    if raw.in_transaction:
        raw.execute("ROLLBACK")
