"""Blind answers when Discord and members do not wait for the bot: a press before the post is
stored, a crash right after Discord opened the reveal's thread, a reveal whose sends hang, and
two reveals at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.blind_helpers import (
    ANSWERS,
    NINE,
    REVEAL,
    TODAY,
    answer,
    blind_post,
    idle,
    published,
    revealed,
    reveals,
)
from tests.daily.helpers import configure_world, daily_posts, stored


async def test_a_member_pressing_before_the_bot_stored_the_post_is_answered_and_counted(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    real = store.daily.mark_posted
    replies: list[str] = []

    async def member_first(post_id: int, *args: Any) -> None:
        # Discord has the message, the bot has not stored that: ana is already answering.
        [message] = daily_posts(world.emu, world.channel.id)
        replies.append(await answer(world["ana"], message, post_id, ANSWERS["ana"]))
        await real(post_id, *args)

    monkeypatch.setattr(store.daily, "mark_posted", member_first)
    async with start_bot() as bot:
        post, _ = await blind_post(bot, store, world)
        assert replies and replies[0].startswith("Stored.")
        assert post.state == "posted"
        clock.set(REVEAL)
        done = await revealed(store, post)
    assert done.thread_id is not None
    assert len(published(world, done.thread_id)) == 1
    stats = await store.scores.stats(world.guild.id, world["ana"].id)
    assert stats is not None and stats.points > 0
    assert world.emu.errors == []


async def test_a_crash_right_after_discord_opened_the_thread_keeps_that_thread(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        for name in ("ana", "ben"):
            await answer(world[name], message, post.id, ANSWERS[name])
    real = store.daily.set_thread
    crashed: list[int] = []

    async def dies(post_id: int, thread_id: int) -> None:
        crashed.append(thread_id)
        raise RuntimeError("killed after Discord opened the thread")

    monkeypatch.setattr(store.daily, "set_thread", dies)
    clock.set(REVEAL)
    async with start_bot() as bot:
        await eventually(lambda: crashed, timeout=10)
        await idle(bot)
    monkeypatch.setattr(store.daily, "set_thread", real)
    clock.set(REVEAL + timedelta(minutes=5))
    async with start_bot():
        done = await revealed(store, post)
    threads = [c for c in world.emu.world.channels.values() if c.is_thread]
    assert [t.id for t in threads] == crashed == [done.thread_id]
    assert done.thread_id is not None and len(published(world, done.thread_id)) == 2
    assert len(reveals(world, done.thread_id)) == 1
    assert world.emu.errors == []


async def test_while_the_reveals_sends_hang_members_still_get_an_answer(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        await answer(world["ana"], message, post.id, ANSWERS["ana"])
        # The thread has the post's id: hold every message sent into it.
        hold = world.emu.hold(f"POST /channels/{message.id}/messages", seconds=30)
        clock.set(REVEAL)
        await eventually(lambda: world.emu.channel(message.id), timeout=10)
        late = await asyncio.wait_for(
            answer(world["eve"], message, post.id, "Answering while the reveal is stuck."), 5
        )
        assert "not scored or posted" in late
        edit = await asyncio.wait_for(
            answer(world["ana"], message, post.id, "Changing it while it publishes"), 5
        )
        assert "can no longer change" in edit
        hold.release()
        done = await revealed(store, post)
    assert done.thread_id is not None
    [only] = published(world, done.thread_id)
    assert ANSWERS["ana"] in only.content
    assert world.emu.errors == []


async def test_an_answer_after_the_claim_but_before_the_thread_opens_is_not_posted(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    """Told "not scored or posted" means not posted: the reveal is claimed, its thread not yet
    open (Discord sits on the call), when the late answer comes in."""
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        await answer(world["ana"], message, post.id, ANSWERS["ana"])
        hold = world.emu.hold("/threads", seconds=30)
        clock.set(REVEAL)

        async def claimed() -> bool:
            now = await store.daily.by_id(post.id)
            return now is not None and now.reveal_claimed_by is not None

        await eventually(claimed, timeout=10)
        late = await asyncio.wait_for(
            answer(world["eve"], message, post.id, "Answering as the reveal starts."), 5
        )
        assert "not scored or posted" in late
        hold.release()
        done = await revealed(store, post)
    assert done.thread_id is not None
    texts = [m.content for m in published(world, done.thread_id)]
    assert len(texts) == 1 and ANSWERS["ana"] in texts[0]
    assert all("Answering as the reveal starts." not in t for t in texts)
    assert world.emu.errors == []


async def test_two_reveal_nows_at_once_publish_every_answer_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        for name, text in ANSWERS.items():
            await answer(world[name], message, post.id, text)
        clock.advance(minutes=30)
        await asyncio.gather(
            bot.daily.reveal_now(world.guild.id), bot.daily.reveal_now(world.guild.id)
        )
        done = await revealed(store, post)
    assert done.thread_id is not None
    assert len(published(world, done.thread_id)) == len(ANSWERS)
    assert len(reveals(world, done.thread_id)) == 1
    assert (await stored(store, world.guild.id, TODAY)).state == "revealed"
    assert world.emu.errors == []


async def test_429s_while_publishing_are_waited_out_and_every_answer_goes_out_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        for name, text in ANSWERS.items():
            await answer(world[name], message, post.id, text)
        # The thread has the post's id: its message route answers 429 three times first.
        route = f"POST /channels/{message.id}/messages"
        world.emu.force_429(route, retry_after=0.05, times=3)
        clock.set(REVEAL)
        done = await revealed(store, post)
    assert done.thread_id is not None
    statuses = [c.status for c in world.emu.calls if f"{c.method} {c.path}" == route]
    assert statuses.count(429) == 3 and statuses.count(200) == len(ANSWERS) + 1
    keys = [m.content.split("**")[1] for m in published(world, done.thread_id)]
    assert keys == [f"Answer {i}/{len(ANSWERS)}" for i in range(1, len(ANSWERS) + 1)]
    assert len(reveals(world, done.thread_id)) == 1
    assert world.emu.errors == []


async def test_two_locks_of_a_discussion_thread_at_once_lock_it_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind", discussion_minutes=60)
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        await answer(world["ana"], message, post.id, ANSWERS["ana"])
        clock.set(REVEAL)
        done = await revealed(store, post)
        await idle(bot)
        assert done.thread_id is not None and not world.emu.channel(done.thread_id).locked
        clock.set(REVEAL + timedelta(minutes=61))  # the dispatcher's run locks it too
        locked = await asyncio.gather(
            bot.daily.revealer.lock(world.guild.id), bot.daily.revealer.lock(world.guild.id)
        )
        await idle(bot)
        assert sum(locked) <= 1
        after = await store.daily.by_id(post.id)
        assert after is not None and after.locked_at is not None
        assert world.emu.channel(done.thread_id).locked
        assert await store.blind.due_locks(clock.now(), world.guild.id) == []
    assert world.emu.errors == []
