"""Migration 0005 on a database that already holds what double presses made before it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Store
from bot.storage.database import _statements, migrations

pytestmark = pytest.mark.sqlite_only(
    "builds a version-4 SQLite file with sqlite3 to test SQLite's data migration 0005"
)

SESSION = (
    "INSERT INTO quiz_sessions (id, guild_id, user_id, question_id, question_version, mode,"
    " state, shown_at, grade, daily_post_id) VALUES (?, 1, ?, 'ml-001', '1', ?, ?,"
    " '2026-03-02T06:00:00+00:00', ?, ?)"
)


def schema_before_0005(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version, _, sql in migrations():
            if version >= 5:
                break
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        conn.execute(
            "INSERT INTO daily_posts (id, guild_id, local_date, channel_id, question_id, topic,"
            " nonce, state, scheduled_for, created_at) VALUES (7, 1, '2026-03-02', 5, 'ml-001',"
            " 'ml', 'n', 'revealed', '2026-03-02T06:00:00+00:00', '2026-03-02T06:00:00+00:00')"
        )
        # Ana pressed two grades at once (two sessions); Ben's grade crashed half-way (open).
        conn.execute(SESSION, (1, 11, "daily", "graded", 2, 7))
        conn.execute(SESSION, (2, 11, "daily", "graded", 4, 7))
        conn.execute(SESSION, (3, 12, "daily", "open", None, 7))
        conn.execute(SESSION, (4, 11, "quiz", "open", None, None))


async def test_old_double_grades_are_kept_but_one_session_stays_on_the_post(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    schema_before_0005(path)
    store = await Store.open(path)
    try:
        ana = await store.practice.daily_session(11, 7)
        assert ana is not None and ana.id == 1 and ana.grade == 2
        detached = await store.practice.session(2)
        assert detached is not None and detached.daily_post_id is None and detached.grade == 4
        ben = await store.practice.session(3)
        assert ben is not None and ben.state == "revealed"  # gradable again
        quiz = await store.practice.session(4)
        assert quiz is not None and quiz.state == "open"
    finally:
        await store.close()
