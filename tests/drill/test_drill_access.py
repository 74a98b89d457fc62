"""Who may use /drill, through the real client: Manage Server, the organiser role, no one else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.organiser.service import NOT_ORGANISER
from bot.storage import Store
from tests.conftest import START, BotFactory, World
from tests.drill.conftest import run, text_of
from tests.drill.packs import GOOD_PACK

Options = Callable[[World], dict[str, Any]]
COMMANDS: list[tuple[str, Options]] = [
    ("drill setup", lambda w: {"channel": w.channel.id, "time": "10:30", "timezone": "UTC"}),
    ("drill organisers", lambda w: {"role": w.organisers.id}),
    ("drill pause", lambda _w: {}),
    ("drill resume", lambda _w: {}),
    ("drill post-now", lambda _w: {}),
    ("drill reveal-now", lambda _w: {}),
    ("drill status", lambda _w: {}),
    ("drill audit", lambda _w: {}),
    ("drill reports", lambda _w: {}),
    ("drill topics enable", lambda _w: {"topic": "containers"}),
    ("drill topics disable", lambda _w: {"topic": "cicd"}),
    ("drill topics list", lambda _w: {}),
    ("drill question disable", lambda _w: {"id": "ml-001"}),
    ("drill question enable", lambda _w: {"id": "cicd-002"}),
    ("drill pack import", lambda _w: {"file": ("team.yaml", GOOD_PACK.encode())}),
    ("drill pack list", lambda _w: {}),
    ("drill pack remove", lambda _w: {"name": "team-extra"}),
    ("drill digest", lambda _w: {"day": "mon", "time": "09:00"}),
]

# Commands that change something from the prepared state (the rest only read, or are no-ops
# there: pause on a paused guild, the same organiser role, nothing to reveal or remove).
CHANGES = {
    "drill setup",
    "drill resume",
    "drill post-now",
    "drill topics enable",
    "drill topics disable",
    "drill question disable",
    "drill question enable",
    "drill pack import",
    "drill digest",
}


async def prepare(store: Store, world: World) -> None:
    """A configured guild with something to change for every command."""
    gid, olga = world.guild.id, world.owner.id
    await store.guilds.update(
        gid,
        olga,
        START,
        channel_id=world.channel.id,
        timezone="Europe/Berlin",
        organiser_role_id=world.organisers.id,
        paused=True,
    )
    await store.guilds.set_topic_enabled(gid, "containers", False, olga, START)
    await store.guilds.set_question_enabled(gid, "cicd-002", False, olga, START)


async def snapshot(store: Store, world: World) -> tuple[Any, ...]:
    gid = world.guild.id
    return (
        await store.guilds.get(gid),
        await store.guilds.recent_audit(gid, 1000),
        await store.guilds.packs(gid),
        await store.guilds.disabled_topics(gid),
        await store.guilds.disabled_questions(gid),
        [await store.daily.in_state(s, gid) for s in ("pending", "posted", "revealed")],
        len(world.emu.messages(world.channel.id)),
        await store.digests.settings(gid),
    )


@pytest.mark.parametrize(("command", "options"), COMMANDS, ids=[c for c, _ in COMMANDS])
async def test_refused_without_the_role_allowed_with_it_or_manage_server(
    world: World, store: Store, start_bot: BotFactory, command: str, options: Options
) -> None:
    await prepare(store, world)
    ben = world["ben"]
    world.guild.set_roles(ben, [world.organisers.id])
    async with start_bot():
        before = await snapshot(store, world)
        refused = await run(world["ana"], command, options(world), channel_id=world.channel.id)
        assert text_of(refused) == NOT_ORGANISER
        assert await snapshot(store, world) == before

        for organiser in (ben, world.owner):  # the role without Manage Server, then the owner
            allowed = await run(organiser, command, options(world), channel_id=world.channel.id)
            assert NOT_ORGANISER not in text_of(allowed)
            assert "Something went wrong" not in text_of(allowed)
            if organiser is ben and command in CHANGES:
                assert await snapshot(store, world) != before, f"/{command} changed nothing"


async def test_the_organiser_role_can_be_set_and_cleared(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ben, chan = world["ben"], world.channel.id
    world.guild.set_roles(ben, [world.organisers.id])
    async with start_bot():
        assert text_of(await run(ben, "drill status", channel_id=chan)) == NOT_ORGANISER
        await run(world.owner, "drill organisers", {"role": world.organisers.id}, channel_id=chan)
        assert NOT_ORGANISER not in text_of(await run(ben, "drill status", channel_id=chan))
        cleared = await run(world.owner, "drill organisers", channel_id=chan)
        assert "Manage Server only" in cleared.content
        assert text_of(await run(ben, "drill status", channel_id=chan)) == NOT_ORGANISER
    settings = await store.guilds.get_or_default(world.guild.id)
    assert settings.organiser_role_id is None
    actions = [(e.action, e.new_value) for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions == [
        ("set organiser_role_id", None),
        ("set organiser_role_id", str(world.organisers.id)),
    ]


async def test_the_group_is_guild_only_and_hidden_behind_manage_server(
    world: World, start_bot: BotFactory
) -> None:
    async with start_bot():
        drill = next(c for c in world.emu.commands[None] if c["name"] == "drill")
    assert int(drill["default_member_permissions"]) == 32  # MANAGE_GUILD
    assert drill.get("contexts") == [0] or drill.get("dm_permission") is False
    subs = {o["name"] for o in drill["options"]}
    assert subs >= {"setup", "organisers", "pause", "resume", "post-now", "reveal-now"}
    assert subs >= {"status", "audit", "reports", "topics", "pack", "question"}
