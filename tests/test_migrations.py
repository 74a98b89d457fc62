"""One migration history (Alembic) for both backends, and release 0.1's databases upgraded in place.

The fixtures in tests/fixtures/legacy/ were made by release 0.1's own code (its SQL migrations
0001-0018, its demo, its `db copy`; see build.py there): what an operator's database holds today.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import URL, Connection, create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage import Database, PgDatabase, SchemaTooNew, SchemaTooOld, migrate
from bot.storage.database import _stored
from bot.storage.schema import metadata
from tests.support import postgres
from tests.support.sql import sql

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
_spec = importlib.util.spec_from_file_location("legacy_build", LEGACY / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
EXPECTED = json.loads((LEGACY / "expected.json").read_text())


def test_the_history_is_numbered_without_gaps() -> None:
    names = migrate.revisions()
    assert names[0] == f"{migrate.LEGACY_LAST:04d}"
    assert names == [
        f"{n:04d}" for n in range(migrate.LEGACY_LAST, migrate.LEGACY_LAST + len(names))
    ]
    assert migrate.head() == int(names[-1])
    # what drillbot reads from the file names is Alembic's own chain of revisions
    walked = [r.revision for r in reversed(list(migrate.script().walk_revisions()))]
    assert walked == names


def test_a_start_never_imports_alembic(tmp_path: Path) -> None:
    path = tmp_path / "drillbot.sqlite3"
    code = (
        "import asyncio, sys\n"
        "from bot.storage import Database\n"
        "async def main():\n"
        f"    db = await Database.open({str(path)!r}, checkpoint_every=None)\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # A new database: the history ran in a child process; up to date: nothing ran. Alembic (and
    # Mako, ~20 MB resident) never loads in the bot's own process.
    assert first.stdout.strip() == again.stdout.strip() == "False"
    assert migrate.up_to_date(_stored(path), str(path))


def sqlite_shape(path: Path) -> dict[str, Any]:
    """What SQLite says of every table: columns, foreign keys, indexes (with their columns,
    order and partial-ness), WITHOUT ROWID and AUTOINCREMENT. (A single INTEGER primary key is
    the rowid, NOT NULL or not.)"""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)  # never creates one
    try:
        out = {}
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT IN ('schema_version', 'alembic_version')"
        ).fetchall()
        for table, sql in tables:
            columns = [
                (r[1], r[2], 0 if r[5] and r[2] == "INTEGER" else r[3], r[4], r[5])
                for r in conn.execute(f"PRAGMA table_info('{table}')")
            ]
            keys = sorted(tuple(r[2:]) for r in conn.execute(f"PRAGMA foreign_key_list('{table}')"))
            indexes = sorted(
                (
                    r[1] if r[3] == "c" else r[3],
                    r[2],
                    r[4],
                    [tuple(x[2:]) for x in conn.execute(f"PRAGMA index_xinfo('{r[1]}')")],
                )
                for r in conn.execute(f"PRAGMA index_list('{table}')")
            )
            out[table] = (columns, keys, indexes, "WITHOUT ROWID" in sql, "AUTOINCREMENT" in sql)
        return out
    finally:
        conn.close()


@pytest.mark.sqlite_only("compares SQLite files; the PostgreSQL twin is the next test")
async def test_on_sqlite_the_history_builds_what_release_0_1_built(tmp_path: Path) -> None:
    # A new database, release 0.1's upgraded in place, and the declarations: one schema.
    db = await Database.open(tmp_path / "new.sqlite3", checkpoint_every=None)
    await db.close()
    upgraded = tmp_path / "upgraded.sqlite3"
    shutil.copy(LEGACY / "release-0.1.sqlite3", upgraded)
    await (await Database.open(upgraded, checkpoint_every=None)).close()
    declared = tmp_path / "declared.sqlite3"
    engine = create_engine(URL.create("sqlite", database=str(declared)))
    metadata.create_all(engine)
    engine.dispose()
    release = sqlite_shape(LEGACY / "release-0.1.sqlite3")
    assert len(release) == 40
    new = sqlite_shape(tmp_path / "new.sqlite3")
    assert new == sqlite_shape(upgraded) == sqlite_shape(declared)
    # ... and the history's first revision is release 0.1's schema: what later revisions
    # changed is all that differs (0019 added blind_parts.nonce).
    changed = {t for t in release if release[t] != new[t]}
    assert changed == {"blind_parts"}


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return [
        d
        for d in compare_metadata(context, metadata)
        if not (d[0] == "remove_table" and d[1].name in ("schema_version",))
    ]


async def _pg_differences(url: str) -> list[Any]:
    engine = create_async_engine(
        "postgresql+asyncpg://", async_creator=lambda: asyncpg.connect(url), poolclass=NullPool
    )
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_differences)
    finally:
        await engine.dispose()


async def _restore_release_dump(pg_cluster: postgres.Cluster) -> str:
    url = postgres.create_database(pg_cluster, migrated=False)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute((LEGACY / "release-0.1.pg.sql").read_text())
        await conn.execute("RESET search_path")  # pg_dump's script empties it
        assert await conn.fetchval("SELECT MAX(version) FROM schema_version") == 18
    finally:
        await conn.close()
    return url


async def test_on_postgresql_the_history_builds_what_release_0_1_built(
    pg_cluster: postgres.Cluster,
) -> None:
    fresh = postgres.create_database(pg_cluster, migrated=False)
    await (await PgDatabase.open(fresh)).close()
    assert await _pg_differences(fresh) == []
    adopted = await _restore_release_dump(pg_cluster)
    await (await PgDatabase.open(adopted)).close()
    assert await _pg_differences(adopted) == []


def _same_rows(found: dict[str, Any], expected: dict[str, Any]) -> None:
    """Every row release 0.1 wrote is there, its values unchanged; a column a later revision
    added (blind_parts.nonce) is empty in it."""
    assert sorted(found) == sorted(expected)
    for table, rows in expected.items():
        old = [json.loads(r) for r in rows]
        new = [json.loads(r) for r in found[table]]
        width = len(old[0]) if old else 0
        assert sorted(r[:width] for r in new) == sorted(old), f"{table} changed in the upgrade"
        assert all(v is None for r in new for v in r[width:]), f"{table}: a new column is set"


@pytest.mark.sqlite_only("release 0.1's SQLite file; PostgreSQL's dump is the next test")
async def test_release_0_1_sqlite_database_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "drillbot.sqlite3"
    shutil.copy(LEGACY / "release-0.1.sqlite3", path)
    db = await Database.open(path, checkpoint_every=None)
    try:
        assert await db.schema_version() == migrate.head()
        after = await build.snapshot(db)
        assert [
            tuple(r) for r in await db.fetchall(*sql("SELECT version FROM schema_version"))
        ] == [(migrate.FENCE,)]
    finally:
        await db.close()
    _same_rows(after["rows"], EXPECTED["rows"])
    assert after["boards"] == EXPECTED["boards"]
    assert any(rows for rows in EXPECTED["boards"].values())  # the fixture has boards to keep
    again = await Database.open(path, checkpoint_every=None)
    try:
        assert await again.migrate() == []
    finally:
        await again.close()


async def test_release_0_1_postgresql_database_upgrades_in_place(
    pg_cluster: postgres.Cluster,
) -> None:
    url = await _restore_release_dump(pg_cluster)
    before_db = await PgDatabase.open(url, migrate=False)
    try:
        before = await build.snapshot(before_db)
    finally:
        await before_db.close()
    db = await PgDatabase.open(url)
    try:
        assert await db.schema_version() == migrate.head()
        after = await build.snapshot(db)
    finally:
        await db.close()
    _same_rows(after["rows"], before["rows"])
    assert sum(len(rows) for rows in after["rows"].values()) == sum(
        len(rows) for rows in EXPECTED["rows"].values()
    )
    assert after["boards"] == EXPECTED["boards"]


@pytest.mark.sqlite_only("edits a SQLite file; the refusal is the same code on PostgreSQL")
@pytest.mark.parametrize(
    ("version", "refused", "says"),
    [
        (12, SchemaTooOld, "run drillbot 0.1's `drillbot db migrate` on it first"),
        (999, SchemaTooNew, "schema version 999, but this drillbot knows only up to"),
    ],
)
async def test_a_database_this_release_cannot_adopt_is_refused_untouched(
    tmp_path: Path, version: int, refused: type[Exception], says: str
) -> None:
    path = tmp_path / "odd.sqlite3"
    shutil.copy(LEGACY / "release-0.1.sqlite3", path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    conn.close()
    before = sqlite_shape(path)
    with pytest.raises(refused) as caught:
        await Database.open(path, checkpoint_every=None)
    assert says in str(caught.value)
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(version,)]
    finally:
        conn.close()
    assert "alembic_version" not in tables  # nothing stamped, nothing built
    assert sqlite_shape(path) == before
