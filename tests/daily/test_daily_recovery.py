"""Killed (SIGKILL, a real process) right after Discord took the post or the reveal, then 60
messages and an outage longer than Discord's nonce memory: one post, one reveal. Killed
during /drill reveal-now: the reveal is finished on start, not 23 hours later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.boards.scoring import ANSWER_POINTS, FIRST_BONUS
from bot.clock import FakeClock
from bot.storage import DailyPost, Store
from tests.conftest import MEMBERS, BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure_world, daily_posts, post_calls, stored
from tests.daily.killable import Killer, bot_process
from tests.support.backends import store_url

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
REVEAL = NINE + timedelta(hours=23)
TODAY = "2026-03-02"
FOLLOWING = 60  # more than the 50 messages the first version looked back


def reveals(world: World, channel_id: int) -> list[Any]:
    return [m for m in world.emu.messages(channel_id) if "What they're testing" in m.text]


def sent_to(channel_id: int) -> Killer:
    path = f"/channels/{channel_id}/messages"
    return Killer(lambda call: call.method == "POST" and call.path == path)


async def chatter(world: World, channel_id: int) -> None:
    for i in range(FOLLOWING):
        await world[MEMBERS[i % len(MEMBERS)]].send(channel_id, f"message {i} after the bot died")


async def posted_with_an_answer(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> DailyPost:
    """A normal morning: the post, its thread, and ana's answer."""
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        await world["ana"].send(post.thread_id, ANSWER)

        async def stored_answer() -> bool:
            return len(await store.answers.for_post(post.id)) == 1

        await eventually(stored_answer)
    return post


async def test_killed_right_after_the_post_then_60_messages_posts_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    clock.set(NINE)
    async with bot_process(emu, store_url(store), NINE, sent_to(world.channel.id)):
        pass
    claimed = await stored(store, world.guild.id, TODAY)
    assert claimed.state == "pending" and claimed.message_id is None  # it died before storing
    assert len(daily_posts(emu, world.channel.id)) == 1
    await chatter(world, world.channel.id)
    emu.forget_nonces()
    clock.advance(minutes=20)
    async with start_bot() as bot:
        await bot.jobs.idle()
    posts = daily_posts(emu, world.channel.id)
    assert len(posts) == 1 and len(post_calls(emu, world.channel.id)) == 1
    post = await stored(store, world.guild.id, TODAY)
    assert post.state == "posted" and post.message_id == posts[0].id
    assert post.thread_id is not None and emu.channel(post.thread_id) is not None


async def test_killed_right_after_the_reveal_then_60_messages_reveals_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    post = await posted_with_an_answer(world, store, start_bot, clock)
    assert post.thread_id is not None
    clock.set(REVEAL)
    async with bot_process(emu, store_url(store), REVEAL, sent_to(post.thread_id)):
        pass
    assert len(reveals(world, post.thread_id)) == 1
    assert (await stored(store, world.guild.id, TODAY)).state == "posted"
    clock.advance(minutes=1)
    await chatter(world, post.thread_id)  # the thread was never locked
    emu.forget_nonces()
    clock.advance(hours=1)
    async with start_bot() as bot:
        await bot.jobs.idle()
    assert len(reveals(world, post.thread_id)) == 1
    assert (await stored(store, world.guild.id, TODAY)).state == "revealed"
    thread = emu.channel(post.thread_id)
    assert thread is not None and thread.locked
    # Points once, and only for the answer before the deadline (the chatter came after it).
    top = await store.scores.top(world.guild.id)
    assert [(s.user_id, s.points) for s in top] == [(world["ana"].id, ANSWER_POINTS + FIRST_BONUS)]


async def test_killed_during_reveal_now_finishes_the_reveal_on_start(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    post = await posted_with_an_answer(world, store, start_bot, clock)
    assert post.thread_id is not None
    clock.set(NINE + timedelta(hours=2))
    async with bot_process(emu, store_url(store), clock.now(), sent_to(post.thread_id)):
        await world.owner.slash("drill reveal-now", {}, channel_id=world.channel.id)
    assert (await stored(store, world.guild.id, TODAY)).state == "posted"
    clock.advance(minutes=5)  # restarted long before the scheduled reveal (21 hours away)
    async with start_bot() as bot:

        async def finished() -> bool:
            return (await stored(store, world.guild.id, TODAY)).state == "revealed"

        await eventually(finished)
        await bot.daily.idle()
    assert len(reveals(world, post.thread_id)) == 1
    thread = emu.channel(post.thread_id)
    assert thread is not None and thread.locked
    revealed = await stored(store, world.guild.id, TODAY)
    assert revealed.reveal_at == NINE + timedelta(hours=2)  # the organiser's moment, kept
    top = await store.scores.top(world.guild.id)
    assert [(s.user_id, s.points) for s in top] == [(world["ana"].id, ANSWER_POINTS + FIRST_BONUS)]


async def test_killed_right_after_the_thread_opened_then_60_messages_keeps_that_thread(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    clock.set(NINE)
    prefix = f"/channels/{world.channel.id}/messages/"
    killer = Killer(
        lambda call: (
            call.method == "POST"
            and call.path.startswith(prefix)
            and call.path.endswith("/threads")
        )
    )
    async with bot_process(emu, store_url(store), NINE, killer):
        pass
    post = await stored(store, world.guild.id, TODAY)
    assert post.state == "posted" and post.thread_id is None  # it died before storing it
    (thread,) = [c for c in emu.world.channels.values() if c.is_thread]
    await chatter(world, world.channel.id)
    answer = await world["ana"].send(thread.id, ANSWER)  # while the bot is down
    clock.advance(minutes=20)
    async with start_bot() as bot:

        async def adopted_with_its_answer() -> bool:
            row = await stored(store, world.guild.id, TODAY)
            answers = await store.answers.for_post(post.id)
            return row.thread_id == thread.id and [a.message_id for a in answers] == [answer.id]

        await eventually(adopted_with_its_answer)
        clock.set(REVEAL)
        await bot.jobs.idle()
    assert [c.id for c in emu.world.channels.values() if c.is_thread] == [thread.id]
    assert "1 member answered" in reveals(world, thread.id)[0].text
