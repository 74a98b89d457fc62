"""Run the `drillbot` command as a real subprocess and snapshot folders to prove nothing changed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
# Variables the CLI reads; cleared so the developer's own settings cannot leak into a test.
_OURS = ("DISCORD_", "DRILLBOT_")


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), clean.get("PYTHONPATH")]))
    clean["DRILLBOT_HEALTH"] = "127.0.0.1:0"  # no fixed port shared between tests
    clean.update(env or {})
    return clean


def drillbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused command (and nothing on stdout)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("drillbot: "), lines[0]
    return lines[0]


def make_database(path: Path, rows: int = 3) -> None:
    """A migrated drillbot database with a few answers-like rows in a table of its own."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE marker (n INTEGER)")
        conn.executemany("INSERT INTO marker VALUES (?)", [(i,) for i in range(rows)])
        conn.commit()
    finally:
        conn.close()


def marker_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM marker").fetchone()[0])
    finally:
        conn.close()
