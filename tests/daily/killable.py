"""The real bot in its own process, for tests that SIGKILL it right after Discord took a call.

The test runs the emulator; this process runs the bot against it on the test's database with
a FakeClock stopped at the test's time. ``Killer`` kills it from inside the emulator, after a
matching call was carried out and before the bot hears back: nothing after that line runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0  # a child imports discord.py and loads the bank on a shared machine


@dataclass
class Killer:
    """SIGKILLs the bot's process once Discord carried out a call that ``matches``."""

    matches: Callable[[Any], bool]
    pid: int = 0
    killed: list[Any] = field(default_factory=list)

    def __call__(self, call: Any) -> None:
        if self.pid and not self.killed and self.matches(call):
            self.killed.append(call)
            os.kill(self.pid, signal.SIGKILL)

    def kill_now(self) -> None:
        """SIGKILL it at a moment the test chooses (members may be answering)."""
        if self.pid and not self.killed:
            self.killed.append(None)
            os.kill(self.pid, signal.SIGKILL)


def never(_call: Any) -> bool:
    """A ``Killer`` that waits for ``kill_now``."""
    return False


def set_clock(killer: Killer, clock_file: Path, when: datetime) -> None:
    """Move the FakeClock of the process started with ``clock_file`` to ``when``."""
    clock_file.write_text(when.isoformat())
    os.kill(killer.pid, signal.SIGUSR1)


@contextlib.asynccontextmanager
async def bot_process(
    emu: Any,
    db_path: Path | str,
    now: datetime,
    killer: Killer,
    shards: tuple[int, int, int] | None = None,
    clock_file: Path | None = None,
) -> AsyncIterator[None]:
    """Run the bot in a child process. The block runs once it is connected (or killed
    already); leaving the block waits until ``killer`` fired and the process is dead.
    ``db_path`` may be a postgresql:// URL; ``shards`` is (count, first, last); with
    ``clock_file``, ``set_clock`` moves the child's clock."""
    spec: dict[str, Any] = {
        "api_base": emu.api_base,
        "gateway_url": emu.gateway_url,
        "token": emu.token,
        "db": str(db_path),
        "now": now.isoformat(),
        "shards": list(shards) if shards else None,
        "clock_file": str(clock_file) if clock_file else None,
    }
    emu.after_call(killer)
    with tempfile.TemporaryFile() as errors:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__)),
            json.dumps(spec),
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=errors,
        )
        killer.pid = child.pid
        readies = emu.gateway.ready_count

        async def until(check: Callable[[], Any], what: str) -> None:
            try:
                await emu.wait_until(check, START_TIMEOUT, what)
            except TimeoutError:
                errors.seek(0)
                tail = errors.read()[-3000:].decode(errors="replace")
                raise AssertionError(f"{what}; the child's stderr:\n{tail}") from None

        try:
            await until(
                lambda: killer.killed or emu.gateway.ready_count > readies, "(never connected)"
            )
            yield
            await until(lambda: killer.killed, "(the call to kill it at never came)")
            await asyncio.wait_for(child.wait(), 10)
            assert child.returncode == -signal.SIGKILL
        finally:
            emu.call_hooks.remove(killer)
            if child.returncode is None:
                child.kill()
                await child.wait()


async def _main(spec: dict[str, Any]) -> None:
    from bot.app import build_app
    from bot.client import make_bot
    from bot.clock import FakeClock
    from bot.ops.config import Secret, Settings
    from bot.ops.shards import ShardPlan

    pg = spec["db"].startswith("postgresql://")
    settings = Settings(
        token=Secret(spec["token"]),
        db_path=Path("unused.sqlite3") if pg else Path(spec["db"]),
        db_url=Secret(spec["db"]) if pg else None,
        api_base=spec["api_base"],
        gateway_url=spec["gateway_url"],
        shards=ShardPlan(*spec["shards"], sharded=True) if spec["shards"] else ShardPlan(),
    )
    clock = FakeClock(datetime.fromisoformat(spec["now"]))
    if spec.get("clock_file"):
        moved = Path(spec["clock_file"])
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGUSR1, lambda: clock.set(datetime.fromisoformat(moved.read_text()))
        )
    app = await build_app(settings, clock)
    async with make_bot(app, guild_ready_timeout=0.05) as bot:
        await bot.start(spec["token"])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(_main(json.loads(sys.argv[1])))
