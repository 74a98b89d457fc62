"""The PostgreSQL backend's own guarantees, against a real throwaway cluster: the same schema as
SQLite, exactly-once claims across processes (pools), migrations raced by two processes,
placeholders, errors, and picking the backend from ``DRILLBOT_DB``.

The repositories' behaviour on both backends is tests/test_storage.py (parametrised)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.ops.config import ConfigError, Settings
from bot.storage import Database, PgDatabase, SchemaTooNew, Store, backend_of, migrate
from tests.support import postgres
from tests.support.sql import sql

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[PgDatabase]:
    db = await PgDatabase.open(pg_url)
    try:
        yield db
    finally:
        await db.close()


async def test_both_backends_reach_the_same_tables_and_columns(
    pg: PgDatabase, tmp_path: Path
) -> None:
    lite = await Database.open(tmp_path / "same.sqlite3")
    try:
        expected = await postgres.columns_of(lite)
        assert await lite.schema_version() == await pg.schema_version()
    finally:
        await lite.close()
    assert "score_totals" in expected and "answers" in expected
    assert await postgres.columns_of(pg) == expected


async def test_concurrent_claims_from_two_pools_make_one_post(pg_url: str) -> None:
    # Two bot processes sharing one PostgreSQL: the unique (guild, date) decides, not memory.
    first, second = await PgDatabase.open(pg_url), await PgDatabase.open(pg_url)
    try:
        stores = [Store(first), Store(second)] * 5

        async def claim(store: Store, n: int) -> tuple[int, bool]:
            post, created = await store.daily.claim(
                guild_id=7,
                local_date="2025-03-03",
                question_id=f"q-{n}",
                topic="cicd",
                channel_id=8,
                nonce=f"n-{n}",
                scheduled_for=T0,
                reveal_at=T0 + timedelta(hours=23),
                now=T0,
            )
            return post.id, created

        results = await asyncio.gather(*(claim(s, n) for n, s in enumerate(stores)))
        assert len({post_id for post_id, _ in results}) == 1
        assert sum(created for _, created in results) == 1
        row = await first.fetchone(*sql("SELECT COUNT(*) FROM daily_posts WHERE guild_id = 7"))
        assert row[0] == 1
    finally:
        await first.close()
        await second.close()


async def test_two_processes_migrating_at_once_apply_each_migration_once(
    pg_cluster: postgres.Cluster,
) -> None:
    url = postgres.create_database(pg_cluster, migrated=False)
    opened = await asyncio.gather(PgDatabase.open(url), PgDatabase.open(url))
    try:
        rows = await opened[0].fetchall(*sql("SELECT version_num FROM alembic_version"))
        assert [tuple(r) for r in rows] == [(f"{migrate.head():04d}",)]
        fence = await opened[0].fetchall(*sql("SELECT version FROM schema_version"))
        assert [tuple(r) for r in fence] == [(migrate.FENCE,)]
        assert await opened[1].migrate() == []
    finally:
        for db in opened:
            await db.close()


async def test_refuses_a_newer_schema(pg_url: str) -> None:
    db = await PgDatabase.open(pg_url)
    try:
        await db.execute(*sql("UPDATE alembic_version SET version_num = '0999'"))
    finally:
        await db.close()
    with pytest.raises(SchemaTooNew, match="schema version 999"):
        await PgDatabase.open(pg_url)


async def test_foreign_key_violation_is_an_integrity_error(pg: PgDatabase) -> None:
    with pytest.raises(IntegrityError):  # SQLAlchemy's, on both backends
        await pg.execute(
            *sql(
                "INSERT INTO answers (guild_id, daily_post_id, user_id, message_id, content,"
                " created_at) VALUES (1, 424242, 1, 1, 'x', '2025-01-01')"
            )
        )
    assert await pg.fetchall(*sql("SELECT * FROM answers")) == []


async def test_rowcount_and_returning_id(pg: PgDatabase) -> None:
    insert = "INSERT INTO forget_requests (guild_id, user_id, created_at) VALUES (?, ?, ?)"
    first = await pg.insert_returning_id(*sql(insert + " RETURNING id", (1, 2, "t")))
    second = await pg.insert_returning_id(*sql(insert + " RETURNING id", (1, 3, "t")))
    assert second == first + 1
    assert (
        await pg.execute(*sql("UPDATE forget_requests SET state = 'done' WHERE guild_id = 1")) == 2
    )
    assert await pg.execute(*sql("DELETE FROM forget_requests WHERE user_id = ?", (99,))) == 0


async def test_sums_come_back_as_ints_like_sqlite(pg: PgDatabase) -> None:
    row = await pg.fetchone(*sql("SELECT SUM(x), AVG(x) FROM (VALUES (1::bigint), (2)) AS t(x)"))
    assert row[0] == 3 and type(row[0]) is int
    assert row[1] == 1.5 and type(row[1]) is float


def test_backend_is_picked_from_the_url() -> None:
    assert backend_of("drill.sqlite3") == ("sqlite", "drill.sqlite3")
    assert backend_of("sqlite:////data/d.db") == ("sqlite", "/data/d.db")
    # The README's sqlite:///data/drillbot.sqlite3 is absolute, as a file URL reads.
    assert backend_of("sqlite:///data/d.db") == ("sqlite", "/data/d.db")
    url = "postgresql://bot:pw@db/drill"
    assert backend_of(url) == ("postgresql", url)
    with pytest.raises(ValueError, match="mysql"):
        backend_of("mysql://x/y")


def test_settings_keep_a_postgres_password_out_of_reprs() -> None:
    settings = Settings.load({"DRILLBOT_DB": "postgresql://bot:hunter2@db/drill"})
    assert settings.store_url == "postgresql://bot:hunter2@db/drill"
    assert "hunter2" not in repr(settings)
    assert Settings.load({"DRILLBOT_DB": "sqlite:///x.db"}).store_url == "/x.db"
    with pytest.raises(ConfigError, match="unknown scheme"):
        Settings.load({"DRILLBOT_DB": "mysql://x/y"})
