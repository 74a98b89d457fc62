"""A blind reveal that dies while publishing finds its place again by what it stored (each
part's nonce before the send, its message id after), never by the text Discord shows
(issue 21): the display may change between runs and Discord may have forgotten the nonces."""

from __future__ import annotations

from datetime import timedelta

import pytest

import cogs.blind
from bot.clock import FakeClock
from bot.daily.publishing import AnswerPart
from bot.sandbox.emulator.state import Message
from bot.storage import DailyPost, Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.blind_helpers import ANSWERS, NINE, REVEAL, answer, blind_post, revealed, reveals
from tests.daily.helpers import configure_world


def bot_messages(world: World, thread_id: int) -> list[Message]:
    """Everything the bot posted in the thread but the reveal's notes."""
    return [
        m
        for m in world.emu.messages(thread_id)
        if m.author.id == world.emu.bot_user_id and "What they're testing" not in m.text
    ]


def reworded(part: AnswerPart) -> str:
    """Another display of a part (a later version of the bot words it differently)."""
    return f"Member answer #{part.seq} ({part.part} of {part.parts})\n{part.text}"


async def _answered_post(world: World, store: Store, start_bot: BotFactory) -> DailyPost:
    await configure_world(store, world, answer_mode="blind")
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        for name, text in ANSWERS.items():
            await answer(world[name], message, post.id, text)
    return post


async def _finish(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock, post: DailyPost
) -> DailyPost:
    clock.set(REVEAL + timedelta(minutes=10))
    async with start_bot():
        done = await revealed(store, post)
    assert done.thread_id is not None
    assert len(reveals(world, done.thread_id)) == 1
    plan = await store.blind.plan(post.id)
    assert [r.message_id for r in plan] == [m.id for m in bot_messages(world, done.thread_id)]
    assert world.emu.errors == []
    return done


async def test_discord_took_a_part_the_bot_never_recorded_and_the_text_changed_since(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(NINE)
    post = await _answered_post(world, store, start_bot)
    real = store.blind.mark_sent
    taken: list[int] = []

    async def dies_after_three(post_id: int, seq: int, part: int, message_id: int) -> None:
        taken.append(message_id)
        if len(taken) == 3:
            raise RuntimeError("process killed after Discord took the message")
        await real(post_id, seq, part, message_id)

    monkeypatch.setattr(store.blind, "mark_sent", dies_after_three)
    clock.set(REVEAL)
    async with start_bot() as bot:
        await eventually(lambda: len(taken) >= 3, timeout=15)
        await eventually(lambda: not bot.app.daily_job.running)
    monkeypatch.setattr(store.blind, "mark_sent", real)
    plan = await store.blind.plan(post.id)
    assert [(r.message_id is not None, r.nonce is not None) for r in plan] == [
        (True, True), (True, True), (False, True), (False, False),
    ]  # fmt: skip
    # A long outage: Discord forgot the nonces (and no longer shows them on messages), and the
    # next version of the bot words the parts differently. Neither is how a part is found.
    world.emu.forget_nonces()
    thread = post.message_id or 0
    for message in world.emu.messages(thread):
        message.nonce = None
    monkeypatch.setattr(cogs.blind, "part_content", reworded)
    done = await _finish(world, store, start_bot, clock, post)
    shown = bot_messages(world, done.thread_id or 0)
    assert len(shown) == len(ANSWERS)  # the third went out once, the fourth after it
    assert shown[2].id == taken[2]
    assert [m.content.startswith("Member answer #") for m in shown] == [False] * 3 + [True]


async def test_a_crash_after_the_nonce_was_stored_but_before_discord_took_the_part(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The new gap: the nonce stored, the message never sent. Nothing of the bot's follows the
    last recorded part, so the part is sent (with the same nonce), once."""
    clock.set(NINE)
    post = await _answered_post(world, store, start_bot)
    real = store.blind.mark_sending
    marked: list[tuple[int, int]] = []

    async def dies_before_the_send(post_id: int, seq: int, part: int, nonce: str) -> None:
        await real(post_id, seq, part, nonce)
        marked.append((seq, part))
        if len(marked) == 2:
            raise RuntimeError("process killed before the send")

    monkeypatch.setattr(store.blind, "mark_sending", dies_before_the_send)
    clock.set(REVEAL)
    async with start_bot() as bot:
        await eventually(lambda: len(marked) >= 2, timeout=15)
        await eventually(lambda: not bot.app.daily_job.running)
    monkeypatch.setattr(store.blind, "mark_sending", real)
    thread = post.message_id or 0
    assert len(bot_messages(world, thread)) == 1
    for message in world.emu.messages(thread):
        message.nonce = None  # Discord no longer shows them: the thread alone must not mislead
    done = await _finish(world, store, start_bot, clock, post)
    assert len(bot_messages(world, done.thread_id or 0)) == len(ANSWERS)
