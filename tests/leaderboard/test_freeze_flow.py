"""Streak insurance through the real client and the emulator: seven days answered earn a
freeze, the next missed day spends it, the member hears of it privately when they answer
again, and a second miss without a freeze breaks the streak."""

from __future__ import annotations

from typing import Any

from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure_world
from tests.leaderboard.helpers import reply_to, text_of


def dms_to(world: World, member: Any) -> list[Any]:
    channel = world.emu.world.dms.get(member.id)
    if channel is None:
        return []
    return list(world.emu.world.messages.get(channel.id, {}).values())


async def a_day(world: World, store: Store, bot: Any, clock: Any, *members: Any) -> str:
    """08:00 UTC (09:00 in Berlin): the post; the members answer in its thread; 23 hours later
    the reveal; one more hour to the next post."""
    emu = world.emu
    clock.advance(hours=1)
    await bot.jobs.idle()
    local = clock.now().date().isoformat()
    post = await store.daily.get(world.guild.id, local)
    assert post is not None and post.thread_id is not None
    for member in members:
        await member.send(post.thread_id, ANSWER)

    async def stored() -> bool:
        return len(await store.answers.for_post(post.id)) == len(members)

    await eventually(stored)
    clock.advance(hours=23)
    await bot.jobs.idle()
    await emu.wait_until(
        lambda: any("What they're testing" in m.text for m in emu.messages(post.thread_id)),
        timeout=5,
    )
    return local


async def test_a_freeze_covers_one_missed_day_and_a_second_miss_breaks_the_streak(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    await configure_world(store, world)
    ana, ben = world["ana"], world["ben"]
    guild = world.guild.id
    clock.advance(hours=1)  # 07:00 UTC; each day starts one hour before its post
    async with start_bot() as bot:
        for _ in range(7):
            await a_day(world, store, bot, clock, ana, ben)
        stats = await store.scores.stats(guild, ana.id)
        assert stats is not None and (stats.streak, stats.freezes) == (7, 1)

        missed = await a_day(world, store, bot, clock, ben)  # Ana misses day 8
        stats = await store.scores.stats(guild, ana.id)
        assert stats is not None and (stats.streak, stats.freezes, stats.freezes_used) == (7, 0, 1)
        board = await reply_to(
            await ana.slash("leaderboard", {"period": "all"}, channel_id=world.channel.id)
        )
        assert "🔥 7 · 🧊 1" in text_of(board)
        assert dms_to(world, ana) == []  # told when she answers, not before

        await a_day(world, store, bot, clock, ana, ben)  # day 9: she is back
        (dm,) = await eventually(lambda: dms_to(world, ana))
        assert f"covered the daily question of {missed}" in dm.content
        assert "kept your 7-day streak" in dm.content
        stats = await store.scores.stats(guild, ana.id)
        assert stats is not None and stats.streak == 8

        await a_day(world, store, bot, clock, ben)  # day 10: no freeze left
        await a_day(world, store, bot, clock, ben)  # day 11
        me = await reply_to(await ana.slash("stats", channel_id=world.channel.id), timeout=30)
        assert "Streak: **0** now, best **8**" in text_of(me)
        assert "freezes: **0** held, **1** used" in text_of(me)
        await a_day(world, store, bot, clock, ana)
        stats = await store.scores.stats(guild, ana.id)
        assert stats is not None and (stats.streak, stats.best_streak) == (1, 8)
        assert len(dms_to(world, ana)) == 1  # told once
    assert world.emu.errors == []
