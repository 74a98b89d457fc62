"""SIGTERM (`docker stop`) stops `drillbot run` cleanly: exit 0 within 10 s, database closed,
on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.storage import migrate
from tests.conftest import BACKENDS
from tests.ops.procs import Proc, start_bot, start_emulator
from tests.ops.test_health import free_port


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[Proc, dict[str, str]]]:
    emu, env = start_emulator(tmp_path)
    try:
        yield emu, env
    finally:
        emu.stop()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """DRILLBOT_DB for the child: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "drill.sqlite3")
    return str(request.getfixturevalue("pg_url"))


def assert_closed_cleanly(database: str) -> None:
    if not database.startswith("postgresql://"):
        # Closed, not abandoned: the WAL was folded back and the database opens cleanly.
        db = Path(database)
        assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
        return

    async def sessions_left() -> tuple[int, int]:
        conn = await asyncpg.connect(database)
        try:
            others = await conn.fetchval(
                "SELECT COUNT(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return int(others), int(await conn.fetchval("SELECT version_num FROM alembic_version"))
        finally:
            await conn.close()

    # Closed, not abandoned: the pool's connections are gone, the schema is whole.
    others, version = asyncio.run(sessions_left())
    assert others == 0
    assert version == migrate.head()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_bot_cleanly(
    tmp_path: Path, emulator: tuple[Proc, dict[str, str]], sig: signal.Signals, database: str
) -> None:
    _, env = emulator
    bot = start_bot(tmp_path, {**env, "DRILLBOT_DB": database})
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
    assert_closed_cleanly(database)


def fetch(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_health_readiness_and_metrics_of_a_running_bot(
    tmp_path: Path, emulator: tuple[Proc, dict[str, str]], database: str
) -> None:
    _, env = emulator
    port = free_port()
    bot = start_bot(
        tmp_path,
        {
            **env,
            "DRILLBOT_DB": database,
            "DRILLBOT_HEALTH": f"127.0.0.1:{port}",
        },
    )
    try:
        bot.wait_for(rf"health and metrics on http://127.0.0.1:{port}/")
        assert fetch(port, "/healthz") == (200, "ok\n")
        bot.wait_for(r"ready as drillbot")
        assert fetch(port, "/readyz") == (200, "gateway: ok\ndatabase: ok\nscheduler: ok\n")
        status, body = fetch(port, "/metrics")
        assert status == 200
        assert 'drillbot_gateway_events_total{event="READY"} 1.0' in body
        assert 'drillbot_gateway_events_total{event="GUILD_CREATE"} 1.0' in body
        assert "drillbot_gateway_latency_seconds " in body
        bot.signal(signal.SIGTERM)
        assert bot.wait(timeout=10) == 0
        out = bot.drain()
    finally:
        bot.stop()
    # Library chatter is gone at INFO: APScheduler's per-run lines, discord.py's voice warning.
    assert "apscheduler" not in out and "voice will NOT be supported" not in out
    assert env["DISCORD_TOKEN"] not in out


def test_a_token_discord_refuses_is_one_line_and_exit_3(
    tmp_path: Path, emulator: tuple[Proc, dict[str, str]]
) -> None:
    _, env = emulator
    bot = start_bot(
        tmp_path,
        {**env, "DISCORD_TOKEN": "not.the.token", "DRILLBOT_DB": str(tmp_path / "d.sqlite3")},
    )
    try:
        code = bot.wait(timeout=60)
        out = bot.drain()
    finally:
        bot.stop()
    assert code == 3, out
    assert "Traceback" not in out
    assert out.splitlines()[-1] == (
        "drillbot: Discord refused the token (check DISCORD_TOKEN or DISCORD_TOKEN_FILE)"
    )
    assert "not.the.token" not in out


def test_health_port_in_use_is_one_line_and_exit_2(
    tmp_path: Path, emulator: tuple[Proc, dict[str, str]]
) -> None:
    _, env = emulator
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "d.sqlite3"
        bot = start_bot(
            tmp_path, {**env, "DRILLBOT_DB": str(db), "DRILLBOT_HEALTH": f"127.0.0.1:{port}"}
        )
        try:
            code = bot.wait(timeout=60)
            out = bot.drain()
        finally:
            bot.stop()
    assert code == 2, out
    assert "Traceback" not in out
    assert out.splitlines()[-1].startswith(
        f"drillbot: health server cannot listen on 127.0.0.1:{port}"
    )
    assert not db.exists()  # stopped before the database was opened
