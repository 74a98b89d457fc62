"""Tests' own SQL text on both backends: ``?`` placeholders become named binds of a Core
``text()``, which each dialect compiles (tests only; the bot builds its statements with Core)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import TextClause, text

_TOKEN = re.compile(r"'(?:[^']|'')*'|\?(\d*)")


def _numbered(query: str, mark: str) -> str:
    """``?`` (outside string literals) as ``{mark}1``, ``{mark}2``...; ``?N`` as ``{mark}N``."""
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(0).startswith("'"):
            return match.group(0)
        if match.group(1):
            return f"{mark}{match.group(1)}"
        counter += 1
        return f"{mark}{counter}"

    return _TOKEN.sub(number, query)


def _named(query: str) -> str:
    return _numbered(query, ":p")


def _binds(params: Sequence[Any] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(params, Mapping):
        return dict(params)
    return {f"p{i}": value for i, value in enumerate(params, start=1)}


def sql(
    query: str, params: Sequence[Any] | Mapping[str, Any] = ()
) -> tuple[TextClause, dict[str, Any]]:
    """(statement, parameters) for ``await db.fetchall(*sql("SELECT ... WHERE a = ?", (1,)))``."""
    return text(_named(query)), _binds(params)


def sql_many(query: str, rows: Sequence[Sequence[Any]]) -> tuple[TextClause, list[dict[str, Any]]]:
    """(statement, rows) for one statement over many rows: ``conn.execute(*sql_many(...))``."""
    return text(_named(query)), [_binds(r) for r in rows]


def to_dollar(query: str) -> str:
    """``?`` placeholders as asyncpg's ``$n``, for test helpers that talk to PostgreSQL through
    the driver directly (a separate process's view of the database)."""
    return _numbered(query, "$")
