"""``drillbot db copy``: move a SQLite database into an empty PostgreSQL one, verified.

The source is read inside one write-locked SQLite transaction (a consistent snapshot; stop
the bot first anyway), the target is filled in one PostgreSQL transaction with COPY, parents
before children (foreign keys: the declarations' order), identity counters are moved past the
copied ids, and then every table's row count is compared. Any difference fails the copy. Last,
the target is analysed, so its queries are planned with real statistics from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite
from sqlalchemy import Table, func, select

from bot.storage.database import Database
from bot.storage.postgres import PgDatabase
from bot.storage.schema import metadata

BATCH = 5000


class CopyError(RuntimeError):
    """The copy was refused or did not verify; the message says why."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int


def _count(table: Table) -> object:
    return select(func.count()).select_from(table)


async def _require_empty(target: PgDatabase, tables: list[Table]) -> None:
    for table in tables:
        if await target.fetchone(select(1).select_from(table).limit(1)) is not None:
            raise CopyError(
                f"the target is not empty (table {table.name} has rows); refusing to merge"
            )


async def copy_sqlite_to_postgres(source: Database, target: PgDatabase) -> list[TableCount]:
    """Copy every row; returns per-table counts (equal, or CopyError is raised)."""
    source_version, target_version = await source.schema_version(), await target.schema_version()
    if source_version != target_version:
        raise CopyError(
            f"schema versions differ (source {source_version}, target {target_version});"
            " run drillbot db migrate on the source first"
        )
    tables = list(metadata.sorted_tables)  # parents before children
    await _require_empty(target, tables)
    copied: dict[str, int] = {}
    async with source.transaction() as lite, target.transaction() as pg:
        raw = pg.conn  # COPY is the driver's, in this transaction
        for table in tables:
            copied[table.name] = int((await lite.execute(_count(table))).scalar_one())  # type: ignore[arg-type]
            columns = [c.name for c in table.columns]
            # The rows go from SQLite's cursor to PostgreSQL's COPY as the drivers hand them
            # over: the SELECT is Core's, compiled by SQLite's dialect, and read through the
            # source's driver connection inside its transaction (SQLAlchemy's per-row result
            # processing cost a third of the copy's time, for rows it would not change).
            source_sql = str(select(table).compile(dialect=source.sa_dialect))
            lite_raw = lite.conn
            assert isinstance(lite_raw, aiosqlite.Connection)
            cursor = await lite_raw.execute(source_sql)
            try:
                while rows := await cursor.fetchmany(BATCH):
                    await raw.copy_records_to_table(table.name, records=rows, columns=columns)
            finally:
                await cursor.close()
        for table in tables:
            if "id" in table.c and table.c.id.identity is not None:
                # Identity counters past the copied ids (a sequence is PostgreSQL's own).
                after = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
                serial = func.pg_get_serial_sequence(f'"{table.name}"', "id")
                await pg.execute(select(func.setval(serial, after, False)))
    counts = []
    for table in tables:
        after_copy = int(await target.scalar(_count(table)))  # type: ignore[arg-type]
        counts.append(TableCount(table.name, copied[table.name], after_copy))
    wrong = [c for c in counts if c.source != c.target]
    if wrong:
        raise CopyError(
            "row counts differ after the copy: "
            + ", ".join(f"{c.table} {c.source} -> {c.target}" for c in wrong)
        )
    # Fresh tables have no statistics until autovacuum comes by: plan with real ones now.
    # ANALYZE is PostgreSQL's own statement, outside what Core builds: text.
    async with target.raw() as conn:
        await conn.execute("ANALYZE")
    return counts
