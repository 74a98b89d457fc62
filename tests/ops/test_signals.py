"""SIGTERM (`docker stop`) stops `drillbot run` cleanly: exit 0 within 10 s, database closed."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.procs import Proc, start_bot, start_emulator


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[Proc, dict[str, str]]]:
    emu, env = start_emulator(tmp_path)
    try:
        yield emu, env
    finally:
        emu.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_bot_cleanly(
    tmp_path: Path, emulator: tuple[Proc, dict[str, str]], sig: signal.Signals
) -> None:
    _, env = emulator
    db = tmp_path / "drill.sqlite3"
    bot = start_bot(tmp_path, {**env, "DRILLBOT_DB": str(db)})
    try:
        bot.wait_for(r"ready as drillbot")
        started = time.monotonic()
        bot.signal(sig)
        code = bot.wait(timeout=10)
        took = time.monotonic() - started
        out = bot.drain()
    finally:
        bot.stop()
    assert code == 0, out
    assert took < 10
    assert f"{sig.name} received" in out and "stopped cleanly" in out
    assert "Traceback" not in out
    assert env["DISCORD_TOKEN"] not in out
    # Closed, not abandoned: the WAL was folded back and the database opens cleanly.
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
