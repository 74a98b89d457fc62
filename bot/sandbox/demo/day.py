"""`drillbot demo`: one whole day offline, the real bot against the built-in emulator.

A throwaway database, a guild with five members, the scheduled post at 09:00 Berlin time,
members answering in the thread (one edits, one deletes), the reveal 23 hours later and the
points, printed as a transcript. The clock is a FakeClock, so the day takes a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from bot import schedule
from bot.bank import Bank, default_content_dir, load_bank
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.demo.answers import Answered, Level, clause, question_in, sample
from bot.sandbox.demo.blind import blind_day
from bot.sandbox.demo.gaps import gap_report
from bot.sandbox.demo.layout import lines
from bot.sandbox.demo.mock import mock_round
from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator import layouts as v2
from bot.storage import Database, Store

TZ = schedule.zone("Europe/Berlin")
START = datetime(2026, 3, 2, 8, 55, tzinfo=TZ)  # a Monday, five minutes before the post
NAMES = ("ana", "ben", "cy", "dee", "eve")
# Who writes what on the first day: answers built from the day's own key points
# (bot/sandbox/demo/answers.py); cy only agrees, which is not an answer.
DAY_ONE: dict[str, tuple[Level, int, int]] = {
    "ana": ("strong", 0, 4),
    "ben": ("partial", 1, 2),
    "dee": ("strong", 1, 3),
    "eve": ("weak", 0, 1),
}
AGREE = "+1"


def humanise(text: str, names: dict[int, str] | None = None, now: datetime | None = None) -> str:
    """Discord's markup as a member sees it: mentions as @names and #channels, timestamps as
    the client renders them (Berlin time; relative ones against ``now``), no ** or *."""
    names = names or {}

    def stamp(match: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), TZ)
        style = match.group(2) or "f"
        if style == "R" and now is not None:
            return relative(when - now)
        formats = {"t": "%H:%M", "T": "%H:%M:%S", "d": "%d/%m/%Y", "D": "%-d %B %Y"}
        default = "%A, %-d %B %Y %H:%M" if style == "F" else "%-d %B %Y %H:%M"
        return when.strftime(formats.get(style, default))

    text = re.sub(r"<t:(\d+)(?::(\w))?>", stamp, text)
    text = re.sub(r"<@!?(\d+)>", lambda m: f"@{names.get(int(m.group(1)), 'someone')}", text)
    text = re.sub(r"<@&\d+>", "@role", text)
    text = re.sub(r"<#\d+>", "#daily-question", text)
    return re.sub(r"\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", _plain, text)


def _plain(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2) or ""


def relative(delta: timedelta) -> str:
    """As Discord's <t:…:R>: "in 5 minutes", "23 hours ago"."""
    seconds = int(delta.total_seconds())
    size = abs(seconds)
    unit, count = "second", size
    for name, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            unit, count = name, round(size / length)
            break
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"


class Transcript:
    def __init__(
        self, clock: FakeClock, out: Any, bank: Bank, answered: Answered | None = None
    ) -> None:
        self.clock = clock
        self.out = out
        self.names: dict[int, str] = {}  # user id -> name, for mentions
        self.bank = bank  # the questions the sample answers are written from
        self.answered = answered if answered is not None else Answered()

    def human(self, text: str) -> str:
        return humanise(text, self.names, self.clock.now())

    def line(self, who: str, text: str) -> None:
        stamp = self.clock.now().astimezone(TZ).strftime("%a %H:%M")
        first, *rest = self.human(text).splitlines() or [""]
        print(f"[{stamp}] {who:<10} {first}", file=self.out)
        for more in rest:
            print(f"{'':<19}{more}", file=self.out)

    def embed(self, embed: dict[str, Any]) -> None:
        if embed.get("title"):
            print(f"{'':<19}┃ {self.human(embed['title'])}", file=self.out)
        for text in self.human(embed.get("description") or "").splitlines():
            print(f"{'':<19}┃ {text}", file=self.out)
        for field in embed.get("fields", []):
            print(f"{'':<19}┃ {self.human(field['name'])}:", file=self.out)
            for text in self.human(str(field["value"])).splitlines():
                print(f"{'':<19}┃   {text}", file=self.out)
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            print(f"{'':<19}┃ ({footer})", file=self.out)

    def layout(self, message: Any) -> None:
        """A message laid out with components (Components V2), as Discord draws it."""
        for text in lines(message.to_dict()["components"], self.human):
            print(text, file=self.out)


def run_demo(members: int = 5, out: Any = None) -> int:
    import sys

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    return asyncio.run(_demo(max(1, min(members, len(NAMES))), out or sys.stdout))


async def _demo(members: int, out: Any, answered: Answered | None = None) -> int:
    """The whole demo; ``answered`` collects every sample answer sent (for the tests)."""
    from bot.app import build_app
    from bot.client import DrillBot  # the one module that imports discord.py

    clock = FakeClock(START)
    bank = load_bank([default_content_dir()])
    say = Transcript(clock, out, bank, answered)
    with tempfile.TemporaryDirectory(prefix="drillbot-demo-") as tmp:
        store = await Store.open(Path(tmp) / "demo.sqlite3")
        try:
            async with Emulator(now=clock.now) as emu:
                guild = emu.create_guild("MLOps study group")
                channel = guild.create_text_channel("daily-question")
                organiser = guild.add_member("olga", permissions=["MANAGE_GUILD"])
                people = {n: guild.add_member(n) for n in NAMES[:members]}
                say.names = {h.id: n for n, h in people.items()} | {organiser.id: "olga"}
                say.names[emu.bot_user_id] = "drillbot"
                settings = Settings(
                    token=Secret(emu.token),
                    db_path=cast(Database, store.db).path,
                    api_base=emu.api_base,
                    gateway_url=emu.gateway_url,
                )
                app = await build_app(settings, clock, bank=bank, store=store)
                bot = DrillBot(app=app, guild_ready_timeout=0.05)
                async with bot.running(emu.token):
                    synced = ", ".join(f"/{c['name']}" for c in emu.commands.get(None, []))
                    say.line("drillbot", f"online as {bot.user}; commands synced: {synced}")
                    await _setup(emu, say, organiser, channel.id)
                    await _day(bot, emu, clock, say, channel.id, people, store, guild.id)
                    await blind_day(
                        bot, emu, clock, say, channel.id, people, organiser, store, guild.id, TZ
                    )
                    await _practice(emu, say, people, channel.id)
                    await _boards(emu, say, people, channel.id)
                    await gap_report(emu, say, organiser, channel.id)
                    await mock_round(emu, clock, say, people, channel.id)
        finally:
            await store.close()
    return 0


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
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=TZ).astimezone(UTC))
    await bot.jobs.idle()
    posts = await emu.wait_until(lambda: emu.messages(channel_id), timeout=5)
    post = posts[0]
    say.line("drillbot", f"posts in #daily-question{' ' + post.content if post.content else ''}")
    say.layout(post)
    thread = await emu.wait_until(lambda: emu.channel(post.id), timeout=5)
    say.line("drillbot", f"opens thread «{thread.name}»")
    question = question_in(v2.texts(post.components)[-1], say.bank)
    written: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for minutes, (name, member) in enumerate(people.items(), start=1):
        clock.advance(timedelta(minutes=7 * minutes))
        if name in DAY_ONE:
            level, start, count = DAY_ONE[name]
            texts[name] = sample(question, level, name, start, count)
        else:
            texts[name] = AGREE
        written[name] = await member.send(thread.id, texts[name])
        say.line(name, texts[name])
    if "ben" in written:
        clock.advance(minutes=3)
        more = f" Plus, {clause(question.key_points[-1])}."
        await people["ben"].edit(thread.id, written["ben"].id, texts["ben"] + more)
        texts["ben"] += more
        say.line("ben", f"(edits, adding) …{more.strip()}")
    for name, (level, _, _) in DAY_ONE.items():
        if name in texts:
            say.answered.note(question, level, texts[name])
    daily = await store.daily.get(guild_id, "2026-03-02")
    assert daily is not None
    await _settle(store, daily.id, len(written), edits=1 if "ben" in written else 0)
    stored = await store.answers.for_post(daily.id)
    say.line(
        "drillbot",
        f"stored {len(stored)} answers ({sum(a.edit_count for a in stored)} edit) — all committed",
    )
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=TZ).astimezone(UTC))
    await bot.jobs.idle()
    reveal = await emu.wait_until(
        lambda: [m for m in emu.messages(thread.id) if "What they're testing" in m.text], 5
    )
    say.line("drillbot", "reveals in the thread:")
    for part in reveal:
        say.layout(part)
    closed = await emu.wait_until(lambda: getattr(emu.channel(thread.id), "locked", False), 5)
    archived = getattr(emu.channel(thread.id), "archived", None)
    say.line("drillbot", f"closes the thread (locked={bool(closed)}, archived={archived})")
    names = {m.id: n for n, m in people.items()}
    say.line("drillbot", "leaderboard (all time):")
    for rank, standing in enumerate(await store.scores.top(guild_id), start=1):
        say.line(
            "",
            f"{rank}. {names.get(standing.user_id, standing.user_id):<5} "
            f"{standing.points:>3} pts  streak {standing.streak}",
        )
    scored = {s.user_id for s in await store.scores.top(guild_id)}
    unscored = [n for n, m in people.items() if m.id not in scored]
    if unscored:
        say.line(
            "",
            f"({', '.join(unscored)} replied but scored nothing: a reply under 20 characters, "
            "like '+1', is agreement, not an answer)",
        )


def _reply_text(message: Any) -> str:
    parts = [message.content] if message.content else []
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(p for p in parts if p)


async def _setup(emu: Emulator, say: Transcript, olga: Any, channel_id: int) -> None:
    options = {"channel": channel_id, "time": "09:00", "timezone": "Europe/Berlin", "reveal": "23h"}
    say.line(
        "olga", "/drill setup channel:#daily-question time:09:00 timezone:Europe/Berlin reveal:23h"
    )
    inter = await olga.slash("drill setup", options, channel_id=channel_id)
    await inter.wait_response()
    message = await emu.wait_until(lambda: inter.message, timeout=5)
    say.line("drillbot", "(only olga sees this) " + _reply_text(message))


async def _practice(
    emu: Emulator, say: Transcript, people: dict[str, Any], channel_id: int
) -> None:
    """Between daily questions: one member practises with /quiz."""
    name = "ben" if "ben" in people else next(iter(people))
    member = people[name]
    say.line(name, "/quiz topic:cicd")
    inter = await member.slash("quiz", {"topic": "cicd"}, channel_id=channel_id)
    card = await inter.wait_followup()
    say.line("drillbot", f"(only {name} sees this)")
    say.layout(card)
    pressable = v2.buttons(card.components)
    say.line("", "buttons: " + " · ".join(b["label"] for b in pressable))
    opened = await member.click(channel_id, card.id, pressable[0]["custom_id"])
    await opened.wait_response()
    question = question_in(v2.texts(card.components)[-1], say.bank)
    answer = say.answered.note(question, "strong", sample(question, "strong", name, 0, 3))
    reveal = await member.submit_modal(opened, {"answer": answer})
    await reveal.wait_response()
    say.line(name, f"(answers in the modal) {answer}")
    shown = await emu.wait_until(lambda: reveal.message or card, timeout=5)
    notes = next(t for t in v2.texts(shown.components) if t.startswith("## What they're testing"))
    say.line("drillbot", "What they're testing: " + notes.split("\n", 2)[1])
    grade = next(b["custom_id"] for b in v2.buttons(shown.components) if b.get("label") == "Good")
    graded = await member.click(channel_id, shown.id, grade)
    await graded.wait_response()
    after = await emu.wait_until(lambda: graded.message, timeout=5)
    say.line(name, "grades it Good")
    say.line("drillbot", next(t for t in v2.texts(after.components) if t.startswith("Graded")))


async def _boards(emu: Emulator, say: Transcript, people: dict[str, Any], channel_id: int) -> None:
    """The board a member sees, and their /stats chart written to a file the demo names."""
    name, member = next(iter(people.items()))
    say.line(name, "/leaderboard period:all")
    asked = await member.slash("leaderboard", {"period": "all"}, channel_id=channel_id)
    board = await asked.wait_followup()
    for embed in board.embeds:
        say.embed(embed)
    # The member who practised: their chart has both panels.
    name = "ben" if "ben" in people else name
    say.line(name, "/stats")
    card = await (await people[name].slash("stats", channel_id=channel_id)).wait_followup()
    say.line("drillbot", f"(only {name} sees this)")
    say.layout(card)
    _, png, _ = emu.world.blobs[int(card.attachments[0]["id"])]
    path = Path(tempfile.gettempdir()) / "drillbot-demo-stats.png"
    path.write_bytes(png)
    say.line("", f"chart written to {path} ({len(png):,} bytes PNG)")


async def _settle(store: Store, post_id: int, expected: int, edits: int) -> None:
    """Wait (bounded) until the bot has handled the gateway events the members caused."""
    async with asyncio.timeout(5):
        while True:
            stored = await store.answers.for_post(post_id)
            if len(stored) >= expected and sum(a.edit_count for a in stored) >= edits:
                return
            await asyncio.sleep(0.01)
