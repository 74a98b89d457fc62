"""`drillbot run` checks database, content and token before it connects: one line, own code."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.ops.preflight import Exit
from tests.ops.helpers import ROOT, drillbot, make_database, one_line, snapshot

TOKEN = "MTIz.secret-token-value.xyz"
BROKEN = ROOT / "tests" / "fixtures" / "packs" / "broken"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(tmp_path: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    base = {
        "DISCORD_TOKEN": TOKEN,
        "DRILLBOT_DB": str(tmp_path / "drill.sqlite3"),
        # Nothing listens here: a check that failed to stop the run would show up as exit 7.
        "DISCORD_API_BASE": f"http://127.0.0.1:{closed_port()}/api/v10",
    }
    base.update(env)
    return drillbot("run", "--connect-attempts", "3", "--connect-backoff", "0.01", *args,
                    cwd=tmp_path, env=base)  # fmt: skip


@pytest.mark.sqlite_only(
    "preflight checks a SQLite file and its folder; a PostgreSQL URL is checked by connecting"
)
def test_database_folder_missing(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run(tmp_path, DRILLBOT_DB=str(tmp_path / "nope" / "drill.sqlite3"))
    assert result.returncode == Exit.DATABASE
    assert "does not exist" in one_line(result)
    assert snapshot(tmp_path) == before


@pytest.mark.sqlite_only(
    "preflight checks a SQLite file and its folder; a PostgreSQL URL is checked by connecting"
)
def test_database_folder_not_writable(tmp_path: Path) -> None:
    # /sys refuses new files even to root (who passes every chmod-based check).
    result = run(tmp_path, DRILLBOT_DB="/sys/drill.sqlite3")
    assert result.returncode == Exit.DATABASE
    assert "database folder /sys is not writable" in one_line(result)
    assert not Path("/sys/drill.sqlite3").exists()


@pytest.mark.parametrize("kind", ["text", "folder"])
@pytest.mark.sqlite_only(
    "preflight checks a SQLite file and its folder; a PostgreSQL URL is checked by connecting"
)
def test_database_path_is_not_a_database(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "drill.sqlite3"
    if kind == "text":
        db.write_text("these are my notes, not a database\n" * 20)
    else:
        db.mkdir()
    before = snapshot(tmp_path)
    result = run(tmp_path)
    assert result.returncode == Exit.DATABASE
    line = one_line(result)
    assert str(db) in line and ("not a SQLite database" in line or "is a folder" in line)
    assert snapshot(tmp_path) == before


@pytest.mark.sqlite_only(
    "preflight checks a SQLite file and its folder; a PostgreSQL URL is checked by connecting"
)
def test_database_from_a_newer_drillbot(tmp_path: Path) -> None:
    db = tmp_path / "drill.sqlite3"
    make_database(db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (999)")
    conn.close()
    before = snapshot(tmp_path)
    result = run(tmp_path)
    assert result.returncode == Exit.SCHEMA
    assert "schema version 999" in one_line(result)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content", ["broken", "missing"])
def test_content_broken_or_missing(tmp_path: Path, content: str) -> None:
    folder = BROKEN if content == "broken" else tmp_path / "no-packs"
    before = snapshot(tmp_path)
    result = run(tmp_path, DRILLBOT_CONTENT=str(folder))
    assert result.returncode == Exit.CONTENT
    line = one_line(result)
    assert line.startswith("drillbot: content ")
    assert (str(BROKEN) in line and "more; run drillbot content validate" in line) or (
        "does not exist" in line
    )
    assert snapshot(tmp_path) == before  # the database was not created


@pytest.mark.parametrize("token", ["", "has a space"])
def test_token_missing_or_malformed(tmp_path: Path, token: str) -> None:
    before = snapshot(tmp_path)
    result = run(tmp_path, DISCORD_TOKEN=token)
    assert result.returncode == Exit.TOKEN
    assert "token" in one_line(result)
    assert snapshot(tmp_path) == before


@pytest.mark.sqlite_only(
    "preflight checks a SQLite file and its folder; a PostgreSQL URL is checked by connecting"
)
def test_database_is_checked_before_anything_else(tmp_path: Path) -> None:
    (tmp_path / "drill.sqlite3").write_text("not a database")
    result = run(tmp_path, DISCORD_TOKEN="", DRILLBOT_CONTENT=str(BROKEN))
    assert result.returncode == Exit.DATABASE
    one_line(result)


def test_unreachable_discord_retries_with_one_line_per_attempt(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run(tmp_path)
    assert result.returncode == Exit.UNREACHABLE
    assert "Traceback" not in result.stderr
    *retries, last = result.stderr.splitlines()
    assert len(retries) == 2
    for n, line in enumerate(retries, start=1):
        assert "Discord unreachable at http://127.0.0.1:" in line
        assert f"(attempt {n} of 3)" in line and "retrying in" in line
    assert last.startswith("drillbot: Discord unreachable at ") and "after 3 attempt(s)" in last
    assert TOKEN not in result.stderr + result.stdout
    assert snapshot(tmp_path) == before


def test_json_logs_are_one_object_per_line(tmp_path: Path) -> None:
    result = run(tmp_path, "--log-format", "json")
    assert result.returncode == Exit.UNREACHABLE
    *retries, _last = result.stderr.splitlines()
    entries = [json.loads(line) for line in retries]
    assert [e["level"] for e in entries] == ["WARNING", "WARNING"]
    assert all(e["logger"] == "bot.ops.preflight" and "attempt" in e["message"] for e in entries)


def test_run_help_explains_checks_signals_and_exit_codes(tmp_path: Path) -> None:
    result = drillbot("run", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for words in ("SIGTERM", "DRILLBOT_DB", "DRILLBOT_CONTENT", "DISCORD_TOKEN", "/healthz",
                  "--log-format", "--connect-attempts", "exit code"):  # fmt: skip
        assert words.lower() in result.stdout.lower(), words
