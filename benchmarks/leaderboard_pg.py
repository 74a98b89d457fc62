"""Leaderboard benchmark on PostgreSQL beside SQLite: the same guild, the same queries, one machine.

Builds the guild of benchmarks/leaderboard.py (``--answers`` daily answers by ``--members``
members, ledger, ``member_stats`` and the totals tables) in SQLite in bulk, checks two members'
totals against the bot's scope rule, then moves every row into PostgreSQL with ``drillbot db
copy``'s code (COPY, one transaction; timed). Before that, on a small guild, it checks that
the bulk builder writes exactly what the bot's own write path does: the same ledger replayed
post by post through ``ScoreRepo.award_daily`` into PostgreSQL must give the same
``score_totals``, ``score_levels`` and ``member_stats``.

After ``ANALYZE`` on both (on PostgreSQL ``VACUUM (FREEZE, ANALYZE)``, what autovacuum does
to an insert-only table after a bulk load), it times the medians of every board (all, week,
month, season, topic, page 5), a rank and a member's stats:

* ``sql``: the statements the bot runs (bot/storage/boards.py): sqlite3 / one asyncpg
  connection (prepared, as the pool's statement cache makes them);
* ``repo``: the same calls through the bot's repositories (aiosqlite / the asyncpg pool);
* ``ledger``: the scan of the ledger the totals replaced.

PostgreSQL is a throwaway cluster (tests/support/postgres.py, durable=True: WAL flushed as
SQLite's WAL with synchronous=NORMAL), or ``--pg URL`` of an empty database.

    .venv/bin/python benchmarks/leaderboard_pg.py [--answers 1000000] [--members 50000]

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import leaderboard  # noqa: E402  (the generator, the query list and the SQLite timings)
from sqlalchemy import text  # noqa: E402

from bot.boards import scoring  # noqa: E402
from bot.storage import Award, Database, PgDatabase, Store  # noqa: E402
from bot.storage.board_queries import MEMBER_SCOPES, RANK, TOP  # noqa: E402
from bot.storage.copy import copy_sqlite_to_postgres  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.sql import sql as sql_text  # noqa: E402

TARGET_MS = leaderboard.TARGET_MS
SAMPLE = (8_000, 300)  # answers, members: 160 posts, across the season's start
_OWN_ROW = "SELECT points FROM score_totals WHERE guild_id = 1 AND scope = 'all' AND user_id = $1"
_COMPARED = {
    "score_totals": "SELECT guild_id, scope, user_id, points, answers FROM score_totals",
    "score_levels": "SELECT guild_id, scope, points, members FROM score_levels WHERE members > 0",
    "member_stats": (
        "SELECT guild_id, user_id, points, answered, streak, best_streak, last_answer_date"
        " FROM member_stats"
    ),
    "points": (
        "SELECT guild_id, user_id, points, reason, topic, daily_post_id, local_date, season"
        " FROM points"
    ),
}


def to_dollar(sql: str) -> str:
    """``?`` placeholders (the ledger scans have no ``?`` inside quotes) as ``$1``, ``$2``..."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


def board_sql(db: PgDatabase) -> dict[str, str]:
    """The boards' statements (bot/storage/board_queries.py) as PgDatabase.fetchall_inline
    runs them on the driver: PostgreSQL's dialect numbers the parameters in the order of the
    tuples of ``leaderboard.sql_queries``."""
    out = {}
    for name, stmt, names in (
        ("top", TOP, ("g", "s", "n", "o")), ("rank", RANK, ("g", "s", "p", "u")),
        ("member", MEMBER_SCOPES, ("g", "u")),
    ):  # fmt: skip
        sql, order = db._compile(stmt, ())
        assert order == names, (name, order)
        out[name] = sql
    return out


def pg_scan(sql: str) -> str:
    """A ledger scan of benchmarks/leaderboard.py in PostgreSQL's dialect."""
    sql = sql.replace("SUM(reason = 'answer')", "SUM((reason = 'answer')::int)")
    return to_dollar(sql.replace("user_id = ?))", "user_id = ?)) AS above"))


async def amedian(fn: Callable[[], Any], runs: int) -> float:
    return await leaderboard.amedian(fn, runs)


# -- the write path check ---------------------------------------------------------------------
async def replay(path: Path, url: str) -> None:
    """The bulk-built ledger of ``path``, post by post, through the bot's award_daily."""
    lite = sqlite3.connect(path)
    db = await PgDatabase.open(url)
    store = Store(db)
    try:
        posts = lite.execute("SELECT * FROM daily_posts ORDER BY id").fetchall()
        columns = [d[0] for d in lite.execute("SELECT * FROM daily_posts LIMIT 0").description]
        async with db.raw() as raw:
            await raw.copy_records_to_table("daily_posts", records=posts, columns=columns)
        (season,) = lite.execute(
            "SELECT guild_id, number, name, started_at, started_by FROM seasons"
        ).fetchall()
        started = False
        prev_date: str | None = None
        for (post_id,) in lite.execute("SELECT id FROM daily_posts ORDER BY local_date"):
            post = await store.daily.by_id(post_id)
            assert post is not None
            if not started and post.local_date >= season[3][:10]:
                # The season starts, as /season start would: later points count on it.
                await db.execute(*sql_text("INSERT INTO seasons VALUES (?, ?, ?, ?, ?)", season))
                started = True
            awards = [
                Award(*row)
                for row in lite.execute(
                    "SELECT user_id, points, reason FROM points WHERE daily_post_id = ?"
                    " ORDER BY id",
                    (post_id,),
                )
            ]
            at = datetime.fromisoformat(f"{post.local_date}T08:00:00+00:00")
            before = prev_date
            await store.scores.award_daily(
                post, awards, lambda stats, _d, b=before: scoring.next_streak(stats, b), at
            )
            prev_date = post.local_date
    finally:
        lite.close()
        await db.close()


async def compare(bulk_url: str, real_url: str) -> dict[str, int]:
    """Rows per compared table; raises SystemExit on the first difference."""
    out = {}
    for table, sql in _COMPARED.items():
        got = []
        for url in (bulk_url, real_url):
            db = await PgDatabase.open(url, migrate=False)
            try:
                got.append(sorted(tuple(r) for r in await db.fetchall(text(sql))))
            finally:
                await db.close()
        if got[0] != got[1]:
            raise SystemExit(f"{table}: the bulk build differs from the bot's write path")
        out[table] = len(got[0])
    return out


async def copy_into(path: Path, url: str) -> tuple[int, float]:
    """``drillbot db copy`` of the SQLite file into the empty, migrated database ``url``
    (timed), then VACUUM."""
    lite = await Database.open(path, checkpoint_every=None)
    pg = await PgDatabase.open(url)
    try:
        start = time.perf_counter()
        counts = await copy_sqlite_to_postgres(lite, pg)
        seconds = time.perf_counter() - start
        async with pg.raw() as raw:
            # Where autovacuum will have been by the time a guild has this many answers: the
            # insert-only tables frozen and their visibility map set, so the boards' index-only
            # scans skip the heap. Here the first VACUUM after the copy left the map empty (a
            # rank at 200,000 answers then fetched 1,600 heap rows); a second one sets it.
            for _ in range(2):
                await raw.execute("VACUUM (FREEZE, ANALYZE)")
            visible = await raw.fetchval(
                "SELECT relallvisible FROM pg_class WHERE relname = 'score_totals'"
            )
            if not visible:
                raise SystemExit("VACUUM left score_totals without all-visible pages")
        return sum(c.target for c in counts), seconds
    finally:
        await lite.close()
        await pg.close()


def check_write_path(new_url: Callable[[], str]) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.sqlite3"
        asyncio.run(leaderboard.migrate(path))
        leaderboard.build(path, *SAMPLE)
        bulk, real = new_url(), new_url()
        asyncio.run(copy_into(path, bulk))
        asyncio.run(replay(path, real))
        return asyncio.run(compare(bulk, real))


# -- timings ------------------------------------------------------------------------------------
async def time_pg(url: str, info: dict[str, Any], runs: int, scan_runs: int) -> dict[str, Any]:
    db = await PgDatabase.open(url, migrate=False)
    store = Store(db)
    out: dict[str, dict[str, float]] = {}
    try:
        board = board_sql(db)
        async with db.raw() as conn:
            for name, (sql, params, scan, scan_params) in leaderboard.sql_queries(
                info, board
            ).items():
                if name.startswith("rank"):
                    member = params[3]

                    async def rank(member: int = member) -> Any:
                        mine = await conn.fetchval(_OWN_ROW, member)
                        return await conn.fetchrow(board["rank"], 1, "all", mine, member)

                    query: Callable[[], Any] = rank
                else:
                    query = lambda s=sql, p=params: conn.fetch(s, *p)  # noqa: E731
                scan_sql = pg_scan(scan)
                out[name] = {
                    "sql_ms": await amedian(query, runs),
                    "ledger_ms": await amedian(
                        lambda s=scan_sql, p=scan_params: conn.fetch(s, *p), scan_runs
                    ),
                }
        for name, call in repo_calls(store, info).items():
            out[name]["repo_ms"] = await amedian(call, runs)
    finally:
        await db.close()
    return out


def repo_calls(store: Store, info: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """name -> the repository call the bot makes for it (the same scopes as the SQL)."""
    calls: dict[str, Callable[[], Any]] = {}
    any_sql = {"top": "", "rank": "", "member": ""}  # only the parameters are read here
    for name, (_sql, params, _scan, _p) in leaderboard.sql_queries(info, any_sql).items():
        if name.startswith("rank"):
            calls[name] = lambda m=params[3]: store.boards.rank(1, "all", m)
        elif name == "member stats":
            calls[name] = lambda m=params[1]: store.boards.member_scopes(1, m)
        else:
            calls[name] = lambda s=params[1], o=params[3]: store.boards.top(
                1, s, limit=11, offset=o
            )
    return calls


async def time_sqlite_repo(path: Path, info: dict[str, Any], runs: int) -> dict[str, float]:
    db = await Database.open(path, checkpoint_every=None)
    try:
        calls = repo_calls(Store(db), info)
        return {name: await amedian(call, runs) for name, call in calls.items()}
    finally:
        await db.close()


def time_sqlite(path: Path, info: dict[str, Any], runs: int, scan_runs: int) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    conn.execute("ANALYZE")
    conn.close()
    raw = leaderboard.time_sql(path, info, runs, scan_runs)
    repo = asyncio.run(time_sqlite_repo(path, info, runs))
    return {
        name: {"sql_ms": v["totals_ms"], "ledger_ms": v["ledger_ms"], "repo_ms": repo[name]}
        for name, v in raw.items()
    }


def table(lite: dict[str, Any], pg: dict[str, Any]) -> str:
    head = (
        f"{'query (median ms)':<22}{'SQLite sql':>11}{'repo':>8}{'ledger':>9}"
        f"{'PG sql':>9}{'repo':>8}{'ledger':>9}"
    )
    lines = [head, "-" * len(head)]
    for name, a in lite.items():
        b = pg[name]
        lines.append(
            f"{name:<22}{a['sql_ms']:>11.3f}{a['repo_ms']:>8.3f}{a['ledger_ms']:>9.1f}"
            f"{b['sql_ms']:>9.3f}{b['repo_ms']:>8.3f}{b['ledger_ms']:>9.1f}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, new_url: Callable[[], str]) -> dict[str, Any]:
    start = time.perf_counter()
    sample = check_write_path(new_url)
    sample_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        asyncio.run(leaderboard.migrate(path))
        start = time.perf_counter()
        info = leaderboard.build(path, args.answers, args.members)
        built_s = time.perf_counter() - start
        leaderboard.check(path, info["median_member"])
        leaderboard.check(path, info["busiest"])
        url = new_url()
        rows, copy_s = asyncio.run(copy_into(path, url))
        lite = time_sqlite(path, info, args.runs, args.scan_runs)
    pg = asyncio.run(time_pg(url, info, args.runs, args.scan_runs))
    return {
        "info": info,
        "sample": sample,
        "sample_s": sample_s,
        "built_s": built_s,
        "copy_s": copy_s,
        "rows": rows,
        "sqlite": lite,
        "postgresql": pg,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=300, help="timed runs per board query")
    parser.add_argument("--scan-runs", type=int, default=3, help="timed runs per ledger scan")
    parser.add_argument("--pg", help="a PostgreSQL server's URL (databases are created in it)")
    args = parser.parse_args()
    if args.pg:
        figures = run(args, lambda: new_database(args.pg))
    else:
        reason = postgres.missing()
        if reason:
            raise SystemExit(f"cannot start PostgreSQL: {reason}")
        with postgres.cluster(durable=True) as running:
            figures = run(args, lambda: postgres.create_database(running, migrated=False))
    report(figures)


def new_database(server: str) -> str:
    """A new empty database on the server of ``server`` (a postgresql:// URL)."""
    import asyncpg

    name = f"bench_{time.time_ns()}"

    async def create() -> None:
        conn = await asyncpg.connect(server)
        try:
            await conn.execute(*sql_text(f'CREATE DATABASE "{name}"'))
        finally:
            await conn.close()

    asyncio.run(create())
    return server.rsplit("/", 1)[0] + f"/{name}"


def report(figures: dict[str, Any]) -> None:
    info, sample = figures["info"], figures["sample"]
    print(
        f"write path check: {sample['points']:,} ledger rows replayed through award_daily;"
        f" score_totals ({sample['score_totals']:,}), score_levels ({sample['score_levels']:,})"
        f" and member_stats ({sample['member_stats']:,}) equal the bulk build"
        f" ({figures['sample_s']:.1f} s)."
    )
    print(
        f"{info['answers']:,} answers, {info['members']:,} members with points,"
        f" {info['posts']} posts; SQLite built in {figures['built_s']:.1f} s, copied"
        f" ({figures['rows']:,} rows) to PostgreSQL in {figures['copy_s']:.1f} s; both ANALYZEd"
        " (PostgreSQL: VACUUM (FREEZE, ANALYZE), as autovacuum after a bulk load).\n"
    )
    print(table(figures["sqlite"], figures["postgresql"]))
    worst = {
        name: max(v["sql_ms"] for v in figures[name].values()) for name in ("sqlite", "postgresql")
    }
    worst_repo = {
        name: max(v["repo_ms"] for v in figures[name].values()) for name in ("sqlite", "postgresql")
    }
    print(
        f"slowest board/rank/stats statement: SQLite {worst['sqlite']:.3f} ms, PostgreSQL"
        f" {worst['postgresql']:.3f} ms (target < {TARGET_MS} ms); through the repositories"
        f" {worst_repo['sqlite']:.3f} / {worst_repo['postgresql']:.3f} ms"
    )
    summary = {
        "answers": info["answers"],
        "members": info["members"],
        "built_s": round(figures["built_s"], 1),
        "copy_s": round(figures["copy_s"], 1),
        "rows": figures["rows"],
        "write_path_rows_checked": sample,
        **{
            f"{backend}_{kind}": {k: round(v[kind], 4) for k, v in figures[backend].items()}
            for backend in ("sqlite", "postgresql")
            for kind in ("sql_ms", "repo_ms", "ledger_ms")
        },
        "worst_sql_ms": {k: round(v, 4) for k, v in worst.items()},
        "worst_repo_ms": {k: round(v, 4) for k, v in worst_repo.items()},
        "target_met": worst["postgresql"] < TARGET_MS,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
