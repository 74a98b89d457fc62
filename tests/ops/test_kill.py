"""The kill test: `drillbot run` as a process, 1,000 answers in a daily thread, killed at a
random point (SIGKILL) or stopped (SIGTERM), restarted: every answer stored exactly once,
points awarded once, exactly one post and one reveal. On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import logging
import random
import re
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.boards.scoring import ANSWER_POINTS, FIRST_BONUS
from bot.sandbox.emulator import Emulator
from bot.storage import backend_of, open_store
from tests.ops.bot_process import BotProcess, DbReader, due_now_settings, make_reveal_due

log = logging.getLogger(__name__)
ANSWERS = 1000
MEMBERS = 50
TITLE = "Question of the day"
CHUNK, BURST = 100, 40

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


async def configured_guild(emu: Emulator, db: str) -> tuple[Any, Any, list[Any]]:
    guild = emu.create_guild("Kill test")
    channel = guild.create_text_channel("daily-question")
    owner = guild.add_member("olga", permissions=["MANAGE_GUILD"])
    members = [guild.add_member(f"m{i:02d}") for i in range(MEMBERS)]
    when = due_now_settings(datetime.now(UTC))
    store = await open_store(db)
    try:
        await store.guilds.update(
            guild.id, owner.id, datetime.now(UTC), channel_id=channel.id,
            post_time=when["post_time"], timezone=when["timezone"],
        )  # fmt: skip
    finally:
        await store.close()
    return guild, channel, members


def question_posts(emu: Emulator, channel_id: int) -> list[Any]:
    return [
        m
        for m in emu.messages(channel_id)
        if m.author.id == emu.bot_user_id and f"## {TITLE}\n" in m.text
    ]


def stored_answers(db: DbReader) -> list[int]:
    return [r[0] for r in db.rows("SELECT message_id FROM answers")]


async def answer(emu: Emulator, members: list[Any], thread_id: int, start: int, stop: int) -> None:
    for i in range(start, stop):
        await members[i % MEMBERS].send(thread_id, f"answer {i}: canary, then roll back on drift")


async def interrupted_day(emu: Emulator, url: str, sig: signal.Signals) -> dict[str, Any]:
    _, channel, members = await configured_guild(emu, url)
    db = DbReader(backend_of(url)[1])
    try:
        return await _interrupted(emu, db, channel, members, sig)
    finally:
        db.close()


async def _interrupted(
    emu: Emulator, db: DbReader, channel: Any, members: list[Any], sig: signal.Signals
) -> dict[str, Any]:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    cut = rng.randrange(BURST + 10, ANSWERS - 50)
    bot = BotProcess(emu, db.db)
    figures: dict[str, Any] = {"signal": sig.name, "seed": seed, "cut_after": cut}
    try:
        await bot.start()
        await bot.until(lambda: question_posts(emu, channel.id), "no post")
        post = question_posts(emu, channel.id)[0]
        await bot.until(lambda: emu.channel(post.id) is not None, "no thread")  # id = message's
        thread_id = post.id
        # Paced in chunks the bot keeps up with, then a burst it is still writing when the
        # signal lands: the cut falls in the middle of ingestion, not before it.
        for start in range(0, cut - BURST, CHUNK):
            await answer(emu, members, thread_id, start, min(start + CHUNK, cut - BURST))
            done = min(start + CHUNK, cut - BURST)
            await bot.until(lambda n=done: len(stored_answers(db)) >= n, "ingest stalled", 30)
        await answer(emu, members, thread_id, cut - BURST, cut)
        figures["stored_at_signal"] = len(stored_answers(db))
        stopped = time.monotonic()
        bot.send(sig)
        code = await bot.wait(timeout=10)
        figures["exit_code"], figures["stop_seconds"] = code, round(time.monotonic() - stopped, 2)
        figures["stored_after_stop"] = len(stored_answers(db))
        await answer(emu, members, thread_id, cut, ANSWERS)  # members go on while it is down
        restarted = time.monotonic()
        await bot.start()
        await bot.until(lambda: len(stored_answers(db)) == ANSWERS, "answers not all stored", 60)
        figures["recovery_seconds"] = round(time.monotonic() - restarted, 2)
        bot.send(signal.SIGTERM)
        assert await bot.wait(timeout=10) == 0
        make_reveal_due(db)
        await bot.start()  # the reveal, once; then a SIGKILL and a start must not award again
        await bot.until(lambda: db.rows("SELECT 1 FROM daily_posts WHERE state='revealed'"),
                        "never revealed", 60)  # fmt: skip
        await bot.until(lambda: ": revealed " in bot.output(), "no reveal logged", 10)
        bot.send(signal.SIGKILL)
        await bot.wait(timeout=10)
        await bot.start()
        bot.send(signal.SIGTERM)
        assert await bot.wait(timeout=10) == 0
    finally:
        figures["output"] = await bot.close()
    figures["posts"] = question_posts(emu, channel.id)
    figures["sent"] = [m.id for m in emu.messages(thread_id) if m.author.id != emu.bot_user_id]
    figures["stored"] = stored_answers(db)
    figures["reveals"] = [m for m in emu.messages(thread_id) if "What they're testing" in m.text]
    figures["points"] = tuple(db.rows("SELECT SUM(points), COUNT(*) FROM member_stats")[0])
    return figures


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
async def test_interrupted_during_1000_answers_loses_and_doubles_nothing(
    emu: Emulator, store_url: str, sig: signal.Signals
) -> None:
    got = await interrupted_day(emu, store_url, sig)
    log.warning(
        "kill test %s: seed %s, cut after %s answers, %s stored at the signal, %s after the "
        "stop (exit %s in %ss), all %s stored %ss after the restart",
        got["signal"], got["seed"], got["cut_after"], got["stored_at_signal"],
        got["stored_after_stop"], got["exit_code"], got["stop_seconds"], ANSWERS,
        got["recovery_seconds"],
    )  # fmt: skip
    assert len(got["sent"]) == ANSWERS
    assert sorted(got["stored"]) == sorted(got["sent"])  # every answer, each exactly once
    assert len(got["posts"]) == 1
    assert len(got["reveals"]) == 1
    assert got["points"] == (MEMBERS * ANSWER_POINTS + FIRST_BONUS, MEMBERS)  # not doubled
    if sig == signal.SIGTERM:
        assert got["exit_code"] == 0 and got["stop_seconds"] < 10
        # A clean stop commits every answer that reached the bot before it closed.
        assert got["stored_after_stop"] >= got["stored_at_signal"]
        assert "stopped cleanly" in got["output"]
    else:
        assert got["exit_code"] == -signal.SIGKILL
    assert "Traceback" not in got["output"]
    # The operator's log: each post and reveal with guild, date and question; never the token.
    day = r"guild \d+: {} [\w-]+ for \d{{4}}-\d{{2}}-\d{{2}}"
    assert len(re.findall(day.format("posted"), got["output"])) == 1
    assert len(re.findall(day.format("revealed"), got["output"])) == 1
    assert emu.token not in got["output"]
