"""Thread-mode days answered with the daily post's Answer button, and what happens when Discord
refuses the privileged Message Content intent: the bot starts again without it (no exit), says
so once in the log and in /drill status, and every answer comes by button, is posted in the
thread under its author's name, and is stored and scored once (across a SIGKILL right after
Discord took the thread message, too)."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.app import build_app
from bot.bank import Bank
from bot.boards.scoring import ANSWER_POINTS, BEST_POINTS, FIRST_BONUS, STAR_POINTS
from bot.client import INTENT_OFF, INTENT_REFUSED, DrillBot, ShardedDrillBot, make_bot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.ops.shards import ShardPlan
from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.gateway import MESSAGE_CONTENT
from bot.sandbox.emulator.state import Message
from bot.storage import DailyPost, Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.blind_helpers import NINE, REVEAL, TODAY, idle, revealed, reveals
from tests.daily.helpers import configure_world, daily_posts, stored
from tests.daily.killable import Killer, bot_process
from tests.drill.conftest import run, text_of
from tests.leaderboard.test_member_flow import best_answer
from tests.quiz.helpers import button_ids, press, refusal
from tests.support.backends import db_settings, store_url
from tests.support.discord_harness import connected

ANSWERS = {
    "ana": "Gate the release on offline metrics against the current model, then canary 5%.",
    "ben": "Shadow traffic first: compare predictions without serving them, then ramp up.",
    "cy": "Version data, code and model together so a rollback restores all three at once.",
}
MARK = re.compile(
    r"\*\*Answer\*\* · <@(\d+)>\n(.*)\n-# ref (\d+) · given with the Answer button", re.S
)


def refuse_message_content(emu: Emulator) -> None:
    """The application has not enabled the Message Content intent in the developer portal."""
    emu.enabled_intents &= ~MESSAGE_CONTENT


def posted_answers(world: World, thread_id: int) -> list[Message]:
    """The answers the bot posted in the thread for their authors, in order."""
    return [
        m
        for m in world.emu.messages(thread_id)
        if m.author.id == world.emu.bot_user_id and MARK.fullmatch(m.content)
    ]


async def answer_by_button(member: Any, message: Message, post_id: int, text: str) -> str:
    opened = await press(member, message, f"drill:blind:answer:{post_id}")
    assert opened.modal is not None, await refusal(opened)
    assert opened.modal["title"] == "Your answer (posted in the thread)"
    return await refusal(await member.submit_modal(opened, {"answer": text}))


async def todays_post(bot: Any, store: Store, world: World) -> tuple[DailyPost, Message]:
    await bot.jobs.idle()
    await idle(bot)
    post = await stored(store, world.guild.id, TODAY)
    [message] = daily_posts(world.emu, world.channel.id)
    return post, message


async def points(store: Store, world: World, name: str) -> int:
    stats = await store.scores.stats(world.guild.id, world[name].id)
    return stats.points if stats else 0


async def test_a_thread_day_answered_by_button_only_with_the_intent_refused(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refuse_message_content(world.emu)
    await configure_world(store, world)
    clock.set(NINE)
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        async with start_bot() as bot:
            # Refused once (4014), then connected without the intent: no exit.
            assert len(world.emu.gateway.refused_intents) == 1
            asked = int(world.emu.gateway.identifies[-1]["intents"])
            assert not asked & MESSAGE_CONTENT
            assert not bot.app.daily.answers.reads_content
            post, message = await todays_post(bot, store, world)
            assert post.thread_id is not None
            assert button_ids(message) == [f"drill:blind:answer:{post.id}"]
            assert "Press **Answer**: your answer is posted in the thread" in text_of(message)
            for minute, (name, text) in enumerate(ANSWERS.items(), start=1):
                clock.set(NINE + timedelta(minutes=minute))
                said = await answer_by_button(world[name], message, post.id, text)
                assert said.startswith(f"Posted in <#{post.thread_id}> under your name")
            # Typed in the thread: Discord hands the bot an empty message; nothing is stored.
            await world["dee"].send(post.thread_id, "A typed answer the bot cannot read at all.")
            shown = posted_answers(world, post.thread_id)
            assert [MARK.fullmatch(m.content).group(1) for m in shown] == [  # type: ignore[union-attr]
                str(world[n].id) for n in ANSWERS
            ]
            rows = await store.answers.for_post(post.id)
            assert sorted(r.message_id or 0 for r in rows) == sorted(m.id for m in shown)
            assert {r.user_id for r in rows} == {world[n].id for n in ANSWERS}
            # Stars and Best answer on the bot's message credit the member who answered.
            await world["ben"].react(post.thread_id, shown[0].id, "⭐")
            best = best_answer(world, world.owner, shown[1])
            assert "+5 points for" in await refusal(best)
            status = text_of(await run(world.owner, "drill status", channel_id=world.channel.id))
            assert "By the **Answer** button only" in status
            await idle(bot)
            clock.set(REVEAL)
            await bot.jobs.idle()
            done = await revealed(store, post)
    assert caplog.messages.count(INTENT_REFUSED) == 1
    assert len(reveals(world, done.thread_id or 0)) == 1
    assert "3 members answered" in reveals(world, done.thread_id or 0)[0].text
    assert await points(store, world, "ana") == ANSWER_POINTS + FIRST_BONUS + STAR_POINTS
    assert await points(store, world, "ben") == ANSWER_POINTS + BEST_POINTS
    assert await points(store, world, "cy") == ANSWER_POINTS
    assert await points(store, world, "dee") == 0
    assert len(posted_answers(world, done.thread_id or 0)) == 3
    assert world.emu.errors == []


async def test_with_the_intent_typed_and_button_answers_both_count(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        assert world.emu.gateway.refused_intents == []
        post, message = await todays_post(bot, store, world)
        assert post.thread_id is not None
        assert "Reply in the thread under this message, or press **Answer**:" in text_of(message)
        await world["ana"].send(post.thread_id, ANSWERS["ana"])
        said = await answer_by_button(world["ben"], message, post.id, ANSWERS["ben"])
        assert said.startswith("Posted in")

        async def both() -> bool:
            return len(await store.answers.for_post(post.id)) == 2

        await eventually(both)
        await idle(bot)
        clock.set(REVEAL)
        await bot.jobs.idle()
        await revealed(store, post)
        # A reconnect's read of the thread keeps the bot-posted answer (not "deleted").
    rows = await store.answers.for_post(post.id)
    assert len(rows) == 2 and all(r.deleted_at is None for r in rows)
    assert await points(store, world, "ben") == ANSWER_POINTS


async def test_after_the_reveal_the_button_stores_nothing(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await todays_post(bot, store, world)
        clock.set(REVEAL)
        await bot.jobs.idle()
        await revealed(store, post)
        said = await answer_by_button(world["ana"], message, post.id, ANSWERS["ana"])
    assert said == "The answers were revealed already: nothing was stored."
    assert await store.answers.for_post(post.id) == []


@contextlib.asynccontextmanager
async def bot_with(
    emulator: Emulator,
    store: Store,
    bank: Bank,
    clock: FakeClock,
    message_content: str,
    shards: ShardPlan | None = None,
) -> AsyncIterator[DrillBot]:
    settings = Settings(
        token=Secret(emulator.token),
        **db_settings(store),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
        message_content=message_content,
        shards=shards or ShardPlan(),
    )
    app = await build_app(settings, clock, bank=bank, store=store)
    bot = make_bot(app, guild_ready_timeout=0.05)
    async with connected(bot, emulator, timeout=15) as ready:
        assert isinstance(ready, DrillBot)
        yield ready


@pytest.mark.sqlite_only("start-up against the gateway; no storage behaviour")
async def test_require_still_exits_8_and_off_never_asks(
    world: World, store: Store, bank: Bank, clock: FakeClock
) -> None:
    from bot.ops.runner import fatal_code

    refuse_message_content(world.emu)
    with pytest.raises(discord.PrivilegedIntentsRequired) as refused:
        async with bot_with(world.emu, store, bank, clock, "require"):
            pass
    assert fatal_code(refused.value) == 8  # exit 8's old case: "enable the intent"
    async with bot_with(world.emu, store, bank, clock, "off") as bot:
        assert not int(world.emu.gateway.identifies[-1]["intents"]) & MESSAGE_CONTENT
        assert not bot.app.daily.answers.reads_content
    assert len(world.emu.gateway.refused_intents) == 1  # `off` was never refused


@pytest.mark.sqlite_only("start-up against the gateway; no storage behaviour")
async def test_a_sharded_bot_reads_the_application_flags_first(
    world: World,
    store: Store,
    bank: Bank,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sharded client closes itself on 4014, so it cannot start again in place: it asks for
    the application's flags before connecting and leaves the intent out if it is off."""
    refuse_message_content(world.emu)
    two = ShardPlan(2, 0, 1, sharded=True)
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        async with bot_with(world.emu, store, bank, clock, "auto", two) as bot:
            assert isinstance(bot, ShardedDrillBot)
            assert not bot.app.daily.answers.reads_content
    assert world.emu.gateway.refused_intents == []
    assert all(not int(i["intents"]) & MESSAGE_CONTENT for i in world.emu.gateway.identifies)
    assert caplog.messages.count(INTENT_OFF) == 1


def sent_in(thread_id: int) -> Killer:
    path = f"/channels/{thread_id}/messages"
    return Killer(lambda call: call.method == "POST" and call.path == path)


async def test_killed_right_after_discord_took_the_thread_message_posts_it_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    refuse_message_content(world.emu)
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await todays_post(bot, store, world)
        await answer_by_button(world["ana"], message, post.id, ANSWERS["ana"])
    assert post.thread_id is not None
    killer = sent_in(post.thread_id)
    clock.set(NINE + timedelta(minutes=5))
    async with bot_process(world.emu, store_url(store), clock.now(), killer):
        opened = await press(world["ben"], message, f"drill:blind:answer:{post.id}")
        await world["ben"].submit_modal(opened, {"answer": ANSWERS["ben"]})
    # Discord has ben's message; the bot died before it stored that.
    assert len(posted_answers(world, post.thread_id)) == 2
    [ben] = [a for a in await store.answers.for_post(post.id) if a.user_id == world["ben"].id]
    assert ben.message_id is None
    async with start_bot() as bot:
        await eventually(lambda: _has_message(store, post.id, world["ben"].id), timeout=10)
        # A run started at start-up reads the clock once: let it finish before moving it.
        await bot.jobs.idle()
        await idle(bot)
        clock.set(REVEAL)
        await bot.jobs.idle()
        done = await revealed(store, post)
    shown = posted_answers(world, post.thread_id)
    assert len(shown) == 2  # found in the thread after the restart, never sent again
    rows = await store.answers.for_post(post.id)
    assert sorted(r.message_id or 0 for r in rows) == sorted(m.id for m in shown)
    assert len(reveals(world, done.thread_id or 0)) == 1
    assert await points(store, world, "ana") == ANSWER_POINTS + FIRST_BONUS
    assert await points(store, world, "ben") == ANSWER_POINTS


async def _has_message(store: Store, post_id: int, user_id: int) -> bool:
    rows = await store.answers.for_post(post_id)
    return any(r.user_id == user_id and r.message_id is not None for r in rows)
