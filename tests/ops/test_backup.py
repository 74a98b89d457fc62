"""`drillbot db backup PATH`: never creates a database, never loses one, one line on refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.preflight import Exit
from tests.ops.helpers import drillbot, make_database, marker_rows, one_line, snapshot

pytestmark = pytest.mark.sqlite_only(
    "drillbot db backup is SQLite's online backup API; PostgreSQL is pointed to pg_dump "
    "(tests/test_cli_pg.py)"
)


@pytest.fixture
def live(tmp_path: Path) -> Path:
    db = tmp_path / "live" / "drill.sqlite3"
    db.parent.mkdir()
    make_database(db, rows=5)
    return db


def backup(tmp_path: Path, db: Path, target: Path, *extra: str):  # type: ignore[no-untyped-def]
    return drillbot("db", "backup", str(target), *extra, cwd=tmp_path, env={"DRILLBOT_DB": str(db)})


def test_backup_copies_the_live_database(tmp_path: Path, live: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    result = backup(tmp_path, live, target)
    assert result.returncode == Exit.OK, result.stderr
    assert result.stdout == f"backed up {live} to {target}\n"
    assert marker_rows(target) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "live"]  # no temp left


def test_backup_refuses_a_missing_database_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    make_database(target, rows=7)  # a populated earlier backup
    before = snapshot(tmp_path)
    result = backup(tmp_path, tmp_path / "nowhere.sqlite3", target, "--force")
    assert result.returncode == Exit.DATABASE
    assert "no database at" in one_line(result)
    assert result.stdout == ""
    assert snapshot(tmp_path) == before
    assert marker_rows(target) == 7


def test_backup_refuses_to_overwrite_without_force(tmp_path: Path, live: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    make_database(target, rows=2)
    before = snapshot(tmp_path)
    result = backup(tmp_path, live, target)
    assert result.returncode == Exit.FAILED
    assert one_line(result) == f"drillbot: {target} exists; add --force to replace it"
    assert snapshot(tmp_path) == before


def test_backup_with_force_replaces_an_earlier_backup(tmp_path: Path, live: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    make_database(target, rows=2)
    result = backup(tmp_path, live, target, "--force")
    assert result.returncode == Exit.OK, result.stderr
    assert marker_rows(target) == 5


@pytest.mark.parametrize(
    ("target_name", "expected"),
    [
        ("folder", "is a folder; give a file name"),
        ("missing/copy.sqlite3", "does not exist"),
        ("notes.txt", "exists; add --force"),
    ],
)
def test_backup_to_a_bad_target_is_one_line(
    tmp_path: Path, live: Path, target_name: str, expected: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("my notes\n")
    before = snapshot(tmp_path)
    result = backup(tmp_path, live, tmp_path / target_name)
    assert result.returncode == Exit.FAILED
    assert expected in one_line(result)
    assert snapshot(tmp_path) == before


def test_backup_never_replaces_a_file_that_is_not_a_database(tmp_path: Path, live: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    before = snapshot(tmp_path)
    result = backup(tmp_path, live, notes, "--force")
    assert result.returncode == Exit.FAILED
    assert "is not a SQLite database; refusing to replace it" in one_line(result)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content", [b"", b"hello, not a database\n"])
def test_backup_of_a_file_that_is_not_a_database_is_refused(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "drill.sqlite3"
    source.write_bytes(content)
    before = snapshot(tmp_path)
    result = backup(tmp_path, source, tmp_path / "copy.sqlite3")
    assert result.returncode == Exit.DATABASE
    assert one_line(result) == f"drillbot: {source} is not a SQLite database"
    assert snapshot(tmp_path) == before


def test_backup_onto_the_database_itself_is_refused(tmp_path: Path, live: Path) -> None:
    before = snapshot(tmp_path)
    result = backup(tmp_path, live, live, "--force")
    assert result.returncode == Exit.FAILED
    assert "must not be the database itself" in one_line(result)
    assert snapshot(tmp_path) == before


def _with_leftover_wal(target: Path, rows: int) -> None:
    """An old backup someone opened in WAL mode: its -wal still holds ``rows`` rows."""
    import shutil
    import sqlite3

    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE marker (n INTEGER)")
    conn.executemany("INSERT INTO marker VALUES (?)", [(i,) for i in range(rows)])
    conn.commit()
    wal = Path(f"{target}-wal")
    kept = target.parent / "kept-wal"
    shutil.copy(wal, kept)
    conn.close()  # folds the WAL in and deletes it ...
    shutil.copy(kept, wal)  # ... but a crash would have left it: put it back
    kept.unlink()


def test_force_onto_a_target_with_a_leftover_wal_gives_the_source_and_is_verified(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live.sqlite3"
    make_database(live, rows=500)
    target = tmp_path / "old.sqlite3"
    _with_leftover_wal(target, rows=1000)
    result = backup(tmp_path, live, target, "--force")
    assert result.returncode == Exit.OK, result.stderr
    assert marker_rows(target) == 500  # not the old target's 1,000 read through its -wal
    assert not Path(f"{target}-wal").exists() or Path(f"{target}-wal").stat().st_size == 0
