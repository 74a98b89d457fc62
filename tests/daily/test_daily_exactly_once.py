"""The daily post lands exactly once: concurrent fires, a crash between send and store,
server errors and rate limits. The real client against the emulator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import configure_world, daily_posts, post_calls, stored

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
TODAY = "2026-03-02"


def threads(world: World) -> list[Any]:
    return [c for c in world.emu.world.channels.values() if c.is_thread]


async def test_two_fires_in_the_same_minute_post_one_message(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)  # the alarm rings on the loop's next turn: three more runs race it
        guild_id = world.guild.id
        await asyncio.gather(*(bot.daily.run_guild(guild_id) for _ in range(3)))
        await bot.jobs.idle()
    assert len(daily_posts(emu, world.channel.id)) == 1
    assert len(post_calls(emu, world.channel.id)) == 1
    assert len(threads(world)) == 1


async def test_two_services_racing_for_the_slot_post_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    # The in-process lock is not what keeps this safe: the (guild, date) claim is.
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        daily = bot.daily
        twin = type(daily)(daily.store, daily.catalog, daily.publisher, daily.clock, daily.writer)
        clock.set(NINE)
        await asyncio.gather(daily.run_guild(world.guild.id), twin.run_guild(world.guild.id))
    assert len(daily_posts(emu, world.channel.id)) == 1


@pytest.mark.parametrize("restart", [False, True], ids=["next-tick", "after-restart"])
async def test_a_crash_between_send_and_store_is_recovered_without_a_second_message(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    restart: bool,
) -> None:
    emu = world.emu
    await configure_world(store, world)
    real = store.daily.mark_posted
    crashes: list[int] = []

    async def crash_once(post_id: int, *args: Any) -> None:
        if not crashes:
            crashes.append(post_id)
            raise RuntimeError("process died before the message id was stored")
        await real(post_id, *args)

    monkeypatch.setattr(store.daily, "mark_posted", crash_once)
    async with start_bot() as bot:
        # The dispatcher's alarm rings at 09:00 and the guild's run "dies" after Discord took
        # the post. No manual tick here: one racing the alarm's run could recover the post
        # before the assertion below (it did, under load).
        clock.set(NINE)
        await eventually(lambda: crashes)
        await eventually(lambda: not bot.app.daily_job.running)  # the run and its replanning ended
        assert len(daily_posts(emu, world.channel.id)) == 1
        assert (await stored(store, world.guild.id, TODAY)).state == "pending"
        if not restart:
            clock.advance(minutes=1)  # the dispatcher looks again a minute later

            async def recovered() -> bool:
                return (await stored(store, world.guild.id, TODAY)).state == "posted"

            await eventually(recovered)
            await bot.daily.idle()
    if restart:
        clock.advance(minutes=5)
        async with start_bot() as bot:
            await bot.jobs.idle()
    posts = daily_posts(emu, world.channel.id)
    assert len(posts) == 1
    post = await stored(store, world.guild.id, TODAY)
    assert post.state == "posted" and post.message_id == posts[0].id
    assert [t.id for t in threads(world)] == [post.thread_id]
    assert len(post_calls(emu, world.channel.id)) == 1


async def test_a_crash_after_the_thread_opened_keeps_that_thread(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = world.emu
    await configure_world(store, world)
    real = store.daily.set_thread
    crashes: list[int] = []

    async def crash_once(post_id: int, thread_id: int) -> None:
        if not crashes:
            crashes.append(thread_id)
            raise RuntimeError("process died before the thread id was stored")
        await real(post_id, thread_id)

    monkeypatch.setattr(store.daily, "set_thread", crash_once)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
    assert crashes
    async with start_bot() as bot:
        # On start the bot finds the thread under its post and takes it as the answers thread.
        async def adopted() -> bool:
            return (await stored(store, world.guild.id, TODAY)).thread_id == crashes[0]

        await _eventually(adopted)
        post = await stored(store, world.guild.id, TODAY)
        # Answers in that thread are collected.
        await world["ana"].send(crashes[0], "Canary first, then widen the rollout by metrics.")

        async def answered() -> bool:
            return len(await store.answers.for_post(post.id)) == 1

        await _eventually(answered)
    assert len(threads(world)) == 1
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_500_is_retried_and_the_post_lands_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    emu.fail_next(f"POST /channels/{world.channel.id}/messages", 500)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        await bot.jobs.idle()
    assert [c.status for c in post_calls(emu, world.channel.id)] == [500, 200]
    assert len(daily_posts(emu, world.channel.id)) == 1
    assert (await stored(store, world.guild.id, TODAY)).state == "posted"


async def test_a_503_backs_off_and_the_next_try_lands_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    emu.fail_next(f"POST /channels/{world.channel.id}/messages", 503, times=2)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        assert [c.status for c in post_calls(emu, world.channel.id)] == [503]
        failed = await stored(store, world.guild.id, TODAY)
        assert failed.state == "pending" and failed.attempts == 1 and failed.last_error
        await bot.jobs.idle()  # too soon: no request at all
        assert len(post_calls(emu, world.channel.id)) == 1
        clock.advance(minutes=1)
        await bot.jobs.idle()
        assert [c.status for c in post_calls(emu, world.channel.id)] == [503, 503]
        clock.advance(minutes=1)  # the second failure doubled the wait
        await bot.jobs.idle()
        assert len(post_calls(emu, world.channel.id)) == 2
        clock.advance(minutes=1)
        await bot.jobs.idle()
    assert [c.status for c in post_calls(emu, world.channel.id)] == [503, 503, 200]
    assert len(daily_posts(emu, world.channel.id)) == 1
    post = await stored(store, world.guild.id, TODAY)
    assert post.state == "posted" and post.last_error is None


async def test_a_short_429_is_waited_out_and_the_post_lands_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    emu.force_429(f"POST /channels/{world.channel.id}/messages", retry_after=0.05, times=2)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
    assert [c.status for c in post_calls(emu, world.channel.id)] == [429, 429, 200]
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_long_429_is_retried_after_its_retry_after_not_in_a_loop(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    emu.force_429(f"POST /channels/{world.channel.id}/messages", retry_after=300)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        for _ in range(3):  # within the five minutes Discord asked for: no request
            clock.advance(minutes=1)
            await bot.jobs.idle()
        assert [c.status for c in post_calls(emu, world.channel.id)] == [429]
        clock.advance(minutes=2)
        await bot.jobs.idle()
    assert [c.status for c in post_calls(emu, world.channel.id)] == [429, 200]
    assert len(daily_posts(emu, world.channel.id)) == 1


async def _eventually(check: Any, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
    from tests.conftest import eventually

    return await eventually(check, timeout)


async def test_a_crash_between_reveal_and_store_does_not_reveal_twice(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = world.emu
    await configure_world(store, world)
    real = store.daily.mark_revealed
    crashes: list[int] = []
    dying = True  # every reveal of the first run dies after sending, as a killed process

    async def crash_while_dying(post_id: int, now: Any, lock_at: Any = None) -> bool:
        if dying:
            crashes.append(post_id)
            raise RuntimeError("process died after the reveal was sent")
        return await real(post_id, now, lock_at)

    monkeypatch.setattr(store.daily, "mark_revealed", crash_while_dying)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        clock.advance(hours=23)
        await bot.jobs.idle()
        assert crashes, "the crash was not reached"
    dying = False
    # Long past the nonce's few minutes (Discord forgets it): only the history can tell.
    clock.advance(hours=3)
    emu.nonces.clear()
    async with start_bot() as bot:
        await bot.jobs.idle()
    assert post.thread_id is not None
    reveals = [m for m in emu.messages(post.thread_id) if "What they're testing" in m.text]
    assert len(reveals) == 1
    assert (await stored(store, world.guild.id, TODAY)).state == "revealed"
    assert emu.channel(post.thread_id).locked
