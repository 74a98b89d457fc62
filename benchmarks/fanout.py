"""Fan-out benchmark: 1,000 guilds post their daily question at the same minute.

A child process runs the emulator with Discord's rate limits switched on (bot/sandbox/emulator/
ratelimit.py: 50 requests/s for the whole bot, per-channel buckets) and creates the guilds,
each with its own question channel. This process runs the real DrillBot against it, every
guild set to post at 09:00 Berlin; the FakeClock is moved to 09:00 and the dispatcher's alarm
does the rest. Printed:

* time from 09:00 to the bot's last Discord call of the fan-out, against the floor the global
  rate limit sets (the requests the fan-out made, less the first window's 50, at 50 per s);
* CPU seconds this process used after that last call, until it had been quiet for --quiet
  seconds (the old per-guild cron fires re-read every guild: ~42 s of CPU here);
* the event loop's worst lateness during the fan-out (the gateway heartbeat waits that long);
* how often the dispatcher woke and how many guild runs it started;
* the bot process's resident memory idle after ready, and at its peak.

    .venv/bin/python benchmarks/fanout.py [--guilds 1000] [--quiet 3] [--reveals] [--existing]

With --reveals the clock then moves 23 h on, when every post reveals, and the same figures
are measured for the reveals.

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import App, build_app
from bot.bank import default_content_dir, load_bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.storage import Store

ROOT = str(Path(__file__).resolve().parents[1])
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 Berlin
NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Discord's global rate limit as the emulator applies it (bot/sandbox/emulator/ratelimit.py):
# requests per window and the window in seconds. Checked against the emulator's in serve(); the
# emulator itself is imported by the child only, so the bot's resident memory is the bot's own.
GLOBAL_LIMIT = (50, 1.0)
GLOBAL_RATE = GLOBAL_LIMIT[0] / GLOBAL_LIMIT[1]  # requests per second
TARGET_CPU_AFTER_S = 2.0
POSTING = ("send_post", "start_thread", "pin", "say_no_thread")
REVEALING = ("find_post", "history", "send_reveal", "close_thread")


# -- the child: Discord ------------------------------------------------------------------------
async def serve(guilds: int) -> None:
    """The emulator with rate limits on; JSON lines on stdout, orders on stdin."""
    from bot.sandbox.emulator import Emulator
    from bot.sandbox.emulator.ratelimit import GLOBAL_LIMIT as EMULATED

    assert tuple(EMULATED) == GLOBAL_LIMIT, EMULATED
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with Emulator() as emu:
        emu.rate_limits(True)
        made = []
        for i in range(guilds):
            guild = emu.create_guild(f"Study group {i}")
            channel = guild.create_text_channel("daily-question")
            owner = guild.add_member(f"olga{i}", permissions=["MANAGE_GUILD"])
            made.append([guild.id, channel.id, owner.id])
        config = {"api_base": emu.api_base, "gateway_url": emu.gateway_url, "token": emu.token}
        print(json.dumps({**config, "guilds": made}), flush=True)
        since = 0
        while (line := await reader.readline()).strip() in (b"mark", b"count"):
            if line.strip() == b"mark":
                since = len(emu.calls)
                print(json.dumps({"at": since}), flush=True)
                continue
            calls = emu.calls[since:]
            rest = [c for c in calls if not c.path.startswith(("/interactions/", "/webhooks/"))]
            report = {
                "requests": sum(1 for c in rest if c.status != 429),
                "limited": sum(1 for c in rest if c.status == 429),
                "posts": sum(
                    1
                    for c in rest
                    if c.method == "POST" and c.route_key.endswith("/messages") and c.status < 300
                ),
            }
            print(json.dumps(report), flush=True)


class Child:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def ask(self, order: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(order.encode() + b"\n")
        await self.proc.stdin.drain()
        return dict(json.loads(await self.proc.stdout.readline()))

    async def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.write(b"stop\n")
            await self.proc.stdin.drain()
        await asyncio.wait_for(self.proc.wait(), timeout=30)


# -- this process: the bot ----------------------------------------------------------------------
class Stamps:
    """When each Discord call of the fan-out returned: wall time and this process's CPU."""

    def __init__(self) -> None:
        self.last_wall = 0.0
        self.last_cpu = 0.0
        self.calls = 0

    def wrap(self, target: Any, name: str) -> None:
        real: Callable[..., Any] = getattr(target, name)

        async def stamped(*args: Any, **kwargs: Any) -> Any:
            try:
                return await real(*args, **kwargs)
            finally:
                self.calls += 1
                self.last_wall = time.perf_counter()
                self.last_cpu = time.process_time()

        setattr(target, name, stamped)

    @staticmethod
    def unwrap(target: Any, name: str) -> None:
        delattr(target, name)  # the instance attribute; the class's method shows again


class LagProbe:
    """The event loop's worst lateness while a phase runs: what the gateway heartbeat (and
    every member's command) would have waited."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._probe())

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.worst

    async def _probe(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.every)
            self.worst = max(self.worst, time.perf_counter() - before - self.every)


def resident_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS now, or VmHWM: the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def configure(store: Store, guilds: list[list[int]]) -> None:
    for guild_id, channel_id, owner_id in guilds:
        await store.guilds.update(
            guild_id,
            owner_id,
            START,
            channel_id=channel_id,
            post_time="09:00",
            timezone="Europe/Berlin",
        )


async def made(path: Path) -> None:
    """Create and migrate the database at ``path`` in a process of its own."""
    code = (
        "import asyncio, sys\n"
        "from bot.storage import Store\n"
        "async def main():\n"
        "    await (await Store.open(sys.argv[1])).close()\n"
        "asyncio.run(main())\n"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, str(path), cwd=ROOT)
    if await proc.wait() != 0:
        raise RuntimeError(f"could not make the database {path}")


async def until_quiet(app: App, stamps: Stamps, quiet: float, limit: float) -> None:
    """Wait until no guild runs and no Discord call returned for ``quiet`` seconds."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        idle_for = time.perf_counter() - stamps.last_wall
        if not app.daily_job.running and stamps.calls and idle_for >= quiet:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the fan-out did not finish within {limit:.0f}s")


async def run(guilds: int, quiet: float, with_reveals: bool, existing: bool) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        "--guilds",
        str(guilds),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=64 * 1024**2,
    )
    assert proc.stdout is not None
    config = json.loads(await proc.stdout.readline())
    child = Child(proc)
    clock = FakeClock(START)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fanout.sqlite3"
        if existing:  # made by another process: the bot opens it with nothing to migrate
            await made(path)
        store = await Store.open(path)
        try:
            await configure(store, config["guilds"])
            settings = Settings(
                token=Secret(config["token"]),
                db_path=store.db.path,
                api_base=config["api_base"],
                gateway_url=config["gateway_url"],
            )
            bank = load_bank([default_content_dir()])
            app = await build_app(settings, clock, bank=bank, store=store)
            bot = DrillBot(app=app, guild_ready_timeout=0.5)
            task = asyncio.create_task(bot.start(config["token"]))
            try:
                async with asyncio.timeout(120):
                    while not bot.is_ready():  # wait_until_ready() refuses to run before login
                        if task.done():
                            task.result()
                        await asyncio.sleep(0.05)
                await asyncio.sleep(2.0)  # idle after ready: what a quiet bot holds
                gc.collect()
                rss_idle = resident_mb()
                publisher = app.discord._publisher  # the plugged-in Discord publisher
                posts = await phase(
                    app, child, clock, publisher, POSTING, NINE_BERLIN, quiet, "post"
                )
                posted = len(await store.daily.in_state("posted"))
                reveals = None
                if with_reveals:
                    # Every post reveals 23 h later: the same fan-out, one minute, 1,000 guilds.
                    at = NINE_BERLIN + timedelta(hours=23)
                    reveals = await phase(
                        app, child, clock, publisher, REVEALING, at, quiet, "reveal"
                    )
                    reveals["revealed"] = len(await store.daily.in_state("revealed"))
            finally:
                await bot.close()
                await asyncio.wait_for(task, timeout=30)
        finally:
            await store.close()
            await child.stop()
    result = {
        "guilds": guilds,
        "database": "existing" if existing else "new",
        "posted": posted,
        **posts,
        "quiet_s": quiet,
        "rss_idle_mb": rss_idle,
        "rss_peak_mb": resident_mb("VmHWM"),
    }
    if reveals is not None:
        result["reveals"] = reveals
    return result


async def phase(
    app: App,
    child: Child,
    clock: FakeClock,
    publisher: Any,
    calls: tuple[str, ...],
    at: datetime,
    quiet: float,
    what: str,
) -> dict[str, Any]:
    """Move the clock to ``at`` and measure the fan-out it sets off."""
    stamps = Stamps()
    for name in calls:
        stamps.wrap(publisher, name)
    await child.ask("mark")
    rings, runs = app.jobs.rings, app.jobs.runs
    lag = LagProbe()
    lag.start()
    began = time.perf_counter()
    clock.set(at)
    await until_quiet(app, stamps, quiet, limit=600.0)
    cpu_after = time.process_time() - stamps.last_cpu
    worst_lag = await lag.stop()
    counts = await child.ask("count")
    for name in calls:
        stamps.unwrap(publisher, name)
    return {
        "requests": counts["requests"],
        "limited_429": counts["limited"],
        f"last_{what}_s": round(stamps.last_wall - began, 2),
        # The global bucket starts full: the first window's requests cost no waiting.
        "floor_s": round(max(0, counts["requests"] - GLOBAL_LIMIT[0]) / GLOBAL_RATE, 2),
        f"cpu_after_last_{what}_s": round(cpu_after, 3),
        "max_loop_lag_s": round(worst_lag, 3),
        "dispatcher_rings": app.jobs.rings - rings,
        "guild_runs": app.jobs.runs - runs,
    }


def table(result: dict[str, Any]) -> str:
    out = [
        f"resident memory: {result['rss_idle_mb']:.1f} MB idle after ready,"
        f" {result['rss_peak_mb']:.1f} MB at the peak",
        f"posting: {result['guilds']} guilds due at 09:00, {result['posted']} posts made",
    ]
    out.append(rows(result, result["quiet_s"], "post"))
    if "reveals" in result:
        reveals = result["reveals"]
        out.append(f"revealing: 23 h later, {reveals['revealed']} posts revealed")
        out.append(rows(reveals, result["quiet_s"], "reveal"))
    return "\n".join(out)


def rows(result: dict[str, Any], quiet: float, what: str) -> str:
    rows = [
        ("REST requests (429s)", f"{result['requests']} ({result['limited_429']})"),
        (f"time to last {what}", f"{result[f'last_{what}_s']:.2f} s"),
        (
            "rate-limit floor",
            f"{result['floor_s']:.2f} s (requests after the first window, {GLOBAL_RATE:.0f} per s)",
        ),
        (
            f"CPU after last {what}",
            f"{result[f'cpu_after_last_{what}_s']:.3f} s over {quiet:.0f} s quiet "
            f"(target < {TARGET_CPU_AFTER_S:.0f} s)",
        ),
        ("worst event-loop lag", f"{result['max_loop_lag_s'] * 1000:.0f} ms"),
        ("dispatcher wake-ups", f"{result['dispatcher_rings']}"),
        ("guild runs", f"{result['guild_runs']}"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--quiet", type=float, default=3.0, help="seconds of quiet to wait")
    parser.add_argument("--reveals", action="store_true", help="then the reveals, 23 h later")
    parser.add_argument(
        "--existing", action="store_true", help="the database exists (else the bot creates it)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.guilds))
        return
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    result = asyncio.run(run(args.guilds, args.quiet, args.reveals, args.existing))
    print(table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
