"""Gap report benchmark: /drill gaps and focus:auto's weakness on a busy server's year.

One guild posts daily for a year; --members members each answer 40% of the posts and grade
themselves on most of them; --other-sessions practice sessions belong to other guilds (the
report must not pay for the whole quiz_sessions table). Timed, median of --runs:

* ``report``: GapService.report for 4 and 52 weeks (the queries and the arithmetic);
* ``weakness``: what focus:auto adds to choosing a daily question;
* ``render``: the heatmap PNG (done in a worker thread by the cog).

    .venv/bin/python benchmarks/gaps.py [--members 300] [--other-sessions 200000] [--runs 5]

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bank import default_content_dir, load_bank
from bot.bank.catalog import Catalog
from bot.clock import FakeClock
from bot.gaps.chart import render_gaps
from bot.gaps.service import GapService, topic_weakness
from bot.storage import Store
from bot.storage.database import iso
from tests.support.sql import sql, sql_many

GUILD = 1
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def fill(store: Store, members: int, other_sessions: int) -> int:
    bank = load_bank([default_content_dir()])
    questions = sorted(bank.questions.values(), key=lambda q: q.id)
    rng = random.Random(7)
    posts, answers, sessions = [], [], []
    for n in range(365):
        day = NOW - timedelta(days=365 - n)
        q = questions[n % len(questions)]
        posts.append(
            (n + 1, GUILD, day.date().isoformat(), q.id, q.topic, 10, f"n{n}", "revealed",
             n + 1, iso(day), iso(day))
        )  # fmt: skip
        for user in range(members):
            if rng.random() < 0.4:
                answers.append((GUILD, n + 1, 1000 + user, "an answer", iso(day)))
                if rng.random() < 0.8:
                    sessions.append(
                        (GUILD, 1000 + user, q.id, "1", "daily", "graded", iso(day), iso(day),
                         rng.randint(1, 4), n + 1)
                    )  # fmt: skip
    for k in range(other_sessions):
        day = NOW - timedelta(minutes=k)
        sessions.append(
            (2 + k % 50, 5000 + k % 997, questions[k % len(questions)].id, "1", "quiz",
             "graded", iso(day), iso(day), rng.randint(1, 4), None)
        )  # fmt: skip
    await store.db.execute(
        *sql_many(
            "INSERT INTO daily_posts (id, guild_id, local_date, question_id, topic, channel_id,"
            " nonce, state, message_id, scheduled_for, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            posts,
        ),
    )
    await store.db.execute(
        *sql_many(
            "INSERT INTO answers (guild_id, daily_post_id, user_id, content, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            answers,
        ),
    )
    await store.db.execute(
        *sql_many(
            "INSERT INTO quiz_sessions (guild_id, user_id, question_id, question_version, mode,"
            " state, shown_at, graded_at, grade, daily_post_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sessions,
        ),
    )
    await store.db.execute(*sql("ANALYZE"))
    return len(answers)


async def median_ms(runs: int, make: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await make()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def main(members: int, other_sessions: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "gaps.sqlite3")
        try:
            answers = await fill(store, members, other_sessions)
            bank = load_bank([default_content_dir()])
            service = GapService(store, Catalog(bank, store), FakeClock(NOW))
            report4 = await service.report(GUILD, 4)
            figures = {
                "members": members,
                "answers": answers,
                "other_sessions": other_sessions,
                "report_4w_ms": await median_ms(runs, lambda: service.report(GUILD, 4)),
                "report_52w_ms": await median_ms(runs, lambda: service.report(GUILD, 52)),
                "weakness_ms": await median_ms(
                    runs, lambda: topic_weakness(store, bank, GUILD, date(2026, 3, 2))
                ),
                "render_ms": await median_ms(runs, lambda: asyncio.to_thread(render_gaps, report4)),
                "png_bytes": len(render_gaps(report4)),
            }
        finally:
            await store.close()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--other-sessions", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(main(args.members, args.other_sessions, args.runs))
    width = max(len(k) for k in result)
    for key, value in result.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"{key.ljust(width)}  {shown:>12}")
    print(json.dumps(result))
