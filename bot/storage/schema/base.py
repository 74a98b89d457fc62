"""The one ``MetaData`` and the id type every table module uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, Integer, MetaData

metadata = MetaData()

# BIGINT on PostgreSQL; INTEGER on SQLite, whose integers are 64-bit and whose single INTEGER
# primary key is the rowid (numbered by SQLite, as the old migrations made it).
Big = BigInteger().with_variant(Integer(), "sqlite")


_POSTGRESQL_WHERE: list[tuple[Index, Any]] = []


def postgresql_where(index: Index, where: Any) -> Index:
    """``index`` with PostgreSQL's spelling of its predicate, attached by ``for_postgresql()``:
    naming a ``postgresql_`` option loads SQLAlchemy's PostgreSQL dialect (and its drivers'
    modules, ~2 MB resident), which a bot on SQLite never needs (issue 25)."""
    _POSTGRESQL_WHERE.append((index, where))
    return index


def for_postgresql() -> None:
    """Give the partial indexes their PostgreSQL predicates. Called wherever PostgreSQL is
    used, before its DDL or a comparison with a database: importing PostgreSQL's backend
    (bot/storage/postgres.py) and Alembic's environment."""
    while _POSTGRESQL_WHERE:
        index, where = _POSTGRESQL_WHERE.pop()
        index.dialect_kwargs["postgresql_where"] = where
