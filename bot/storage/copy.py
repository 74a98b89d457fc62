"""``drillbot db copy``: move a SQLite database into an empty PostgreSQL one, verified.

The source is read inside one write-locked SQLite transaction (a consistent snapshot; stop
the bot first anyway), the target is filled in one PostgreSQL transaction with COPY, parents
before children (foreign keys), identity counters are moved past the copied ids, and then every
table's row count is compared. Any difference fails the copy. Last, the target is analysed, so
its queries are planned with real statistics from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.postgres import PgConnection, PgDatabase

BATCH = 5000


class CopyError(RuntimeError):
    """The copy was refused or did not verify; the message says why."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int


async def _tables_in_order(source: Database) -> list[tuple[str, list[str]]]:
    """(table, columns), every table after the tables its foreign keys point to."""
    names = [
        r[0]
        for r in await source.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    parents = {
        name: {r[2] for r in await source.fetchall(f'PRAGMA foreign_key_list("{name}")')}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= {*ordered, n}]
        if not ready:
            raise CopyError("foreign keys form a cycle; cannot order the copy")
        ordered.extend(ready)
    return [
        (name, [r[1] for r in await source.fetchall(f'PRAGMA table_info("{name}")')])
        for name in ordered
    ]


async def _require_empty(target: PgDatabase, tables: Sequence[str]) -> None:
    for table in tables:
        if table in ("schema_version", "alembic_version"):
            continue  # written by the target's own migration: replaced by the source's
        if await target.fetchone(f'SELECT 1 FROM "{table}" LIMIT 1') is not None:
            raise CopyError(f"the target is not empty (table {table} has rows); refusing to merge")


async def _reset_identities(conn: PgConnection, tables: Sequence[tuple[str, list[str]]]) -> None:
    for table, columns in tables:
        if "id" not in columns:
            continue
        row = await (
            await conn.execute("SELECT pg_get_serial_sequence(?, 'id')", (f'"{table}"',))
        ).fetchone()
        if row is not None and row[0] is not None:
            await conn.raw.execute(
                f'SELECT setval($1, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)',
                row[0],
            )


async def copy_sqlite_to_postgres(source: Database, target: PgDatabase) -> list[TableCount]:
    """Copy every row; returns per-table counts (equal, or CopyError is raised)."""
    source_version, target_version = await source.schema_version(), await target.schema_version()
    if source_version != target_version:
        raise CopyError(
            f"schema versions differ (source {source_version}, target {target_version});"
            " run drillbot db migrate on the source first"
        )
    tables = await _tables_in_order(source)
    names = [name for name, _ in tables]
    await _require_empty(target, names)
    copied: dict[str, int] = {}
    async with source.transaction() as lite, target.transaction() as pg:
        await pg.raw.execute('DELETE FROM "schema_version"')
        await pg.raw.execute('DELETE FROM "alembic_version"')
        for name, columns in tables:
            quoted = ", ".join(f'"{c}"' for c in columns)
            cursor = await lite.execute(f'SELECT COUNT(*) FROM "{name}"')
            (copied[name],) = await cursor.fetchone()  # type: ignore[misc]
            cursor = await lite.execute(f'SELECT {quoted} FROM "{name}"')
            while rows := await cursor.fetchmany(BATCH):
                await pg.raw.copy_records_to_table(
                    name, records=[tuple(r) for r in rows], columns=columns
                )
            await cursor.close()
        await _reset_identities(pg, tables)
    counts = []
    for name in names:
        (after,) = await target.fetchone(f'SELECT COUNT(*) FROM "{name}"')
        counts.append(TableCount(name, copied[name], int(after)))
    wrong = [c for c in counts if c.source != c.target]
    if wrong:
        raise CopyError(
            "row counts differ after the copy: "
            + ", ".join(f"{c.table} {c.source} -> {c.target}" for c in wrong)
        )
    async with target.pool.acquire() as raw:
        # Fresh tables have no statistics until autovacuum comes by: plan with real ones now.
        await raw.execute("ANALYZE")
    return counts
