"""`drillbot demo`: one whole day offline, the real bot against the built-in emulator.

A throwaway database, a guild with five members, the scheduled post at 09:00 Berlin time,
members answering in the thread (one edits, one deletes), the reveal 23 hours later and the
points, printed as a transcript. The clock is a FakeClock, so the day takes a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.bank import default_content_dir, load_bank
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.emulator import Emulator
from bot.storage import Store

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 8, 55, tzinfo=TZ)  # a Monday, five minutes before the post
NAMES = ("ana", "ben", "cy", "dee", "eve")
ANSWERS = {
    "ana": "I'd start from the failure modes: what breaks if this is wrong, then pick the "
    "cheapest control that catches it before users do, and measure it.",
    "ben": "Version everything (code, data snapshot, config), gate on an offline eval, "
    "then canary with automatic rollback on the SLO.",
    "cy": "+1",
    "dee": "Trade-off is latency vs freshness; I'd batch nightly and stream only the two "
    "features that move fast, with a point-in-time join for training.",
    "eve": "Not sure yet, following along to learn from the reveal.",
}


class Transcript:
    def __init__(self, clock: FakeClock, out: Any) -> None:
        self.clock = clock
        self.out = out

    def line(self, who: str, text: str) -> None:
        stamp = self.clock.now().astimezone(TZ).strftime("%a %H:%M")
        first, *rest = text.splitlines() or [""]
        print(f"[{stamp}] {who:<10} {first}", file=self.out)
        for more in rest:
            print(f"{'':<19}{more}", file=self.out)

    def embed(self, embed: dict[str, Any]) -> None:
        if embed.get("title"):
            print(f"{'':<19}┃ **{embed['title']}**", file=self.out)
        for text in (embed.get("description") or "").splitlines():
            print(f"{'':<19}┃ {text}", file=self.out)
        for field in embed.get("fields", []):
            print(f"{'':<19}┃ {field['name']}:", file=self.out)
            for text in str(field["value"]).splitlines():
                print(f"{'':<19}┃   {text}", file=self.out)
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            print(f"{'':<19}┃ ({footer})", file=self.out)


def run_demo(members: int = 5, out: Any = None) -> int:
    import sys

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    return asyncio.run(_demo(max(1, min(members, len(NAMES))), out or sys.stdout))


async def _demo(members: int, out: Any) -> int:
    from bot.client import DrillBot  # the one module that imports discord.py

    clock = FakeClock(START)
    say = Transcript(clock, out)
    bank = load_bank([default_content_dir()])
    with tempfile.TemporaryDirectory(prefix="drillbot-demo-") as tmp:
        store = await Store.open(Path(tmp) / "demo.sqlite3")
        try:
            async with Emulator() as emu:
                guild = emu.create_guild("MLOps study group")
                channel = guild.create_text_channel("daily-question")
                organiser = guild.add_member("olga", permissions=["MANAGE_GUILD"])
                people = {n: guild.add_member(n) for n in NAMES[:members]}
                await store.guilds.update(
                    guild.id,
                    organiser.id,
                    clock.now(),
                    channel_id=channel.id,
                    post_time="09:00",
                    timezone="Europe/Berlin",
                    reveal_after_minutes=23 * 60,
                )
                say.line(
                    "olga",
                    "set up: #daily-question, 09:00 Europe/Berlin, every day, reveal after 23h",
                )
                settings = Settings(
                    token=Secret(emu.token),
                    db_path=store.db.path,
                    api_base=emu.api_base,
                    gateway_url=emu.gateway_url,
                )
                bot = DrillBot(
                    settings=settings, clock=clock, bank=bank, store=store, guild_ready_timeout=0.05
                )
                async with _running(bot, emu):
                    await _day(bot, emu, clock, say, channel.id, people, store, guild.id)
        finally:
            await store.close()
    return 0


@contextlib.asynccontextmanager
async def _running(bot: Any, emu: Emulator) -> Any:
    task = asyncio.create_task(bot.start(emu.token))
    try:
        async with asyncio.timeout(15):
            while not bot.is_ready():  # wait_until_ready() refuses to run before login
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)


async def _day(
    bot: Any,
    emu: Emulator,
    clock: FakeClock,
    say: Transcript,
    channel_id: int,
    people: dict[str, Any],
    store: Store,
    guild_id: int,
) -> None:
    say.line(
        "drillbot",
        f"online as {bot.user}; commands synced: "
        + ", ".join(f"/{c['name']}" for c in emu.commands.get(None, [])),
    )
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=TZ).astimezone(UTC))
    await bot.daily.tick()
    posts = await emu.wait_until(lambda: emu.messages(channel_id), timeout=5)
    post = posts[0]
    say.line("drillbot", f"posts in #daily-question{' ' + post.content if post.content else ''}")
    for embed in post.embeds:
        say.embed(embed)
    thread = await emu.wait_until(lambda: emu.channel(post.id), timeout=5)
    say.line("drillbot", f"opens thread «{thread.name}»")
    written: dict[str, Any] = {}
    for minutes, (name, member) in enumerate(people.items(), start=1):
        clock.advance(timedelta(minutes=7 * minutes))
        written[name] = await member.send(thread.id, ANSWERS[name])
        say.line(name, ANSWERS[name])
    if "ben" in written:
        clock.advance(minutes=3)
        edited = ANSWERS["ben"] + " Plus a shadow run first for risky changes."
        await people["ben"].edit(thread.id, written["ben"].id, edited)
        say.line("ben", "(edits) …Plus a shadow run first for risky changes.")
    daily = await store.daily.get(guild_id, "2026-03-02")
    assert daily is not None
    await _settle(store, daily.id, len(written), edits=1 if "ben" in written else 0)
    stored = await store.answers.for_post(daily.id)
    say.line(
        "drillbot",
        f"stored {len(stored)} answers ({sum(a.edit_count for a in stored)} edit) — all committed",
    )
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=TZ).astimezone(UTC))
    await bot.daily.tick()
    reveal = await emu.wait_until(
        lambda: [m for m in emu.messages(thread.id) if "What they're testing" in m.content], 5
    )
    say.line("drillbot", f"reveals in the thread: {reveal[0].content}")
    for embed in reveal[0].embeds:
        say.embed(embed)
    closed = await emu.wait_until(lambda: emu.channel(thread.id).locked, timeout=5)
    say.line(
        "drillbot",
        f"closes the thread (locked={bool(closed)}, archived={emu.channel(thread.id).archived})",
    )
    names = {m.id: n for n, m in people.items()}
    say.line("drillbot", "leaderboard (all time):")
    for rank, standing in enumerate(await store.scores.top(guild_id), start=1):
        say.line(
            "",
            f"{rank}. {names.get(standing.user_id, standing.user_id):<5} "
            f"{standing.points:>3} pts  streak {standing.streak}",
        )


async def _settle(store: Store, post_id: int, expected: int, edits: int) -> None:
    """Wait (bounded) until the bot has handled the gateway events the members caused."""
    async with asyncio.timeout(5):
        while True:
            stored = await store.answers.for_post(post_id)
            if len(stored) >= expected and sum(a.edit_count for a in stored) >= edits:
                return
            await asyncio.sleep(0.01)
