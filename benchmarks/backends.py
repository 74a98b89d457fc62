"""SQLite and PostgreSQL side by side: the same data, the same repository calls, one machine.

Builds one guild's history in SQLite with benchmarks/leaderboard.py's generator (``--answers``
daily answers by ``--members`` members, ledger and board totals), moves it into PostgreSQL with
``drillbot db copy``'s code (timed), runs ANALYZE on both, then times through the bot's own
repositories:

* boards: ``boards.top`` (all time, week, topic), ``boards.rank`` and ``boards.member_scopes``
  (medians over ``--runs``);
* ingestion: ``answers.record`` of ``--ingest`` new answers in batches of ``--batch`` (the
  AnswerWriter's unit), one transaction each: answers/s and per-batch p50/p99.

PostgreSQL is a throwaway cluster started like the tests' (initdb in a temp dir; fsync off, as
in the tests: compare the query work, not the disks), or ``--pg URL`` of an empty database.

    .venv/bin/python benchmarks/backends.py [--answers 200000] [--members 10000]

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import leaderboard  # noqa: E402  (benchmarks/leaderboard.py: the data generator)

from bot.storage import Database, NewAnswer, PgDatabase, Store  # noqa: E402
from bot.storage.copy import copy_sqlite_to_postgres  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.sql import sql  # noqa: E402

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def amedian(fn: Callable[[], Any], runs: int) -> float:
    await fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def time_boards(store: Store, info: dict[str, Any], runs: int) -> dict[str, float]:
    member = info["median_member"]
    last = date.fromisoformat(info["last_date"])
    week = (last - timedelta(days=last.weekday())).isoformat()
    out: dict[str, float] = {}
    for name, scope in (
        ("board all", "all"),
        ("board week", f"w:{week}"),
        ("board topic", f"t:{info['topic']}|all"),
    ):
        out[name] = await amedian(lambda s=scope: store.boards.top(1, s, limit=11, offset=0), runs)
    out["rank (median member)"] = await amedian(lambda: store.boards.rank(1, "all", member), runs)
    out["member stats"] = await amedian(lambda: store.boards.member_scopes(1, member), runs)
    return out


async def time_ingest(store: Store, total: int, batch: int) -> dict[str, float]:
    post, _ = await store.daily.claim(
        guild_id=1,
        local_date="2027-01-04",
        question_id="cicd-001",
        topic="cicd",
        channel_id=5,
        nonce="bench",
        scheduled_for=T0,
        reveal_at=T0 + timedelta(hours=23),
        now=T0,
    )
    base = 9_000_000_000
    times = []
    start = time.perf_counter()
    for first in range(0, total, batch):
        rows = [
            NewAnswer(post.id, 1, 2_000_000 + n, base + n, 5, f"answer {n}", T0)
            for n in range(first, min(total, first + batch))
        ]
        began = time.perf_counter()
        stored = await store.answers.record(rows)
        times.append((time.perf_counter() - began) * 1000)
        assert stored == len(rows)
    elapsed = time.perf_counter() - start
    times.sort()
    return {
        "answers/s": total / elapsed,
        "batch p50 ms": times[len(times) // 2],
        "batch p99 ms": times[min(len(times) - 1, int(len(times) * 0.99))],
    }


async def measure(path: Path, url: str, args: argparse.Namespace) -> dict[str, Any]:
    lite = await Database.open(path, checkpoint_every=None)
    pg = await PgDatabase.open(url)
    try:
        start = time.perf_counter()
        counts = await copy_sqlite_to_postgres(lite, pg)
        copy_s = time.perf_counter() - start
        await lite.execute(*sql("ANALYZE"))
        async with pg.raw() as conn:
            await conn.execute("ANALYZE")
        info = args.info
        out: dict[str, Any] = {"copy_s": copy_s, "rows": sum(c.source for c in counts)}
        for name, store in (("sqlite", Store(lite)), ("postgresql", Store(pg))):
            out[name] = await time_boards(store, info, args.runs)
            out[name].update(await time_ingest(store, args.ingest, args.batch))
        return out
    finally:
        await lite.close()
        await pg.close()


def table(figures: dict[str, Any]) -> str:
    keys = list(figures["sqlite"])
    lines = [f"{'':<22}{'SQLite':>12}{'PostgreSQL':>12}", "-" * 46]
    for key in keys:
        a, b = figures["sqlite"][key], figures["postgresql"][key]
        fmt = "{:>12,.0f}" if key == "answers/s" else "{:>12.3f}"
        lines.append(f"{key:<22}" + fmt.format(a) + fmt.format(b))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200, help="timed runs per board query")
    parser.add_argument("--ingest", type=int, default=5_000, help="answers stored per backend")
    parser.add_argument("--batch", type=int, default=50, help="answers per transaction")
    parser.add_argument("--pg", help="an empty PostgreSQL database (default: a throwaway one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        asyncio.run(leaderboard.migrate(path))
        args.info = leaderboard.build(path, args.answers, args.members)
        if args.pg:
            figures = asyncio.run(measure(path, args.pg, args))
        else:
            reason = postgres.missing()
            if reason:
                raise SystemExit(f"cannot start PostgreSQL: {reason}")
            with postgres.cluster() as running:
                url = postgres.create_database(running, migrated=False)
                figures = asyncio.run(measure(path, url, args))
    info = args.info
    print(
        f"{info['answers']:,} answers, {info['members']:,} members, {info['posts']} posts;"
        f" copied {figures['rows']:,} rows to PostgreSQL in {figures['copy_s']:.1f} s."
        f" Board medians in ms; ingestion of {args.ingest:,} answers in batches of"
        f" {args.batch}.\n"
    )
    print(table(figures))
    summary = {
        "answers": info["answers"],
        "members": info["members"],
        "copy_s": round(figures["copy_s"], 2),
        "sqlite": {k: round(v, 4) for k, v in figures["sqlite"].items()},
        "postgresql": {k: round(v, 4) for k, v in figures["postgresql"].items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
