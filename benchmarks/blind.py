"""Blind-answer benchmark: a group answers through the button at once, then the reveal posts
every answer into the thread under Discord's per-channel limit (5 messages per 5 s).

The real DrillBot runs against the emulator with rate limits on. Printed:

* submits: how long members wait for the bot's reply to their modal submit (p50, p99), all
  members submitting at the same moment (the reply is sent after the answer is committed);
* the reveal: messages posted (answers, their parts, the notes), the wall time from the reveal
  time to the notes, and the floor the channel's limit sets for that many messages;
* exactly once: every planned message posted once.

    .venv/bin/python benchmarks/blind.py [--members 40] [--long 10]

``--long``: how many of the members write a 4,000-character answer (split into three
messages). The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_app
from bot.bank import default_content_dir, load_bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.ratelimit import ROUTE_LIMITS
from bot.storage import Store

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 Berlin
LIMIT, WINDOW = ROUTE_LIMITS[("POST", "/channels/{channel_id}/messages")]
SHORT = "Shadow traffic first, then a canary with an automatic rollback on the error budget. "
LONG = ("Why this order matters, step by step, with the trade-offs spelled out. " * 14 + "\n\n") * 4


async def submit(member: Any, channel_id: int, message_id: int, post_id: int, text: str) -> float:
    opened = await member.click(channel_id, message_id, f"drill:blind:answer:{post_id}")
    await opened.wait_response(30)
    started = time.perf_counter()
    done = await member.submit_modal(opened, {"answer": text[:4000]})
    await done.wait_response(30)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def run(members: int, long: int) -> dict[str, Any]:
    clock = FakeClock(NINE - timedelta(minutes=5))
    bank = load_bank([default_content_dir()])
    with tempfile.TemporaryDirectory(prefix="drillbot-bench-blind-") as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3")
        try:
            async with Emulator(now=clock.now) as emu:
                guild = emu.create_guild("bench")
                channel = guild.create_text_channel("daily-question")
                owner = guild.add_member("olga", permissions=["MANAGE_GUILD"])
                people = [guild.add_member(f"m{i}") for i in range(members)]
                await store.guilds.update(
                    guild.id,
                    owner.id,
                    clock.now(),
                    channel_id=channel.id,
                    post_time="09:00",
                    timezone="Europe/Berlin",
                    answer_mode="blind",
                )
                settings = Settings(
                    token=Secret(emu.token),
                    db_path=store.db.path,
                    api_base=emu.api_base,
                    gateway_url=emu.gateway_url,
                )
                app = await build_app(settings, clock, bank=bank, store=store)
                bot = DrillBot(app=app, guild_ready_timeout=0.05)
                emu.rate_limits(True)
                async with bot.running(emu.token, timeout=30):
                    return await day(bot, emu, clock, store, guild.id, channel.id, people, long)
        finally:
            await store.close()


async def day(
    bot: DrillBot,
    emu: Emulator,
    clock: FakeClock,
    store: Store,
    guild_id: int,
    channel_id: int,
    people: list[Any],
    long: int,
) -> dict[str, Any]:
    clock.set(NINE)
    await bot.jobs.idle()
    post = await store.daily.get(guild_id, "2026-03-02")
    assert post is not None and post.message_id is not None
    texts = [LONG if i < long else SHORT for i in range(len(people))]
    waits = await asyncio.gather(
        *(
            submit(m, channel_id, post.message_id, post.id, t)
            for m, t in zip(people, texts, strict=True)
        )
    )
    await asyncio.sleep(0)
    reveal_at = post.reveal_at or NINE + timedelta(hours=23)
    started = time.perf_counter()
    clock.set(reveal_at)
    await bot.jobs.idle()
    done = await store.daily.by_id(post.id)
    wall = time.perf_counter() - started
    assert done is not None and done.state == "revealed" and done.thread_id is not None
    plan = await store.blind.plan(post.id)
    sent = [m for m in emu.messages(done.thread_id) if m.author.id == emu.bot_user_id]
    messages = len(sent)
    floor = max(0, math.ceil(messages / LIMIT) - 1) * WINDOW
    return {
        "members": len(people),
        "long_answers": long,
        "submit_p50_ms": round(percentile(list(waits), 0.5) * 1000, 1),
        "submit_p99_ms": round(percentile(list(waits), 0.99) * 1000, 1),
        "reveal_messages": messages,
        "reveal_s": round(wall, 1),
        "reveal_floor_s": floor,
        "planned": len(plan),
        "posted_once": len({m.content for m in sent}) == messages and len(plan) + 1 == messages,
    }


def table(r: dict[str, Any]) -> str:
    lines = [
        f"{'figure':<34}{'value':>12}",
        f"{'members answering at once':<34}{r['members']:>12}",
        f"{'of them 4,000-character answers':<34}{r['long_answers']:>12}",
        f"{'submit reply p50 (ms)':<34}{r['submit_p50_ms']:>12}",
        f"{'submit reply p99 (ms)':<34}{r['submit_p99_ms']:>12}",
        f"{'messages posted at the reveal':<34}{r['reveal_messages']:>12}",
        f"{'reveal wall time (s)':<34}{r['reveal_s']:>12}",
        f"{'floor at 5 messages / 5 s (s)':<34}{r['reveal_floor_s']:>12}",
        f"{'every message posted once':<34}{r['posted_once']!s:>12}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--long", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    result = asyncio.run(run(args.members, min(args.long, args.members)))
    print(table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
