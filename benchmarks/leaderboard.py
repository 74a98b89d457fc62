"""Leaderboard benchmark: every board, a rank and a member's stats at 1M answers / 50k members.

Builds a database in a temporary directory with the project's own migrations, fills one guild
with ``--answers`` daily answers by ``--members`` members (one ledger row per answer plus first
and streak bonuses, over ~400 daily posts and two seasons) with executemany in big transactions,
then builds ``score_totals`` from the ledger in SQL. It checks that one member's totals equal the
bot's own recompute rule, then times each query's median:

* ``totals``: the statements the bot runs (bot/storage/boards.py), through sqlite3 directly;
* ``repo``: the same through the bot's aiosqlite repositories (one round trip is ~0.1 ms);
* ``ledger``: the plain scan of the ledger the boards replaced;

first as built, then after ``ANALYZE``. Chart rendering (bot/boards/charts.py) is timed on the
busiest member's real /stats report.

    .venv/bin/python benchmarks/leaderboard.py [--answers 1000000] [--members 50000]

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bank import default_content_dir, load_bank
from bot.bank.catalog import Catalog
from bot.boards.charts import render_stats
from bot.boards.stats import StatsService
from bot.clock import FakeClock
from bot.storage import Database, Store
from bot.storage.board_queries import MEMBER_SCOPES, RANK, TOP
from bot.storage.scores import scopes

GUILD = 1
FIRST_DAY = date(2025, 1, 6)  # a Monday
TARGET_MS = 1.0
_WEEK = (
    "date(local_date, '-' || ((CAST(strftime('%w', local_date) AS INTEGER) + 13) % 7) || ' days')"
)
_OWN_ROW = "SELECT points FROM score_totals WHERE guild_id = 1 AND scope = 'all' AND user_id = ?"
_SCOPE_SQL = {
    "all": "'all'",
    "week": f"'w:' || {_WEEK}",
    "month": "'m:' || substr(local_date, 1, 7)",
    "season": "'s:' || season",
}


def build(path: Path, answers: int, members: int, seed: int = 7) -> dict[str, Any]:
    """Fill the ledger, answers and member_stats, then the totals; returns what it made."""
    rng = random.Random(seed)
    topics = [t.slug for t in load_bank([default_content_dir()]).topics.values()]
    posts = max(1, min(400, answers // 50))
    per_post = answers // posts
    # Activity follows a long tail: a few members answer nearly every day, most now and then
    # (every member answers at least once in expectation ~10 times at the defaults).
    member_ids = list(range(1_000_001, 1_000_001 + members))
    cum = list(itertools.accumulate(1.0 / (k + 10) ** 0.5 for k in range(members)))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=WAL")
    # Bulk load without the secondary indexes, then create them with the migrations' own SQL:
    # sorted index builds instead of random B-tree inserts (minutes -> seconds).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('answers', 'points', 'score_totals', 'score_levels')"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO seasons (guild_id, number, name, started_at, started_by)"
        " VALUES (1, 1, 'Spring', '2025-06-01T00:00:00+00:00', 1)"
    )
    last: dict[int, tuple[str, int, int]] = {}  # member -> (date, streak, best)
    points_total: dict[int, list[int]] = {}
    message = 10**12
    previous = None
    for n in range(posts):
        local = (FIRST_DAY + timedelta(days=n)).isoformat()
        topic = topics[n % len(topics)]
        season = 1 if local >= "2025-06-01" else 0
        at = f"{local}T08:00:00.000000+00:00"
        conn.execute(
            "INSERT INTO daily_posts (id, guild_id, local_date, question_id, topic, channel_id,"
            " nonce, state, scheduled_for, created_at) VALUES (?, 1, ?, ?, ?, 5, ?, 'revealed',"
            " ?, ?)",
            (n + 1, local, f"{topic}-{n:03d}", topic, f"n{n}", at, at),
        )
        chosen: dict[int, None] = {}
        while len(chosen) < min(per_post, members):
            chosen.update(dict.fromkeys(rng.choices(member_ids, cum_weights=cum, k=per_post)))
        answering = list(chosen)[:per_post]
        rows, ledger = [], []
        for k, user in enumerate(answering):
            message += 1
            rows.append(
                (
                    1,
                    n + 1,
                    user,
                    message,
                    5,
                    "An answer of about sixty characters, give or take.",
                    at,
                )
            )
            ledger.append((1, user, 10, "answer", topic, n + 1, local, at, season))
            if k == 0:
                ledger.append((1, user, 3, "first", topic, n + 1, local, at, season))
            prev = last.get(user)
            run = prev[1] + 1 if prev and prev[0] == previous else 1
            best = max(run, prev[2] if prev else 0)
            last[user] = (local, run, best)
            if run > 1:
                ledger.append((1, user, min(5, run - 1), "streak", topic, n + 1, local, at, season))
        conn.executemany(
            "INSERT INTO answers (guild_id, daily_post_id, user_id, message_id, channel_id,"
            " content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO points (guild_id, user_id, points, reason, topic, daily_post_id,"
            " local_date, awarded_at, season) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger,
        )
        for row in ledger:
            tally = points_total.setdefault(row[1], [0, 0])
            tally[0] += row[2]
            tally[1] += row[3] == "answer"
        previous = local
        if n % 50 == 49:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO member_stats (guild_id, user_id, points, answered, streak, best_streak,"
        " last_answer_date) VALUES (1, ?, ?, ?, ?, ?, ?)",
        [(u, p, a, last[u][1], last[u][2], last[u][0]) for u, (p, a) in points_total.items()],
    )
    for scope_sql in _SCOPE_SQL.values():
        for topic_sql in ("", "'t:' || topic || '|' || "):
            conn.execute(
                "INSERT INTO score_totals (guild_id, scope, user_id, points, answers)"
                f" SELECT guild_id, {topic_sql}{scope_sql}, user_id, SUM(points),"
                " SUM(reason = 'answer') FROM points WHERE guild_id = 1"
                f" GROUP BY {topic_sql}{scope_sql}, user_id"
            )
    conn.execute(
        "INSERT INTO score_levels (guild_id, scope, points, members)"
        " SELECT guild_id, scope, points, COUNT(*) FROM score_totals"
        " GROUP BY guild_id, scope, points"
    )
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    answered = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    busiest = max(points_total, key=lambda u: points_total[u][0])
    conn.close()
    return {
        "posts": posts,
        "answers": answered,
        "members": len(points_total),
        "last_date": previous,
        "busiest": busiest,
        "median_member": sorted(points_total, key=lambda u: points_total[u][0])[
            len(points_total) // 2
        ],
        "topic": topics[0],
    }


def check(path: Path, user: int) -> None:
    """One member's totals, built in SQL above, must equal the bot's scope rule on the ledger."""
    conn = sqlite3.connect(path)
    want: dict[str, list[int]] = {}
    for points, reason, topic, local_date, season in conn.execute(
        "SELECT points, reason, topic, local_date, season FROM points WHERE user_id = ?", (user,)
    ):
        for scope in scopes(local_date, topic, season, 0):
            row = want.setdefault(scope, [0, 0])
            row[0] += points
            row[1] += reason == "answer"
    got = {
        s: [p, a]
        for s, p, a in conn.execute(
            "SELECT scope, points, answers FROM score_totals WHERE user_id = ?", (user,)
        )
    }
    conn.close()
    if got != want:
        raise SystemExit(f"totals differ from the ledger for member {user}")


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def board_sql(path: Path) -> dict[str, str]:
    """The boards' statements (bot/storage/board_queries.py) as the bot's SQLite backend
    compiles them (Database._compile), their parameters numbered for the tuples below: TOP
    (guild, scope, limit, offset), RANK (guild, scope, points, member), MEMBER_SCOPES (guild,
    member)."""
    db = await Database.open(path, migrate=False, checkpoint_every=None)
    try:
        out = {}
        for name, stmt, names in (
            ("top", TOP, "gsno"), ("rank", RANK, "gspu"), ("member", MEMBER_SCOPES, "gu"),
        ):  # fmt: skip
            compiled = db._compile(stmt, ())
            assert compiled is not None  # module constants: no expanding parameters
            sql, order = compiled.text, compiled.order
            numbers = iter(f"?{names.index(n) + 1}" for n in order)
            out[name] = "".join(p + next(numbers) for p in sql.split("?")[:-1]) + sql.split("?")[-1]
        return out
    finally:
        await db.close()


def sql_queries(
    info: dict[str, Any], board: dict[str, str]
) -> dict[str, tuple[str, tuple[Any, ...], str, tuple[Any, ...]]]:
    """name -> (totals SQL, params, ledger-scan SQL, params)."""
    _TOP_SQL, _RANK_SQL = board["top"], board["rank"]
    last = date.fromisoformat(info["last_date"])
    week = (last - timedelta(days=last.weekday())).isoformat()
    month = info["last_date"][:7]
    topic, member = info["topic"], info["median_member"]
    scan = (
        "SELECT user_id, SUM(points), SUM(reason = 'answer') FROM points WHERE guild_id = 1 {}"
        " GROUP BY user_id ORDER BY SUM(points) DESC, user_id LIMIT 10"
    )
    return {
        "board all": (_TOP_SQL, (1, "all", 11, 0), scan.format(""), ()),
        "board week": (
            _TOP_SQL,
            (1, f"w:{week}", 11, 0),
            scan.format("AND local_date >= ?"),
            (week,),
        ),
        "board month": (
            _TOP_SQL,
            (1, f"m:{month}", 11, 0),
            scan.format("AND local_date >= ?"),
            (month + "-01",),
        ),
        "board season": (_TOP_SQL, (1, "s:1", 11, 0), scan.format("AND season = ?"), (1,)),
        "board topic": (
            _TOP_SQL,
            (1, f"t:{topic}|all", 11, 0),
            scan.format("AND topic = ?"),
            (topic,),
        ),
        "board page 5": (_TOP_SQL, (1, "all", 11, 40), scan.format("") + " OFFSET 40", ()),
        "rank (median member)": (
            _RANK_SQL,
            (1, "all", None, member),
            "SELECT COUNT(*) + 1 FROM (SELECT user_id FROM points WHERE guild_id = 1"
            " GROUP BY user_id HAVING SUM(points) > (SELECT SUM(points) FROM points"
            " WHERE guild_id = 1 AND user_id = ?))",
            (member,),
        ),
        "member stats": (
            board["member"],
            (1, member),
            "SELECT topic, local_date, SUM(points), SUM(reason = 'answer') FROM points"
            " WHERE guild_id = 1 AND user_id = ? GROUP BY topic, local_date",
            (member,),
        ),
    }


def time_sql(
    path: Path, info: dict[str, Any], runs: int, scan_runs: int
) -> dict[str, dict[str, float]]:
    board = asyncio.run(board_sql(path))
    conn = sqlite3.connect(path)
    out = {}
    for name, (sql, params, scan_sql, scan_params) in sql_queries(info, board).items():
        if name.startswith("rank"):
            # As BoardRepo.rank: the member's own row, then the levels above it.
            def rank(sql: str = sql, member: int = params[3]) -> Any:
                mine = conn.execute(_OWN_ROW, (member,)).fetchone()[0]
                return conn.execute(sql, (1, "all", mine, member)).fetchone()

            out[name] = {
                "totals_ms": median_ms(rank, runs),
                "ledger_ms": median_ms(
                    lambda s=scan_sql, p=scan_params: conn.execute(s, p).fetchall(), scan_runs
                ),
            }
            continue
        out[name] = {
            "totals_ms": median_ms(lambda s=sql, p=params: conn.execute(s, p).fetchall(), runs),
            "ledger_ms": median_ms(
                lambda s=scan_sql, p=scan_params: conn.execute(s, p).fetchall(), scan_runs
            ),
        }
    conn.close()
    return out


async def time_repo(
    path: Path, info: dict[str, Any], runs: int
) -> tuple[dict[str, float], float, int]:
    """The bot's own repository calls (aiosqlite) and the chart of the busiest member."""
    db = await Database.open(path, checkpoint_every=None)
    store = Store(db)
    out: dict[str, float] = {}
    try:
        member = info["median_member"]
        last = date.fromisoformat(info["last_date"])
        week = (last - timedelta(days=last.weekday())).isoformat()
        for name, scope in (
            ("board all", "all"),
            ("board week", f"w:{week}"),
            ("board topic", f"t:{info['topic']}|all"),
        ):
            out[name] = await amedian(
                lambda s=scope: store.boards.top(1, s, limit=11, offset=0), runs
            )
        out["rank (median member)"] = await amedian(
            lambda: store.boards.rank(1, "all", member), runs
        )
        out["member stats"] = await amedian(lambda: store.boards.member_scopes(1, member), runs)
        bank = load_bank([default_content_dir()])
        clock = FakeClock(
            datetime.combine(last, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        )
        report = await StatsService(store, Catalog(bank, store), clock).report(1, info["busiest"])
        render_stats(report, "warm-up")
        times, cpu = [], []
        for _ in range(10):
            start, start_cpu = time.perf_counter(), time.thread_time()
            png = render_stats(report, "busiest member")
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        out["chart cpu"] = statistics.median(cpu)
        return out, statistics.median(times), len(png)
    finally:
        await db.close()


async def amedian(fn: Callable[[], Any], runs: int) -> float:
    await fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def migrate(path: Path) -> None:
    db = await Database.open(path, checkpoint_every=None)
    await db.close()


def table(sql: dict[str, dict[str, dict[str, float]]], repo: dict[str, float]) -> str:
    head = (
        f"{'query':<22}{'totals ms':>11}{'+ANALYZE':>10}{'repo ms':>9}"
        f"{'ledger ms':>11}{'+ANALYZE':>10}"
    )
    lines = [head, "-" * len(head)]
    for name, plain in sql["plain"].items():
        analysed = sql["analyze"][name]
        lines.append(
            f"{name:<22}{plain['totals_ms']:>11.3f}{analysed['totals_ms']:>10.3f}"
            f"{repo.get(name, float('nan')):>9.3f}"
            f"{plain['ledger_ms']:>11.1f}{analysed['ledger_ms']:>10.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=300, help="timed runs per totals query")
    parser.add_argument("--scan-runs", type=int, default=3, help="timed runs per ledger scan")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        asyncio.run(migrate(path))
        start = time.perf_counter()
        info = build(path, args.answers, args.members)
        built_s = time.perf_counter() - start
        check(path, info["median_member"])
        check(path, info["busiest"])
        sql = {"plain": time_sql(path, info, args.runs, args.scan_runs)}
        conn = sqlite3.connect(path)
        conn.execute("ANALYZE")
        conn.close()
        sql["analyze"] = time_sql(path, info, args.runs, args.scan_runs)
        repo, chart_ms, png_bytes = asyncio.run(time_repo(path, info, args.runs))
    print(
        f"{info['answers']:,} answers, {info['members']:,} members with points, "
        f"{info['posts']} posts; built in {built_s:.1f} s. Medians in ms.\n"
    )
    print(table(sql, repo))
    chart_cpu = repo.pop("chart cpu")
    print(
        f"\nchart render (busiest member): {chart_ms:.1f} ms median wall, {chart_cpu:.1f} ms"
        f" CPU, {png_bytes:,} bytes PNG"
    )
    worst = max(max(v["totals_ms"] for v in sql[k].values()) for k in sql)
    print(f"slowest board/rank/stats query: {worst:.3f} ms (target < {TARGET_MS} ms)")
    summary = {
        "answers": info["answers"],
        "members": info["members"],
        "totals_ms": {k: round(v["totals_ms"], 4) for k, v in sql["plain"].items()},
        "totals_analyze_ms": {k: round(v["totals_ms"], 4) for k, v in sql["analyze"].items()},
        "repo_ms": {k: round(v, 4) for k, v in repo.items()},
        "ledger_ms": {k: round(v["ledger_ms"], 2) for k, v in sql["plain"].items()},
        "ledger_analyze_ms": {k: round(v["ledger_ms"], 2) for k, v in sql["analyze"].items()},
        "chart_ms": round(chart_ms, 1),
        "chart_cpu_ms": round(chart_cpu, 1),
        "worst_totals_ms": round(worst, 4),
        "target_met": worst < TARGET_MS,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
