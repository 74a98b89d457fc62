"""Answer ingest benchmark: members flood a daily thread; how fast do answers get committed?

Starts the emulator and the real DrillBot (discord.py client, gateway, AnswerWriter, SQLite in a
temporary directory), posts a daily question with its thread, then injects member messages
through the emulator's gateway in two phases:

* flood: N messages as fast as the driver can send them -> the ingest rate (committed rows/s).
  Latency here is mostly time spent queued behind earlier messages, so it grows with N.
* paced: N messages offered at a steady --rate (default 2,000/s, the target) -> p50/p99 of the
  time from the gateway send to the COMMIT that stored the answer.

``AnswerRepo.record`` is wrapped so each batch is stamped right after its COMMIT returns. By
default the emulator and its members run in a child process, as Discord is not inside the bot's
process; --same-process puts them on the bot's loop (they then compete for one core). --pin puts
the bot and the emulator on two different cores (os.sched_setaffinity).

CPU per answer is the bot process's CPU time (every thread: the loop and aiosqlite's) over a
phase, divided by its answers. The same run then closes the bot and connects a bare discord.py
client (same intents, an ``on_message`` that only notes the arrival) to the same emulator, and
sends it the same two phases: ``cpu_ratio_flood`` and ``cpu_ratio_paced`` are the bot's CPU per
answer over the bare client's, what drillbot adds to what discord.py costs anyway.

The store is SQLite by default; ``--backend postgres`` starts a throwaway PostgreSQL cluster
(tests/support/postgres.py, durable=True: its WAL is flushed as SQLite's WAL with
synchronous=NORMAL) and ``--db postgresql://...`` uses an empty database of your own.

    .venv/bin/python benchmarks/ingest.py [-n 5000] [--rate 2000] [--profile out.prof]
    .venv/bin/python benchmarks/ingest.py --backend postgres

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord

from bot.app import build_app
from bot.bank import default_content_dir, load_bank
from bot.client import DrillBot, intents
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.storage import NewAnswer, Store, open_store
from tests.support import postgres

NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TARGET_RATE = 2000.0  # answers/s
TARGET_P99_MS = 5.0


class Stamps:
    """Send and commit times per message id (time.perf_counter, one process)."""

    def __init__(self) -> None:
        self.sent: dict[int, float] = {}
        self.committed: dict[int, float] = {}
        self.arrived: dict[int, float] = {}  # when the cog handed the message to the core
        self.progress = asyncio.Event()  # set after every committed batch
        self.batches: list[int] = []
        self.cpu: dict[str, float] = {}  # phase -> CPU seconds of this process


class BareClient(discord.Client):
    """The baseline: discord.py alone on the same traffic, noting when each message arrives
    (as the bot's ``receive`` is stamped). Its "commit" is the arrival."""

    def __init__(self, stamps: Stamps) -> None:
        super().__init__(intents=intents())
        self.stamps = stamps

    async def on_message(self, message: discord.Message) -> None:
        now = time.perf_counter()
        self.stamps.arrived[message.id] = now
        self.stamps.committed[message.id] = now
        self.stamps.progress.set()


def stamp_commits(store: Store, stamps: Stamps) -> None:
    real = store.answers.record

    async def record(answers: Sequence[NewAnswer]) -> int:
        stored = await real(answers)
        done = time.perf_counter()  # COMMIT has returned: the rows are durable (WAL)
        stamps.batches.append(len(answers))
        for answer in answers:
            stamps.committed.setdefault(answer.message_id, done)
        stamps.progress.set()
        return stored

    store.answers.record = record  # type: ignore[method-assign]


def stamp_arrivals(daily: Any, stamps: Stamps) -> None:
    """Split the latency: gateway + discord.py parsing, then the core and the commit."""
    real = daily.receive

    async def receive(channel_id: int, parent_id: int | None, msg: Any) -> bool:
        stamps.arrived[msg.message_id] = time.perf_counter()
        return bool(await real(channel_id, parent_id, msg))

    daily.receive = receive
    offer = daily.offer  # the gateway's answers in open threads (no task, no receive)

    def offered(channel_id: int, msg: Any) -> Any:
        stamps.arrived[msg.message_id] = time.perf_counter()
        return offer(channel_id, msg)

    daily.offer = offered


async def start(bot: discord.Client, token: str) -> asyncio.Task[None]:
    task = asyncio.create_task(bot.start(token))
    ready = asyncio.ensure_future(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        raise RuntimeError("bot did not become ready")
    return task


TEXT = "I would gate the rollout on offline metrics, then a canary."


def seed(emu: Emulator, members: int) -> tuple[dict[str, Any], list[Any]]:
    """A guild with a question channel, an organiser and members; returns what a client
    needs to connect, and the members' driver handles."""
    guild = emu.create_guild("Benchmark group")
    channel = guild.create_text_channel("daily-question")
    owner = guild.add_member("olga", permissions=["MANAGE_GUILD"])
    people = [guild.add_member(f"m{i}") for i in range(members)]
    config = {
        "api_base": emu.api_base,
        "gateway_url": emu.gateway_url,
        "token": emu.token,
        "guild_id": guild.id,
        "channel_id": channel.id,
        "owner_id": owner.id,
    }
    return config, people


async def inject(
    people: list[Any], thread_id: int, n: int, rate: float, sent: dict[int, float]
) -> float:
    """Members post n answers, at ``rate`` per second (0: as fast as possible). Open loop:
    a late driver catches up at once. Returns the first send time."""
    first = time.perf_counter()
    i = 0
    while i < n:
        due = n if rate <= 0 else min(n, int((time.perf_counter() - first) * rate) + 1)
        while i < due:
            sent_at = time.perf_counter()
            msg = await people[i % len(people)].send(thread_id, f"{TEXT} #{i}")
            sent[msg.id] = sent_at
            i += 1
            if rate <= 0:
                await asyncio.sleep(0)  # let the gateway writer run
        if rate > 0:
            await asyncio.sleep(1 / rate)
    return first


async def serve(members: int, cpu: int | None) -> None:
    """Child process: the emulator and its members, driven by JSON lines on stdin/stdout.
    perf_counter is CLOCK_MONOTONIC on Linux, so its stamps compare across processes."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    # The emulator keeps every message and gateway payload (for RESUME); its collector then
    # pauses for ~25 ms between our send stamp and the frame going out, which is Discord's
    # time, not the bot's. The child is short-lived: no collection.
    gc.disable()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024**2)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with Emulator() as emu:
        config, people = seed(emu, members)
        print(json.dumps(config), flush=True)
        while (line := await reader.readline()).startswith(b"{"):
            order = json.loads(line)
            sent: dict[int, float] = {}
            first = await inject(people, order["thread_id"], order["n"], order["rate"], sent)
            print(json.dumps({"first": first, "sent": sent}), flush=True)
        # anything else (the bot has closed): stop


class Driver:
    """Sends orders to the members, in a child process or on this loop."""

    def __init__(self, child: asyncio.subprocess.Process | None, people: list[Any]) -> None:
        self.child, self.people = child, people

    async def inject(self, thread_id: int, n: int, rate: float) -> tuple[float, dict[int, float]]:
        if self.child is None:
            sent: dict[int, float] = {}
            return await inject(self.people, thread_id, n, rate, sent), sent
        assert self.child.stdin is not None and self.child.stdout is not None
        order = {"thread_id": thread_id, "n": n, "rate": rate}
        self.child.stdin.write((json.dumps(order) + "\n").encode())
        await self.child.stdin.drain()
        report = json.loads(await self.child.stdout.readline())
        return report["first"], {int(k): v for k, v in report["sent"].items()}


async def phase(
    driver: Driver, stamps: Stamps, thread_id: int, n: int, rate: float
) -> dict[str, Any]:
    cpu, loop_cpu = time.process_time(), time.thread_time()
    batches_before = len(stamps.batches)
    first, sent = await driver.inject(thread_id, n, rate)
    async with asyncio.timeout(120):
        while not all(m in stamps.committed for m in sent):
            stamps.progress.clear()
            await stamps.progress.wait()
    cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
    total = sorted((stamps.committed[m] - t) * 1000 for m, t in sent.items())
    arrive = sorted((stamps.arrived[m] - t) * 1000 for m, t in sent.items())
    commit = sorted((stamps.committed[m] - stamps.arrived[m]) * 1000 for m in sent)
    elapsed = max(stamps.committed[m] for m in sent) - first
    batches = sorted(stamps.batches[batches_before:]) or [0]  # the bare client has none
    return {
        "offered": "as fast as possible" if rate <= 0 else f"{rate:.0f}/s",
        "n": n,
        "elapsed_s": round(elapsed, 3),
        "answers_per_s": round(n / elapsed, 1),
        "p50_ms": round(statistics.median(total), 3),
        "p99_ms": round(pct(total, 0.99), 3),
        "max_ms": round(total[-1], 3),
        "arrive_p50_ms": round(statistics.median(arrive), 3),
        "arrive_p99_ms": round(pct(arrive, 0.99), 3),
        "commit_p50_ms": round(statistics.median(commit), 3),
        "commit_p99_ms": round(pct(commit, 0.99), 3),
        "cpu_us": round(cpu / n * 1e6, 1),  # CPU of this process per answer
        "loop_cpu_us": round(loop_cpu / n * 1e6, 1),  # of which the event loop's thread
        "batches": len(batches) if batches != [0] else 0,
        "batch_p10_p50_p90": [batches[int(q * (len(batches) - 1))] for q in (0.1, 0.5, 0.9)],
    }


async def bare_phases(
    driver: Driver, config: dict[str, Any], thread_id: int, n: int, rate: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same two phases, received by a bare discord.py client instead of the bot."""
    stamps = Stamps()
    client = BareClient(stamps)
    # The bot's leftovers are not the bare client's to collect (the bot froze its own start-up
    # heap too: bot/client.py setup_hook).
    gc.collect()
    gc.freeze()
    task = await start(client, config["token"])
    try:
        flood = await phase(driver, stamps, thread_id, n, 0)
        paced = await phase(driver, stamps, thread_id, n, rate)
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
    return flood, paced


async def open_bench_store(tmp: str, db: str | None) -> Store:
    """A new store: SQLite in ``tmp``, or the (empty) PostgreSQL database ``db``."""
    return await open_store(db) if db else await Store.open(Path(tmp) / "bench.sqlite3")


async def run(
    n: int,
    members: int,
    rate: float,
    split: bool,
    db: str | None = None,
    cpus: tuple[int, int] | None = None,
    profiler: cProfile.Profile | None = None,
    window: float | None = None,
) -> dict[str, Any]:
    child: asyncio.subprocess.Process | None = None
    emu: Emulator | None = None
    people: list[Any] = []
    if cpus is not None:
        os.sched_setaffinity(0, {cpus[0]})
    if split:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            "--members",
            str(members),
            *(("--cpu", str(cpus[1])) if cpus is not None else ()),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024**2,
        )
        assert child.stdout is not None
        config = json.loads(await child.stdout.readline())
    else:
        emu = await Emulator().start()
        config, people = seed(emu, members)
    driver = Driver(child, people)
    try:
        result = await bot_phases(driver, config, n, rate, db, profiler, window)
        # The bot has closed (its gateway session with it): the bare client, same traffic.
        thread_id = result.pop("thread_id")
        result["bare_flood"], result["bare_paced"] = await bare_phases(
            driver, config, thread_id, n, rate
        )
    finally:
        if child is not None:
            assert child.stdin is not None
            child.stdin.write(b"quit\n")
            await child.stdin.drain()
            await child.wait()
        if emu is not None:
            await emu.close()
    result["mode"] = "emulator in a child process" if split else "emulator in the bot's process"
    result["pinned"] = f"bot on cpu {cpus[0]}, emulator on cpu {cpus[1]}" if cpus else "no"
    return result


async def bot_phases(
    driver: Driver,
    config: dict[str, Any],
    n: int,
    rate: float,
    db: str | None,
    profiler: cProfile.Profile | None = None,
    window: float | None = None,
) -> dict[str, Any]:
    stamps = Stamps()
    with tempfile.TemporaryDirectory() as tmp:
        store = await open_bench_store(tmp, db)
        await store.guilds.update(
            config["guild_id"],
            config["owner_id"],
            NINE_BERLIN,
            channel_id=config["channel_id"],
            timezone="Europe/Berlin",
        )
        settings = Settings(
            token=Secret(config["token"]),
            db_path=Path(tmp) / "bench.sqlite3",
            api_base=config["api_base"],
            gateway_url=config["gateway_url"],
        )
        bank = load_bank([default_content_dir()])
        app = await build_app(settings, FakeClock(NINE_BERLIN), bank=bank, store=store)
        if window is not None:
            app.writer.window = window
        bot = DrillBot(app=app, guild_ready_timeout=0.05)
        task = await start(bot, config["token"])
        try:
            await bot.jobs.idle()
            post = await store.daily.get(config["guild_id"], "2026-03-02")
            assert post is not None and post.thread_id is not None, "no daily thread"
            stamp_commits(store, stamps)
            stamp_arrivals(bot.daily, stamps)
            if profiler is not None:
                profiler.enable()
            flood = await phase(driver, stamps, post.thread_id, n, 0)
            paced = await phase(driver, stamps, post.thread_id, n, rate)
            if profiler is not None:
                profiler.disable()
            rows = len(await store.answers.for_post(post.id))
        finally:
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)
            await store.close()
    return {
        "backend": "PostgreSQL" if db else "SQLite",
        "rows": rows,
        "batches": len(stamps.batches),
        "mean_batch": round(statistics.mean(stamps.batches), 1),
        "flood": flood,
        "paced": paced,
        "thread_id": post.thread_id,
    }


def pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ratio(bot: dict[str, Any], bare: dict[str, Any]) -> float:
    return round(bot["cpu_us"] / bare["cpu_us"], 3)


def table(result: dict[str, Any]) -> str:
    flood, paced = result["flood"], result["paced"]
    rows = [
        ("offered load", "offered", "offered", ""),
        ("answers", "n", "n", ""),
        ("elapsed (s)", "elapsed_s", "elapsed_s", ""),
        ("answers/s committed", "answers_per_s", "answers_per_s", f">= {TARGET_RATE:.0f} (flood)"),
        ("p50 send->commit ms", "p50_ms", "p50_ms", ""),
        ("p99 send->commit ms", "p99_ms", "p99_ms", f"< {TARGET_P99_MS} (paced)"),
        ("max send->commit ms", "max_ms", "max_ms", ""),
        ("  p50 send->cog ms", "arrive_p50_ms", "arrive_p50_ms", ""),
        ("  p99 send->cog ms", "arrive_p99_ms", "arrive_p99_ms", ""),
        ("  p50 cog->commit ms", "commit_p50_ms", "commit_p50_ms", ""),
        ("  p99 cog->commit ms", "commit_p99_ms", "commit_p99_ms", ""),
        ("CPU us per answer", "cpu_us", "cpu_us", ""),
        ("  in the loop's thread", "loop_cpu_us", "loop_cpu_us", ""),
    ]
    lines = [
        f"ingest benchmark, {result['backend']}, {result['mode']}",
        f"{'':<22}{'flood':>20}{'paced':>20}  target",
    ]
    for label, fk, pk, target in rows:
        lines.append(f"{label:<22}{flood[fk]!s:>20}{paced[pk]!s:>20}  {target}")
    rate_ok = flood["answers_per_s"] >= TARGET_RATE
    p99_ok = paced["p99_ms"] < TARGET_P99_MS
    bare_flood, bare_paced = result["bare_flood"], result["bare_paced"]
    lines.append(f"{'  bare client':<22}{bare_flood['cpu_us']!s:>20}{bare_paced['cpu_us']!s:>20}")
    lines.append(
        f"{'  ratio':<22}{ratio(flood, bare_flood)!s:>20}{ratio(paced, bare_paced)!s:>20}"
        "  <= 1.25 (flood), <= 1.5 (paced)"
    )
    lines.append(
        f"{'bare p50/p99 ms':<22}"
        f"{bare_flood['p50_ms']!s:>10}{bare_flood['p99_ms']!s:>10}"
        f"{bare_paced['p50_ms']!s:>10}{bare_paced['p99_ms']!s:>10}"
    )
    lines.append(f"pinned: {result['pinned']}; load average {result['loadavg']}")
    lines.append(
        f"rows committed {result['rows']} in {result['batches']} batches "
        f"(mean {result['mean_batch']}; paced p10/p50/p90 {paced['batch_p10_p50_p90']}); "
        f"rate {'ok' if rate_ok else 'MISSED'}, "
        f"p99 {'ok' if p99_ok else 'MISSED'}"
    )
    return "\n".join(lines)


@contextlib.contextmanager
def backend_url(args: argparse.Namespace) -> Iterator[str | None]:
    """None for SQLite; a PostgreSQL URL (``--db``, or a new database in a throwaway cluster)."""
    if args.db or args.backend == "sqlite":
        yield args.db
        return
    reason = postgres.missing()
    if reason:
        raise SystemExit(f"cannot start PostgreSQL: {reason}")
    with postgres.cluster(durable=True) as running:
        yield postgres.create_database(running, migrated=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="member messages to inject")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument(
        "--rate", type=float, default=TARGET_RATE, help="offered answers/s in the paced phase"
    )
    parser.add_argument(
        "--profile", help="write a cProfile of the bot's two phases (its loop's thread) here"
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="run the emulator in the bot's process and loop (it then competes for the CPU)",
    )
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: a throwaway PostgreSQL cluster (needs initdb and pg_ctl)",
    )
    parser.add_argument("--db", help="an empty postgresql:// database instead of a throwaway one")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="put the bot and the emulator on two different cores (the first two allowed)",
    )
    parser.add_argument(
        "--window",
        type=float,
        help="the answer writer's group-commit window in ms (default: the bot's own)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.members, args.cpu))
        return
    cpus = None
    if args.pin:
        allowed = sorted(os.sched_getaffinity(0))
        if len(allowed) < 2 or args.same_process:
            raise SystemExit("--pin needs two cores and the emulator in a child process")
        cpus = (allowed[0], allowed[1])
    logging.basicConfig(level=logging.WARNING)
    profiler = cProfile.Profile() if args.profile else None
    with backend_url(args) as db:
        load = os.getloadavg()
        result = asyncio.run(
            run(
                args.n,
                args.members,
                args.rate,
                not args.same_process,
                db,
                cpus,
                profiler,
                None if args.window is None else args.window / 1000,
            )
        )
        result["loadavg"] = " ".join(f"{x:.2f}" for x in (*load, *os.getloadavg())[:4])
    if profiler:
        profiler.dump_stats(args.profile)
    print(table(result))
    flood, paced = result["flood"], result["paced"]
    summary = {
        "backend": result["backend"],
        "answers_per_s": flood["answers_per_s"],
        "p50_ms": paced["p50_ms"],
        "p99_ms": paced["p99_ms"],
        "n": flood["n"],
        "paced_rate": args.rate,
        "flood_p99_ms": flood["p99_ms"],
        "cpu_us_flood": flood["cpu_us"],
        "cpu_us_paced": paced["cpu_us"],
        "bare_cpu_us_flood": result["bare_flood"]["cpu_us"],
        "bare_cpu_us_paced": result["bare_paced"]["cpu_us"],
        "cpu_ratio_flood": ratio(flood, result["bare_flood"]),
        "cpu_ratio_paced": ratio(paced, result["bare_paced"]),
        "paced_batch_p10_p50_p90": paced["batch_p10_p50_p90"],
        "pinned": args.pin,
        "loadavg": result["loadavg"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
