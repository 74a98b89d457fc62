"""The nudge before the reveal through the real client and the emulator: one DM to each member
who asked and has not answered (an answer a second before counts), none to the hidden, the
away, the ones who turned it off or never asked; once across a SIGKILL right after Discord took
the DM; closed DMs switch it off after one refusal; the organisers' role ping, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure_world, stored
from tests.daily.killable import Killer, bot_process
from tests.leaderboard.helpers import reply_to
from tests.support.backends import store_url

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: the post
REVEAL = NINE + timedelta(hours=23)
NUDGE = REVEAL - timedelta(hours=2)  # the default: two hours before the reveal
TODAY = "2026-03-02"


def dms_to(world: World, member: Any) -> list[Any]:
    channel = world.emu.world.dms.get(member.id)
    if channel is None:
        return []
    return list(world.emu.world.messages.get(channel.id, {}).values())


def dm_calls(world: World) -> list[Any]:
    """Messages the bot tried to send into DM channels (refused ones included)."""
    dms = {str(channel.id) for channel in world.emu.world.dms.values()}
    return [
        c
        for c in world.emu.calls
        if c.method == "POST" and c.path.endswith("/messages") and c.path.split("/")[2] in dms
    ]


async def slash(world: World, member: Any, command: str, **options: Any) -> str:
    reply = await reply_to(await member.slash(command, options, channel_id=world.channel.id))
    return str(reply.content)


async def posted(world: World, store: Store, bot: Any, clock: FakeClock) -> Any:
    clock.set(NINE)
    await bot.jobs.idle()
    post = await stored(store, world.guild.id, TODAY)
    assert post.thread_id is not None
    return post


async def test_only_members_who_asked_and_have_not_answered_get_one_dm(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    ana, ben, cy, dee, eve = (world[n] for n in ("ana", "ben", "cy", "dee", "eve"))
    fay = world.guild.add_member("fay")  # never asks
    async with start_bot() as bot:
        for member in (ana, ben, cy, dee, eve, fay):
            if member is not fay:
                assert "On:" in await slash(world, member, "remind daily on")
        assert "off already" in await slash(world, fay, "remind daily off")  # never on
        await slash(world, dee, "privacy hide")
        await slash(world, eve, "away", days=1)
        post = await posted(world, store, bot, clock)
        await ben.send(post.thread_id, ANSWER)
        await fay.send(post.thread_id, "not asked, so never nudged either way")
        clock.set(NUDGE - timedelta(seconds=1))
        await bot.jobs.idle()
        # A second before the nudge, and the gateway event lost on the way: only the thread
        # has it, and the nudge reads the thread back before deciding.
        world.emu.lose_events("MESSAGE_CREATE")
        await cy.send(post.thread_id, ANSWER)
        clock.set(NUDGE)
        await bot.jobs.idle()
        (dm,) = await eventually(lambda: dms_to(world, ana))
        embed = dm.embeds[0]
        assert embed["title"] == "Today's question is still open"
        assert embed["description"]  # the question's prompt
        link = f"https://discord.com/channels/{world.guild.id}/{post.thread_id}"
        assert link in embed["fields"][0]["value"]
        clock.advance(hours=1)
        await bot.jobs.idle()
        assert [len(dms_to(world, m)) for m in (ana, ben, cy, dee, eve, fay)] == [1, 0, 0, 0, 0, 0]
        assert len(dm_calls(world)) == 1
        assert cy.id in {a.user_id for a in await store.answers.for_post(post.id)}
    assert world.emu.errors == []


async def test_an_hours_before_of_its_own_and_off_at_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    ana, ben = world["ana"], world["ben"]
    async with start_bot() as bot:
        await slash(world, ana, "remind daily on", hours_before=5)
        await slash(world, ben, "remind daily on")
        await posted(world, store, bot, clock)
        clock.set(REVEAL - timedelta(hours=5))
        await bot.jobs.idle()
        await eventually(lambda: dms_to(world, ana))
        assert dms_to(world, ben) == []
        assert "Off: no more nudges." in await slash(world, ben, "remind daily off")
        clock.set(NUDGE)
        await bot.jobs.idle()
        assert dms_to(world, ben) == [] and len(dms_to(world, ana)) == 1


async def test_closed_dms_switch_nudges_off_after_one_refusal(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    ana = world["ana"]
    world.emu.world.users[ana.id].dms_closed = True
    async with start_bot() as bot:
        await slash(world, ana, "remind daily on")
        await posted(world, store, bot, clock)
        clock.set(NUDGE)
        await bot.jobs.idle()
        assert len(dm_calls(world)) == 1
        assert await store.nudges.members(world.guild.id) == {}
        clock.set(NUDGE + timedelta(days=1))
        await bot.jobs.idle()
        assert len(dm_calls(world)) == 1  # never retried, not the next day either


async def test_the_role_ping_goes_once_in_the_thread_pinging_only_that_role(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    role = world.guild.create_role("answer-me")
    async with start_bot() as bot:
        text = await slash(world, world.owner, "drill setup", nudge_role=role.id, nudge="3h")
        assert f"<@&{role.id}> is pinged once in the thread 3h before the reveal" in text
        post = await posted(world, store, bot, clock)
        clock.set(REVEAL - timedelta(hours=3))
        await bot.jobs.idle()
        clock.advance(minutes=30)
        await bot.jobs.idle()
        pings = [m for m in world.emu.messages(post.thread_id) if f"<@&{role.id}>" in m.content]
        assert len(pings) == 1
        path = f"/channels/{post.thread_id}/messages"
        call = next(
            c for c in world.emu.calls if c.path == path and f"<@&{role.id}>" in str(c.json)
        )
        assert [int(r) for r in call.json["allowed_mentions"]["roles"]] == [role.id]
        assert "everyone" not in call.json["allowed_mentions"].get("parse", [])
        off = await slash(world, world.owner, "drill setup", nudge="off")
        assert "is pinged" not in off


async def test_killed_right_after_discord_took_the_dm_each_member_gets_one(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    ana, ben = world["ana"], world["ben"]
    async with start_bot() as bot:
        await slash(world, ana, "remind daily on")
        await slash(world, ben, "remind daily on")
        await posted(world, store, bot, clock)
    dms = lambda: {str(c.id) for c in emu.world.dms.values()}  # noqa: E731
    killer = Killer(
        lambda call: (
            call.method == "POST" and call.path.endswith("/messages")
            and call.path.split("/")[2] in dms()
        )
    )  # fmt: skip
    clock.set(NUDGE)
    async with bot_process(emu, store_url(store), NUDGE, killer):
        pass
    first = [m for m in (ana, ben) if dms_to(world, m)]
    assert len(first) == 1  # Discord took one DM; the process died before hearing back
    claims = await store.nudges.sent(world.guild.id, TODAY)
    assert claims == {first[0].id: None}  # claimed, its outcome never written
    emu.forget_nonces()  # an outage longer than Discord's nonce memory
    clock.set(NUDGE + timedelta(minutes=20))
    async with start_bot() as bot:
        await bot.jobs.idle()
        await eventually(lambda: dms_to(world, ana) and dms_to(world, ben))
        clock.advance(minutes=5)
        await bot.jobs.idle()
    assert [len(dms_to(world, m)) for m in (ana, ben)] == [1, 1]
    assert await store.nudges.sent(world.guild.id, TODAY) == {ana.id: "sent", ben.id: "sent"}
