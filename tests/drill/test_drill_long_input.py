"""Hostile and oversized options: every reply fits Discord's limits, echoes input shortened,
pings nobody, and nothing is stored. Checked on what the emulator received."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.emulator.interactions import Interaction
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.drill.conftest import reply_to
from tests.quiz.helpers import EPHEMERAL

LONG = "x" * 6000
NO_PINGS = {"parse": []}


def body_of(world: World, inter: Interaction) -> dict[str, Any]:
    """What the bot sent to answer ``inter``: the callback's data or the follow-up's body."""
    for call in world.emu.calls:
        if inter.token not in call.path or call.method != "POST" or not call.json:
            continue
        data = call.json.get("data", call.json)
        if data.get("content"):
            return dict(data)
    raise AssertionError(f"no reply with content for {inter.kind_name()}")


async def answer(world: World, member: Any, command: str, options: dict[str, Any]) -> str:
    """Run a command; return the reply after checking its size, privacy and allowed_mentions."""
    inter = await member.slash(command, options, channel_id=world.channel.id)
    message = await reply_to(inter)
    assert message.flags & EPHEMERAL
    body = body_of(world, inter)
    assert body.get("allowed_mentions") == NO_PINGS
    assert len(message.content) <= 2000 and message.mentions == []
    return message.content


SETUP = {"time": "09:00", "timezone": "UTC"}


@pytest.mark.parametrize(
    ("command", "options", "says"),
    [
        ("drill setup", {"time": LONG}, "is not a time"),
        ("drill setup", {"timezone": LONG}, "is not an IANA timezone"),
        ("drill setup", {"weekdays": LONG}, "is not a list of weekdays"),
        ("drill setup", {"weekdays": "mon," + LONG[:90]}, "is not a weekday"),
        ("drill setup", {"reveal": LONG}, "is not a reveal delay"),
        ("drill topics disable", {"topic": LONG}, "No topic matches"),
        ("drill question disable", {"id": LONG}, "No question has the id"),
        ("drill pack remove", {"name": LONG}, "no pack named"),
    ],
    ids=["time", "timezone", "weekdays", "weekday-token", "reveal", "topic", "question", "pack"],
)
async def test_six_thousand_character_options_get_a_short_refusal(
    world: World,
    store: Store,
    start_bot: BotFactory,
    command: str,
    options: dict[str, str],
    says: str,
) -> None:
    if command == "drill setup":
        options = {"channel": world.channel.id, **SETUP, **options}
    async with start_bot():
        text = await answer(world, world.owner, command, options)
    assert says in text
    assert "xxxx…'" in text or says == "is not a weekday"  # one short token: quoted whole
    assert await store.guilds.get(world.guild.id) is None
    assert await store.guilds.recent_audit(world.guild.id) == []
    assert world.emu.errors == []


async def test_quiz_topic_of_six_thousand_characters_is_refused_short(
    world: World, start_bot: BotFactory
) -> None:
    async with start_bot():
        text = await answer(world, world["ana"], "quiz", {"topic": LONG})
    assert text.startswith("No topic matches 'xxx") and "Start typing" in text


async def test_mentions_in_an_echoed_option_ping_nobody(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        text = await answer(
            world,
            world.owner,
            "drill setup",
            {"channel": world.channel.id, **SETUP, "time": f"@everyone <@{ana.id}>"},
        )
        topic = await answer(
            world, world.owner, "drill topics disable", {"topic": f"@here <@{ana.id}>"}
        )
    assert "@\u200beveryone" in text and f"<@\u200b{ana.id}>" in text
    assert "@\u200bhere" in topic
    assert await store.guilds.get(world.guild.id) is None


@pytest.mark.parametrize("typed", ["٠٩:٠٠", "０９:００", "9:0٠"])
async def test_time_takes_ascii_digits_only(
    world: World, store: Store, start_bot: BotFactory, typed: str
) -> None:
    async with start_bot():
        text = await answer(
            world, world.owner, "drill setup", {"channel": world.channel.id, **SETUP, "time": typed}
        )
    assert f"'{typed}' is not a time: use 24-hour HH:MM with the digits 0-9" in text
    assert await store.guilds.get(world.guild.id) is None


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "LOCALTIME"])
async def test_zones_that_name_no_place_are_refused(
    world: World, store: Store, start_bot: BotFactory, zone: str
) -> None:
    async with start_bot():
        text = await answer(
            world,
            world.owner,
            "drill setup",
            {"channel": world.channel.id, **SETUP, "timezone": zone},
        )
        offered = await world.owner.autocomplete(
            "drill setup",
            {"channel": world.channel.id, **SETUP, "timezone": zone[:4]},
            focused="timezone",
            channel_id=world.channel.id,
        )
    assert f"'{zone}' names no place" in text
    assert zone.casefold() not in {c["value"].casefold() for c in offered}
    assert await store.guilds.get(world.guild.id) is None


async def test_successful_replies_ping_nobody_either(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    async with start_bot():
        saved = await answer(
            world, world.owner, "drill setup", {"channel": world.channel.id, **SETUP}
        )
        role = await answer(world, world.owner, "drill organisers", {"role": world.organisers.id})
    assert saved.startswith("Saved.") and f"<@&{world.organisers.id}>" in role
    assert (await store.guilds.get(world.guild.id)) is not None
