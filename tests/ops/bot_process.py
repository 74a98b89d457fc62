"""`drillbot run` as a child process against the test's own emulator, as an operator runs it.

The test process hosts the emulator (wall-clock time) and plays the members; the child is the
real console command with its real clock, so a kill or a signal hits exactly what production
runs. Its stderr goes to a file the assertion messages quote.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from tests.ops.helpers import ROOT, clean_env
from tests.support.sql import to_dollar

T = TypeVar("T")

START_TIMEOUT = 90.0  # a child imports discord.py and loads the bank on a shared machine


class BotProcess:
    def __init__(
        self,
        emu: Any,
        db: Path | str,
        health: str = "127.0.0.1:0",
        env: dict[str, str] | None = None,
    ) -> None:
        self.emu = emu
        self.env = env or {}
        self.db = db
        self.health = health
        self.child: asyncio.subprocess.Process | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close(), across restarts)

    async def start(self) -> None:
        env = clean_env(
            {
                "DISCORD_TOKEN": self.emu.token,
                "DISCORD_API_BASE": self.emu.api_base,
                "DISCORD_GATEWAY_URL": self.emu.gateway_url,
                "DRILLBOT_DB": str(self.db),
                "DRILLBOT_HEALTH": self.health,
                **self.env,
            }
        )
        readies = self.emu.gateway.ready_count
        self.child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.ops.cli", "run", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=self._log, stderr=self._log,
        )  # fmt: skip
        await self.until(lambda: self.emu.gateway.ready_count > readies, "never connected")

    async def until(self, check: Any, what: str, timeout: float = START_TIMEOUT) -> None:  # noqa: ASYNC109
        try:
            await self.emu.wait_until(check, timeout, what)
        except TimeoutError:
            raise AssertionError(f"{what}; the bot's output:\n{self.output()[-3000:]}") from None

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def send(self, sig: signal.Signals) -> None:
        assert self.child is not None
        self.child.send_signal(sig)

    async def wait(self, timeout: float) -> int:  # noqa: ASYNC109
        assert self.child is not None
        return await asyncio.wait_for(self.child.wait(), timeout)

    async def close(self) -> str:
        """Kill the child if it still runs; returns everything it printed."""
        if self.child is not None and self.child.returncode is None:
            self.child.kill()
            await self.child.wait()
        out = self.output()
        self._log.close()
        return out


def due_now_settings(now: datetime) -> dict[str, Any]:
    """A timezone where it is day time and a post time a minute ago: due as the bot starts."""
    for hours in range(-12, 13):
        local = now + timedelta(hours=hours)
        if 3 <= local.hour <= 20:
            zone = "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
            earlier = local - timedelta(minutes=1)
            return {"timezone": zone, "post_time": earlier.strftime("%H:%M"), "local": earlier}
    raise AssertionError("unreachable: some zone has day time")


class DbReader:
    """The bot's database, read (and the one write ``make_reveal_due`` needs) from the test
    while the child runs, synchronously, as the emulator's wait checks are plain functions.

    A SQLite file through sqlite3 (WAL: a reader never blocks the bot); PostgreSQL through one
    asyncpg connection on an event loop in a thread of its own (the test's loop hosts the
    emulator and cannot await inside a check)."""

    def __init__(self, db: Path | str) -> None:
        self.db = str(db)
        self.pg = self.db.startswith("postgresql://")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: Any = None
        if self.pg:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
            self._thread.start()
            self._conn = self._run(asyncpg.connect(self.db))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self.pg:
            return list(self._run(self._conn.fetch(to_dollar(sql), *params)))
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.pg:
            self._run(self._conn.execute(to_dollar(sql), *params))
            return
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    def close(self) -> None:
        if self._loop is None:
            return
        try:
            self._run(self._conn.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()


def make_reveal_due(db: DbReader) -> None:
    """The deadline passes while the bot is down (the reveal runs as it starts)."""
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="microseconds")
    db.execute("UPDATE daily_posts SET reveal_at = ? WHERE state = 'posted'", (past,))
