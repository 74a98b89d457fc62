"""``drillbot db copy`` from SQLite into a real PostgreSQL: counts and leaderboards equal before
and after, ids keep counting after the copied ones, a non-empty target is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Award, Database, PgDatabase, Store
from bot.storage.copy import CopyError, copy_sqlite_to_postgres
from tests.support import postgres
from tests.support.sql import sql
from tests.test_cli import drillbot
from tests.test_storage import ANA, BEN, CHANNEL, GUILD, ORGANISER, T0, answer, claim, next_streak


async def _fill(store: Store) -> None:
    await store.guilds.update(GUILD, ORGANISER, T0, channel_id=CHANNEL)
    for day, topic in (("2025-03-03", "cicd"), ("2025-03-04", "iac"), ("2025-03-05", "cicd")):
        post = await claim(store, day, topic=topic)
        await store.answers.record(
            [answer(post, ANA, post.id * 10), answer(post, BEN, post.id * 11)]
        )
        awards = [Award(ANA, 10, "answer"), Award(BEN, 10 if topic == "iac" else 4, "answer")]
        await store.scores.award_daily(post, awards, next_streak, T0)
    await store.practice.open_session(
        guild_id=GUILD,
        user_id=ANA,
        question_id="cicd-001",
        question_version="1",
        mode="quiz",
        now=T0,
    )
    await store.boards.request_forget(GUILD, BEN, T0)


async def _counts(db: Database | PgDatabase, tables: list[str]) -> dict[str, int]:
    return {t: int((await db.fetchone(*sql(f'SELECT COUNT(*) FROM "{t}"')))[0]) for t in tables}


async def _boards(store: Store) -> tuple[object, ...]:
    return (
        await store.scores.top(GUILD),
        await store.scores.top_in(GUILD),
        await store.scores.totals(GUILD),
        await store.scores.stats(GUILD, ANA),
    )


async def test_copy_keeps_every_row_and_the_leaderboard(tmp_path: Path, pg_url: str) -> None:
    lite = Store(await Database.open(tmp_path / "old.sqlite3"))
    pg = Store(await PgDatabase.open(pg_url))
    try:
        await _fill(lite)
        before = await _boards(lite)
        counts = await copy_sqlite_to_postgres(lite.db, pg.db)  # type: ignore[arg-type]
        tables = [c.table for c in counts]
        assert {"daily_posts", "answers", "points", "score_totals", "audit_log"} <= set(tables)
        assert await _counts(pg.db, tables) == await _counts(lite.db, tables)
        assert {c.table: c.source for c in counts}["answers"] == 6
        assert await _boards(pg) == before
        # Analysed: the boards are planned with real statistics, not autovacuum's later ones.
        (row,) = await pg.db.fetchall(
            *sql("SELECT reltuples FROM pg_class WHERE relname = 'score_totals'")
        )
        assert row[0] == 24
        # New rows on PostgreSQL take ids after the copied ones.
        newest = await claim(pg, "2025-03-06")
        assert newest.id == 4
        await pg.guilds.update(GUILD, ORGANISER, T0, channel_id=CHANNEL + 1)
        assert sorted(e.id for e in await pg.guilds.recent_audit(GUILD, 10)) == [1, 2]
        with pytest.raises(CopyError, match="not empty"):
            await copy_sqlite_to_postgres(lite.db, pg.db)  # type: ignore[arg-type]
        assert (await _counts(pg.db, ["daily_posts"]))["daily_posts"] == 4
    finally:
        await lite.close()
        await pg.close()


async def test_copy_refuses_a_source_on_another_schema_version(tmp_path: Path, pg_url: str) -> None:
    lite = await Database.open(tmp_path / "old.sqlite3")
    pg = await PgDatabase.open(pg_url)
    try:
        await lite.execute(*sql("UPDATE alembic_version SET version_num = '0017'"))
        with pytest.raises(CopyError, match="db migrate on the source"):
            await copy_sqlite_to_postgres(lite, pg)
        assert await pg.fetchall(*sql("SELECT * FROM daily_posts")) == []
    finally:
        await lite.close()
        await pg.close()


def test_db_copy_command_prints_matching_counts(
    tmp_path: Path, pg_cluster: postgres.Cluster
) -> None:
    source = tmp_path / "old.sqlite3"
    assert drillbot("db", "migrate", cwd=tmp_path, env={"DRILLBOT_DB": str(source)}).returncode == 0
    with sqlite3.connect(source) as conn:
        conn.execute(
            "INSERT INTO notices (guild_id, kind, subject, sent_at) VALUES (1, 'k', 's', 't')"
        )
    conn.close()
    target = postgres.create_database(pg_cluster, migrated=False)
    result = drillbot("db", "copy", "--from", f"sqlite:///{source}", "--to", target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith("counts match")
    again = drillbot("db", "copy", "--from", str(source), "--to", target, cwd=tmp_path)
    assert again.returncode == 1
    assert "copy failed: the target is not empty (table notices has rows)" in again.stderr
    wrong = drillbot("db", "copy", "--from", target, "--to", str(source), cwd=tmp_path)
    assert wrong.returncode == 2
    assert "from SQLite (--from) to PostgreSQL (--to)" in wrong.stderr
