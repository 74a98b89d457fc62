"""The `drillbot` console script, run as a real subprocess from outside the checkout."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bank import default_content_dir, load_bank, pack_files

ROOT = Path(__file__).parents[1]
BROKEN = ROOT / "tests" / "fixtures" / "packs" / "broken"
TOPICS = (
    "python", "cicd", "serving", "ml", "containers", "pipelines", "cloud",
    "monitoring", "features", "iac", "data", "security", "design", "behavioural", "llmops",
)  # fmt: skip
# Variables the CLI reads; cleared so the developer's own settings cannot leak into a test.
_OURS = ("DISCORD_", "DRILLBOT_")


def drillbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), clean.get("PYTHONPATH")]))
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    result = drillbot("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert re.fullmatch(r"drillbot \S+\n", result.stdout)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = drillbot("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: drillbot")
    for command in ("run", "content", "db"):
        assert command in result.stdout


def test_validate_shipped_content(tmp_path: Path) -> None:
    result = drillbot("content", "validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Warnings (an unsourced version, a stale month) may remain; errors may not.
    assert all(": warning: " in line or line.startswith("warning: ") for line in
               result.stderr.splitlines()), result.stderr  # fmt: skip
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    bank = load_bank([default_content_dir()])
    assert lines[0] == (
        f"ok: {len(bank.packs)} pack(s), {len(TOPICS)} topic(s), {len(bank.questions)} question(s)"
    )


def test_validate_broken_folder_prints_every_error(tmp_path: Path) -> None:
    result = drillbot("content", "validate", str(BROKEN), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    *errors, summary = result.stderr.splitlines()
    assert summary == f"{len(errors)} error(s)"
    assert len(errors) == 13
    for line in errors:
        assert re.match(rf"{re.escape(str(BROKEN))}/[\w-]+\.yaml:\d+:\d+: \S", line), line
    named = {Path(line.split(":", 1)[0]).name for line in errors}
    assert named == {p.name for p in BROKEN.glob("*.yaml")} - {"dup-first.yaml"}
    assert f"{BROKEN}/dup.yaml:12:5: question 'dupes-001': id is already used" in result.stderr


def test_validate_missing_path_fails(tmp_path: Path) -> None:
    result = drillbot("content", "validate", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "nowhere: no such file or folder"


EXTRAS = """\
pack: our-team-extras
version: 1
questions:
  - id: extras-001
    topic: cicd
    difficulty: medium
    kind: technical
    prompt: How do you keep a flaky model test from blocking every merge?
    testing: Whether the candidate separates flaky infrastructure from real regressions.
    key_points:
      - Quarantine the test with an owner and a deadline
      - Fix the seed and the data snapshot
      - Track flake rate as a metric
"""


def test_validate_pack_adding_to_a_shipped_topic_without_naming_the_bank(tmp_path: Path) -> None:
    (tmp_path / "extras.yaml").write_text(EXTRAS)
    result = drillbot("content", "validate", "extras.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Packs, not topics: a shipped pack may add questions to a topic another defines.
    shipped = len(pack_files([default_content_dir()]))
    assert result.stdout.startswith(
        f"ok: 1 pack(s), 0 topic(s), 1 question(s) (with {shipped} pack(s)"
    )
    (tmp_path / "extras.yaml").write_text(EXTRAS.replace("topic: cicd", "topic: nosuch"))
    result = drillbot("content", "validate", "extras.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "extras.yaml:4:5: question 'extras-001': unknown topic 'nosuch'" in result.stderr


def test_validate_a_shipped_pack_by_name_is_not_a_duplicate(tmp_path: Path) -> None:
    result = drillbot("content", "validate", str(default_content_dir() / "cicd.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 pack(s), 1 topic(s), ")


def test_stats_has_every_topic(tmp_path: Path) -> None:
    result = drillbot("content", "stats", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    title, header, rule, *rest = result.stdout.splitlines()
    assert title == "Questions per topic"
    assert header.split()[:2] == ["topic", "name"]
    assert set(rule) == {"-"}
    rows = rest[: len(TOPICS)]
    assert sorted(row.split()[0] for row in rows) == sorted(TOPICS)
    bank = load_bank([default_content_dir()])
    for row in rows:  # names in full, however long
        assert bank.topics[row.split()[0]].name in row
    total = rest[len(TOPICS) + 1]
    cells = dict(zip(header.split()[2:], total.split()[1:], strict=True))
    assert cells["total"] == str(len(bank.questions))
    assert sum(int(cells[d]) for d in ("easy", "medium", "hard")) == len(bank.questions)
    assert cells["levels"] == str(sum(q.levels is not None for q in bank.questions.values()))
    assert "Columns:" in result.stdout and "  sourced  " in result.stdout


@pytest.mark.sqlite_only(
    "a SQLite file; the PostgreSQL twin is tests/test_cli_pg.py::test_db_migrate_twice_on_postgres"
)
def test_db_migrate_twice(tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    env = {"DRILLBOT_DB": str(db)}
    first = drillbot("db", "migrate", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(
        rf"{re.escape(str(db))}: schema version (\d+) \(applied 1.*\)\n", first.stdout
    )
    second = drillbot("db", "migrate", cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.endswith("(up to date)\n")


@pytest.mark.sqlite_only(
    "edits a SQLite file with sqlite3; on PostgreSQL: "
    "tests/test_storage_pg.py::test_refuses_a_newer_schema"
)
def test_db_migrate_refuses_newer_schema(tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    env = {"DRILLBOT_DB": str(db)}
    assert drillbot("db", "migrate", cwd=tmp_path, env=env).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    result = drillbot("db", "migrate", cwd=tmp_path, env=env)
    assert result.returncode == 5
    assert "schema version 999" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.sqlite_only(
    "drillbot db backup is SQLite's; "
    "tests/test_cli_pg.py::test_db_backup_points_postgres_to_pg_dump"
)
def test_db_backup(tmp_path: Path) -> None:
    db, copy = tmp_path / "drill.sqlite3", tmp_path / "copy.sqlite3"
    assert drillbot("db", "migrate", cwd=tmp_path, env={"DRILLBOT_DB": str(db)}).returncode == 0
    result = drillbot("db", "backup", str(copy), cwd=tmp_path, env={"DRILLBOT_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"backed up {db} to {copy}\n"
    conn = sqlite3.connect(copy)
    try:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert int(version) >= 18
    assert {"daily_posts", "answers", "points"} <= tables


@pytest.mark.parametrize("extra", [{}, {"DISCORD_TOKEN": ""}])
def test_run_without_token_is_one_clear_line(tmp_path: Path, extra: dict[str, str]) -> None:
    result = drillbot("run", cwd=tmp_path, env=extra)
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("drillbot: ") and "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr
