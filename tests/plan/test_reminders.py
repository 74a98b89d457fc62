"""The plan's DM reminder: off by default, at the member's time, stopped at once by /plan stop or
closed DMs, never retried in a loop; through the real client and the emulator."""

from __future__ import annotations

from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.plan.test_plan_flow import reply


def dms_to(world: World, member) -> list:  # type: ignore[no-untyped-def]
    channel = world.emu.world.dms.get(member.id)
    if channel is None:
        return []
    return list(world.emu.world.messages.get(channel.id, {}).values())


def dm_posts(world: World) -> int:
    """Messages the bot tried to send into DM channels (refused ones included)."""
    dms = {str(channel.id) for channel in world.emu.world.dms.values()}
    return sum(
        1
        for call in world.emu.calls
        if call.method == "POST" and call.path.endswith("/messages")
        and call.path.split("/")[2] in dms
    )  # fmt: skip


async def test_the_reminder_arrives_at_the_members_time_and_stops_with_the_plan(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    ana, ben = world["ana"], world["ben"]
    channel = world.channel.id
    async with start_bot():  # 06:00 UTC on Monday 2 March
        await reply(ana, channel, "plan start", weeks=2, remind_at="07:30")
        await reply(ben, channel, "plan start", weeks=2)  # no reminder: off by default
        clock.advance(minutes=89)
        assert dms_to(world, ana) == []  # not a minute early
        clock.advance(minutes=1)
        (dm,) = await eventually(lambda: dms_to(world, ana))
        assert dm.content == "Your study plan for today:"
        assert "/quiz on these topics: 0/3" in dm.embeds[0]["description"]
        assert dms_to(world, ben) == []
        clock.advance(days=1)
        await eventually(lambda: len(dms_to(world, ana)) == 2)
        await reply(ana, channel, "plan stop")
        clock.advance(days=1)
        await reply(ana, channel, "mock history")  # a round trip: the loop had time to run
        assert len(dms_to(world, ana)) == 2
    plan = await store.plans.get(ana.id)
    assert plan is not None and plan.remind_at is None


async def test_closed_dms_switch_the_reminder_off_after_one_attempt(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    ana = world["ana"]
    world.emu.world.users[ana.id].dms_closed = True
    async with start_bot():
        await reply(ana, world.channel.id, "plan start", weeks=2, remind_at="07:00")
        clock.advance(hours=1)
        await eventually(lambda: dm_posts(world) == 1)
        await eventually(store.plans.get(ana.id), timeout=5) if False else None

        async def off() -> bool:
            plan = await store.plans.get(ana.id)
            return plan is not None and plan.remind_at is None and plan.state == "active"

        await eventually(off)
        clock.advance(days=3)
        await reply(ana, world.channel.id, "mock history")
        assert dm_posts(world) == 1  # never retried
