"""A channel the bot may not post in: organisers are told once, Discord is not hammered with
403s, and posting resumes once the permission is back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.daily.helpers import configure_world, daily_posts, post_calls, stored

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def notices(world: World) -> list[Any]:
    system = world.guild.system_channel_id
    return [m for m in world.emu.messages(system) if "missing permission" in m.content]


async def test_missing_send_permission_is_reported_once_and_not_retried_in_a_loop(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    world.guild.deny_bot(world.channel.id, "SEND_MESSAGES")
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        for _ in range(5):
            clock.advance(minutes=7)
            await bot.jobs.idle()
        assert [c.status for c in post_calls(emu, world.channel.id)] == [403]
        assert len(notices(world)) == 1
        assert f"<#{world.channel.id}>" in notices(world)[0].content
    post = await stored(store, world.guild.id, "2026-03-02")
    assert post.state == "pending" and "missing permissions" in (post.last_error or "")
    clock.advance(hours=1)
    async with start_bot() as bot:
        for _ in range(3):
            await bot.jobs.idle()
            clock.advance(minutes=30)
        # The next day: the same channel, the same missing permission, no second notice.
        clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
        await bot.jobs.idle()
        await bot.jobs.idle()
    # One try per run (the restart tries once more, in case the permission is back), never a
    # loop; one notice in all.
    forbidden = post_calls(emu, world.channel.id, 403)
    assert len(forbidden) == 2, [c.status for c in post_calls(emu, world.channel.id)]
    assert len(notices(world)) == 1
    assert daily_posts(emu, world.channel.id) == []
    # Nothing else on the channel was refused either (no 403 loop on other routes).
    refused = [c for c in emu.calls if c.status == 403]
    assert len(refused) == len(forbidden)


async def test_posting_resumes_after_the_permission_is_restored_and_post_now(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    world.guild.deny_bot(world.channel.id, "SEND_MESSAGES")
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        assert daily_posts(emu, world.channel.id) == []
        world.guild.allow_bot(world.channel.id, "SEND_MESSAGES")
        posted, why = await bot.daily.post_now(world.guild.id)
        assert why == "posted" and posted is not None
    assert len(daily_posts(emu, world.channel.id)) == 1
    post = await stored(store, world.guild.id, "2026-03-02")
    assert post.state == "posted" and post.last_error is None
    assert len(notices(world)) == 1
    # Losing the permission again later is news: organisers hear about it again, once.
    world.guild.deny_bot(world.channel.id, "SEND_MESSAGES")
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    async with start_bot() as bot:
        await bot.jobs.idle()
        clock.advance(minutes=30)
        await bot.jobs.idle()
    assert len(notices(world)) == 2


async def test_without_a_system_channel_the_organiser_gets_one_direct_message(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world, configured_by=world.owner.id)
    world.guild.guild.system_channel_id = None
    world.guild.deny_bot(world.channel.id, "SEND_MESSAGES")
    clock.set(NINE)
    async with start_bot() as bot:
        for _ in range(4):
            await bot.jobs.idle()
            clock.advance(minutes=5)
    async with start_bot() as bot:
        await bot.jobs.idle()
    dm = emu.world.dms.get(world.owner.id)
    assert dm is not None, "the organiser got no direct message"
    told = [m for m in emu.messages(dm.id) if "missing permission" in m.content]
    assert len(told) == 1
