"""Web board benchmark: board page p50/p99 at 200 requests/s on a guild of 1,000,000 answers,
alone and while answers are ingested at 2,000/s, and the answer path's p50/p99 with and
without the page load.

Builds the guild as benchmarks/leaderboard.py does (``build``: one guild, ``--answers`` daily
answers by ``--members`` members over ~400 posts and two seasons), gives every member a display
name and turns the guild's board on. Then, in this process, the bot's own pieces: the app from
the composition root (store, services, the web server on 127.0.0.1, port chosen by the OS) and
its AnswerWriter; in a child process, an open-loop HTTP client (requests start on a fixed
schedule, so a slow answer delays nobody's start and queueing is measured, not hidden) cycling
the week, month, season, all-time and one topic board of a median member's link. The client is
benchmarks/httpload.py (raw sockets, ~0.1 ms of CPU a request) unless ``--client aiohttp``
(the earlier one, ~1 ms a request: on 2 shared cores its own stalls were most of the p99).

Where a page's time goes: the server stamps each answer with when its handler began and ended
(a middleware, this benchmark's only), on the clock every process shares, so each latency splits
into the client's lateness in sending, the way in (the kernel and the bot's loop queue), the
handler, and the way back. ``--pin`` puts the bot process (loop, writer and reader threads) on
one core and the client on the other (os.sched_setaffinity), so neither starves the other.

Phases of ``--seconds`` each: the idle loop (the floor: how late the loop wakes on this machine
with nothing to do, other processes' doing), answers alone (2,000/s offered, latency from
``add`` to its COMMIT), pages alone, and both together; in each, how late a task waking every
5 ms on the bot's loop woke (lag p99), and the garbage collector's pauses (gc.callbacks). The
target (issue 29): page p99 < 20 ms, and the answer
path's p99 unchanged beyond noise. On a shared machine, read the figures against the load
average printed with them and the floor.

    .venv/bin/python benchmarks/web.py [--answers 1000000] [--members 50000] [--seconds 20]
        [--keep DIR]   # build the database once into DIR, measure a copy on every run
        [--pin] [--client lean|aiohttp]

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import httpload
from benchmarks.httpload import Record
from benchmarks.leaderboard import build, migrate
from bot.app import build_app
from bot.bank import default_content_dir, load_bank
from bot.clock import FakeClock
from bot.ops.config import Settings
from bot.storage import NewAnswer, open_store
from bot.web.server import WebServer

GUILD = 1
TARGET_P99_MS = 20.0
LAG_EVERY = 0.005  # seconds between the loop-lag probe's wake-ups
STALL_MS = 20.0  # a wake-up later than this is a stall, put down to whoever had the time
T = TypeVar("T")


def pct(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies: list[float], offered: int, seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "offered": offered,
        "rate": round(len(ordered) / seconds, 1),
        "p50_ms": round(pct(ordered, 0.50), 2),
        "p99_ms": round(pct(ordered, 0.99), 2),
        "max_ms": round(ordered[-1], 2) if ordered else float("nan"),
    }


def prepare(path: Path, answers: int, members: int) -> dict[str, Any]:
    asyncio.run(migrate(path))
    info = build(path, answers, members)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO member_names (guild_id, user_id, display_name, seen_at)"
        " VALUES (1, ?, ?, '2026-01-01T00:00:00+00:00')",
        [(u, f"Member {u - 1_000_000}") for u in range(1_000_001, 1_000_001 + members)],
    )
    conn.execute(
        "INSERT INTO web_boards (guild_id, enabled, secret, guild_name, updated_by, updated_at)"
        " VALUES (1, 1, ?, 'Benchmark guild', 1, '2026-01-01T00:00:00+00:00')",
        ("ab" * 32,),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return info


def prepared(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``prepare`` into ``path``, or a copy of the database ``--keep`` holds from an earlier
    run of the same size (built there first if missing)."""
    if args.keep is None:
        return prepare(path, args.answers, args.members)
    kept = args.keep / f"web-{args.answers}-{args.members}.sqlite3"
    about = kept.with_suffix(".json")
    if not about.exists():
        args.keep.mkdir(parents=True, exist_ok=True)
        kept.unlink(missing_ok=True)
        about.write_text(json.dumps(prepare(kept, args.answers, args.members)))
    shutil.copyfile(kept, path)
    return dict(json.loads(about.read_text()))


# -- the client (a child process) ------------------------------------------------------------
async def aiohttp_client(urls: list[str], rate: float, seconds: float) -> list[Record]:
    """The earlier client: aiohttp, one task per request (kept to compare with the lean one)."""
    import aiohttp

    records: list[Record] = []

    async def one(url: str, due: float, http: aiohttp.ClientSession) -> None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        sent = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
            start, _, end = response.headers.get("X-Timing", "0 0").partition(" ")
            records.append(
                (due, sent, float(start), float(end), time.perf_counter(), response.status)
            )

    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as http:
        for url in urls[:5]:  # warm the connections and the server's caches
            async with http.get(url) as response:
                await response.read()
        start = time.perf_counter() + 0.2
        count = int(rate * seconds)
        await asyncio.gather(
            *(one(urls[i % len(urls)], start + i / rate, http) for i in range(count))
        )
    return records


def client_main(spec: str) -> None:
    urls, rate, seconds, kind, cpu = json.loads(spec)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    gc.freeze()
    run = httpload.run if kind == "lean" else aiohttp_client
    records = asyncio.run(run(urls, rate, seconds))
    bad = sum(1 for r in records if r[5] != 200)
    if bad:
        raise SystemExit(f"{bad} request(s) did not answer 200")
    print(json.dumps(records))


async def load(
    urls: list[str], rate: float, seconds: float, args: argparse.Namespace
) -> list[Record]:
    spec = json.dumps([urls, rate, seconds, args.client, args.cpus[1] if args.cpus else None])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", spec, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit("the load client failed")
    return [cast(Record, tuple(r)) for r in json.loads(out)]


def split(records: list[Record], offered: int, seconds: float) -> dict[str, Any]:
    """The client's latencies (from each request's scheduled start), and where they went."""
    total = [(r[4] - r[0]) * 1000 for r in records]
    out: dict[str, Any] = summary(total, offered, seconds)
    timed = [r for r in records if r[2] > 0]
    parts = {
        "client_late": [(r[1] - r[0]) * 1000 for r in records],
        "way_in": [(r[2] - r[1]) * 1000 for r in timed],
        "handler": [(r[3] - r[2]) * 1000 for r in timed],
        "way_back": [(r[4] - r[3]) * 1000 for r in timed],
    }
    for name, values in parts.items():
        ordered = sorted(values)
        out[f"{name}_p50_ms"] = round(pct(ordered, 0.50), 2)
        out[f"{name}_p99_ms"] = round(pct(ordered, 0.99), 2)
    # The server's own view of a request: from its handler's start back to the client's send
    # is the kernel plus the loop's queue; handler start to end is the bot's work.
    server = sorted((r[3] - r[1]) * 1000 for r in timed)
    out["server_p99_ms"] = round(pct(server, 0.99), 2)
    return out


class TimedServer(WebServer):
    """The bot's web server with one middleware more: each answer carries ``X-Timing: <handler
    start> <handler end>`` (time.perf_counter, CLOCK_MONOTONIC: the client's clock too)."""

    def app(self) -> web.Application:
        app = super().app()

        @web.middleware
        async def timing(request: web.Request, handler: Any) -> web.StreamResponse:
            start = time.perf_counter()
            response: web.StreamResponse = await handler(request)
            response.headers["X-Timing"] = f"{start!r} {time.perf_counter()!r}"
            return response

        app.middlewares.append(timing)
        return app


def stalled_us() -> int | None:
    """Microseconds, since boot, in which some runnable task waited for a CPU (Linux's pressure
    stall information), or None where the kernel does not keep it."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(first.rsplit("total=", 1)[1])


class Pauses:
    """Between ``take`` calls: the garbage collector's pauses (gc.callbacks) per generation,
    and the share of the time some task on the machine waited for a CPU (any process's: the
    neighbours' load as much as ours)."""

    def __init__(self) -> None:
        self.started = 0.0
        self.seen: list[tuple[int, float]] = []
        self.since = (time.perf_counter(), stalled_us())
        gc.callbacks.append(self.callback)

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.seen.append((info["generation"], (time.perf_counter() - self.started) * 1000))

    def take(self) -> dict[str, Any]:
        seen, self.seen = self.seen, []
        gen2 = [ms for gen, ms in seen if gen == 2]
        (then, stalled), now = self.since, (time.perf_counter(), stalled_us())
        self.since = now
        waited = None
        if stalled is not None and now[1] is not None:
            waited = round((now[1] - stalled) / 1e6 / (now[0] - then) * 100, 1)
        return {
            "cpu_wait_pct": waited,
            "gc_count": len(seen),
            "gc_max_ms": round(max((ms for _, ms in seen), default=0.0), 2),
            "gc2_count": len(gen2),
            "gc2_max_ms": round(max(gen2, default=0.0), 2),
        }

    def close(self) -> None:
        gc.callbacks.remove(self.callback)


async def lag(work: Awaitable[T]) -> tuple[T, list[float], dict[str, int]]:
    """``work``'s result, how late (ms) a task sleeping ``LAG_EVERY`` s woke meanwhile (the
    event loop's own stalls, or the machine's, when the process waited for a CPU), and each
    wake later than ``STALL_MS`` put down to who had the time: the loop's own thread running
    (``loop``), another thread of the bot's (``threads``: the GIL), or nobody in the process
    (``off_cpu``: the machine did not run it)."""
    late: list[float] = []
    stalls = {"loop": 0, "threads": 0, "off_cpu": 0}
    done = False

    async def probe() -> None:
        while not done:
            started, ran, used = time.perf_counter(), time.thread_time(), time.process_time()
            await asyncio.sleep(LAG_EVERY)
            wall = time.perf_counter() - started
            ms = max(0.0, (wall - LAG_EVERY) * 1000)
            late.append(ms)
            if ms > STALL_MS:
                loop = time.thread_time() - ran
                others = time.process_time() - used - loop
                who = "loop" if loop > wall / 2 else "threads" if others > wall / 2 else "off_cpu"
                stalls[who] += 1

    task = asyncio.create_task(probe())
    try:
        result = await work
    finally:
        done = True
        await task
    return result, late, stalls


def stalled(stalls: dict[str, int]) -> dict[str, int]:
    return {f"stalls_{who}": n for who, n in stalls.items()}


# -- the bot's side ---------------------------------------------------------------------------
async def ingest(app: Any, post_id: int, rate: float, seconds: float, first_id: int) -> list[float]:
    """Offer ``rate`` answers a second to the AnswerWriter, in 10 ms ticks; add -> COMMIT."""
    latencies: list[float] = []
    # Tasks under way only, as the gateway's dispatch keeps them: holding all 40,000 done tasks
    # to the end made every full collection walk them (100-140 ms pauses on the loop, counted
    # as the bot's latency though no bot keeps them).
    pending: set[asyncio.Task[None]] = set()
    now = app.clock.now()

    async def one(n: int) -> None:
        answer = NewAnswer(post_id, GUILD, 1_000_001 + n % 40_000, first_id + n, 77,
                           "Canary, then promote on the gate's metrics.", now)  # fmt: skip
        started = time.perf_counter()
        await app.writer.add(answer)
        latencies.append((time.perf_counter() - started) * 1000)

    per_tick = max(1, round(rate / 100))
    start = time.perf_counter()
    for tick in range(int(seconds * 100)):
        await asyncio.sleep(max(0.0, start + tick / 100 - time.perf_counter()))
        for k in range(per_tick):
            task = asyncio.create_task(one(tick * per_tick + k))
            pending.add(task)
            task.add_done_callback(pending.discard)
    while pending:
        await asyncio.gather(*pending)
    return latencies


async def measure(path: Path, info: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    last = date.fromisoformat(info["last_date"])
    clock = FakeClock(
        datetime.combine(last, datetime.min.time(), tzinfo=UTC) + timedelta(days=1, hours=9)
    )
    store = await open_store(path)
    app = await build_app(Settings(db_path=path), clock, bank=load_bank([default_content_dir()]),
                          store=store)  # fmt: skip
    server = TimedServer(app.web, "127.0.0.1", 0)
    app.writer.start()
    await server.start()
    # As DrillBot.setup_hook does once everything is loaded: the bank and the modules live for
    # the whole run, so full collections need not walk them (they paused the loop for 100s of ms).
    gc.freeze()
    pauses = Pauses()
    try:
        assert server.bound is not None
        app.web.base_url = f"http://127.0.0.1:{server.bound[1]}"
        link = (await app.web.link(GUILD, info["median_member"], False, "")).url
        urls = [f"{link}?period={p}" for p in ("week", "month", "season", "all")]
        urls.append(f"{link}?period=all&topic={info['topic']}")
        made, _ = await store.daily.claim(
            guild_id=GUILD, local_date=(last + timedelta(days=1)).isoformat(),
            question_id="cicd-001", topic="cicd", channel_id=5, nonce="bench", now=clock.now(),
            scheduled_for=clock.now(), reveal_at=clock.now() + timedelta(hours=12),
        )  # fmt: skip
        await store.daily.mark_posted(made.id, 77, 77, clock.now())
        s = args.seconds
        out: dict[str, Any] = {}
        pauses.take()
        # The floor: how late an idle loop wakes on this machine (other processes, the OS).
        _, floor, stalls = await lag(asyncio.sleep(s))
        out["idle loop (floor)"] = summary(floor, len(floor), s) | pauses.take() | stalled(stalls)
        cpu = time.process_time()
        answers, late, stalls = await lag(ingest(app, made.id, args.ingest, s, 10**15))
        out["answers alone"] = summary(answers, int(args.ingest * s), s)
        out["answers alone"]["cpu_ms_each"] = round(
            (time.process_time() - cpu) * 1000 / len(answers), 3
        )
        out["answers alone"]["loop_lag_p99_ms"] = round(pct(sorted(late), 0.99), 2)
        out["answers alone"] |= pauses.take() | stalled(stalls)
        cpu = time.process_time()
        pages, late, stalls = await lag(load(urls, args.rate, s, args))
        out["pages alone"] = split(pages, int(args.rate * s), s)
        # The bot process's CPU per page (server side only; the client is another process).
        out["pages alone"]["cpu_ms_each"] = round(
            (time.process_time() - cpu) * 1000 / len(pages), 3
        )
        out["pages alone"]["loop_lag_p99_ms"] = round(pct(sorted(late), 0.99), 2)
        out["pages alone"] |= pauses.take() | stalled(stalls)
        (pages, answers), late, stalls = await lag(
            asyncio.gather(
                load(urls, args.rate, s, args),
                ingest(app, made.id, args.ingest, s, 2 * 10**15),
            )
        )
        out["pages while ingesting"] = split(pages, int(args.rate * s), s)
        out["answers under page load"] = summary(answers, int(args.ingest * s), s)
        gcs = pauses.take() | stalled(stalls)
        for name in ("pages while ingesting", "answers under page load"):
            out[name]["loop_lag_p99_ms"] = round(pct(sorted(late), 0.99), 2)
            out[name] |= gcs
        return out
    finally:
        pauses.close()
        await server.close()
        await app.close()
        await store.close()


def table(result: dict[str, Any]) -> str:
    head = (
        f"{'phase':<26}{'offered':>8}{'done/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'cpu ms':>8}{'lag p99':>8}{'gc2 n':>6}{'gc max':>7}{'cpu wait':>9}{'stalls l/t/o':>13}"
    )
    lines = [head, "-" * len(head)]
    for name, r in result.items():
        lines.append(
            f"{name:<26}{r['offered']:>8}{r['rate']:>8}{r['p50_ms']:>8}{r['p99_ms']:>8}"
            f"{r['max_ms']:>8}{r.get('cpu_ms_each', ''):>8}{r.get('loop_lag_p99_ms', ''):>8}"
            f"{r.get('gc2_count', ''):>6}{r.get('gc_max_ms', ''):>7}"
            f"{str(r.get('cpu_wait_pct', '')) + '%':>9}"
            f"{'/'.join(str(r.get(f'stalls_{w}', '')) for w in ('loop', 'threads', 'off_cpu')):>13}"
        )
    parts = ("client_late", "way_in", "handler", "way_back")
    head = f"{'where a page went, p50 / p99 ms':<34}" + "".join(f"{p:>15}" for p in parts)
    lines += ["", head, "-" * len(head)]
    for name in ("pages alone", "pages while ingesting"):
        r = result[name]
        cells = "".join(
            f"{str(r[f'{p}_p50_ms']) + ' / ' + str(r[f'{p}_p99_ms']):>15}" for p in parts
        )
        lines.append(f"{name:<34}{cells}")
    lines.append(
        "client_late: the client's lateness in sending; way_in: send to the handler's start (the"
        " kernel, the bot's loop queue); handler: the bot's work; way_back: the handler's end to"
        " the whole answer read by the client."
    )
    return "\n".join(lines)


def _load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--client":
        client_main(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=200.0, help="board pages per second")
    parser.add_argument("--ingest", type=float, default=2000.0, help="answers per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument(
        "--keep", type=Path, default=None,
        help="a folder to keep the built database in and reuse (each run measures a copy)",
    )  # fmt: skip
    parser.add_argument(
        "--client", choices=("lean", "aiohttp"), default="lean",
        help="the load client: raw sockets (benchmarks/httpload.py) or aiohttp's",
    )  # fmt: skip
    parser.add_argument(
        "--pin", action="store_true",
        help="the bot process on one core, the load client on another",
    )  # fmt: skip
    args = parser.parse_args()
    args.cpus = None
    if args.pin:
        allowed = sorted(os.sched_getaffinity(0))
        if len(allowed) < 2:
            raise SystemExit("--pin needs two cores")
        args.cpus = allowed[:2]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "web.sqlite3"
        started = time.perf_counter()
        info = prepared(path, args)
        built = time.perf_counter() - started
        load_before = os.getloadavg()
        if args.cpus:  # before the loop and its threads start: they inherit it
            os.sched_setaffinity(0, {args.cpus[0]})
        result = asyncio.run(measure(path, info, args))
        load_after = os.getloadavg()
    pinned = f"bot on cpu {args.cpus[0]}, client on cpu {args.cpus[1]}" if args.cpus else "no"
    print(
        f"{info['answers']:,} answers, {info['members']:,} members with points; built (or"
        f" copied) in {built:.0f} s. Open-loop {args.client} client in a child process;"
        f" pinned: {pinned};"
        f" {args.seconds:.0f} s a phase;"
        f" load average (1, 5, 15 min) before measuring: {_load(load_before)}, after:"
        f" {_load(load_after)}, on {os.cpu_count()} cores.\n"
        "cpu ms: the bot process's CPU per answer or per page. lag p99: how late a task waking"
        f" every {LAG_EVERY * 1000:.0f} ms on the bot's loop woke (the idle loop's row: the"
        " machine's own floor). gc2 n / gc max: full collections, and the longest pause of any"
        " generation (ms). cpu wait: the share of the phase in which some task on the machine"
        " waited for a CPU (/proc/pressure/cpu: the neighbours' load shows here). stalls l/t/o:"
        f" the loop's wake-ups later than {STALL_MS:.0f} ms, by who had the time meanwhile: the"
        " loop's own thread, the bot's other threads, or nobody in the bot (off CPU: the"
        " machine).\n"
    )
    print(table(result))
    page_p99 = result["pages while ingesting"]["p99_ms"]
    verdict = "meets" if page_p99 < TARGET_P99_MS else "misses"
    print(
        f"\nboard page p99 under ingest: {page_p99} ms"
        f" ({verdict} the {TARGET_P99_MS:.0f} ms target)"
    )
    print(json.dumps({
        "answers": info["answers"], "members": info["members"], "client": args.client,
        "pinned": bool(args.cpus),
        "load_before": load_before, "load_after": load_after, **result,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
