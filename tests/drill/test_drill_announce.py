"""/drill pin and /drill ping set what the daily post does, and two organisers pressing the
same change at once give one change and one "unchanged"."""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox.emulator.layouts import texts
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.drill.conftest import reply_to, run, text_of


async def test_pin_and_ping_are_set_from_discord_and_shape_the_daily_post(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan, owner, role = world.channel.id, world.owner, world.organisers
    async with start_bot() as bot:
        # Set before /drill setup: the post is due at once (06:00 on a Monday at 06:00).
        pinned = await run(owner, "drill pin", {"on": True}, channel_id=chan)
        assert pinned.content == "Each day's question is pinned, and the day before's unpinned."
        pinged = await run(owner, "drill ping", {"role": role.id}, channel_id=chan)
        assert pinged.content.startswith(f"Each daily question pings <@&{role.id}>.\n")
        # The emulator's role is not mentionable and the bot may not mention every role.
        assert "make the role mentionable, or nobody is pinged" in pinged.content
        again = await run(owner, "drill ping", {"role": role.id}, channel_id=chan)
        assert "(unchanged)" in again.content
        await run(owner, "drill setup", {"channel": chan, "time": "06:00", "timezone": "UTC"},
                  channel_id=chan)  # fmt: skip
        status = text_of(await run(owner, "drill status", channel_id=chan))
        assert f"pinned · pings <@&{role.id}>" in status

        assert bot.daily is not None
        await bot.jobs.idle()
        (post,) = await world.emu.wait_until(lambda: world.emu.messages(chan), timeout=5)
        await world.emu.wait_until(lambda: post.pinned, timeout=5)
    # A V2 post pings from its first text display (Discord honours allowed_mentions there).
    assert post.content == "" and texts(post.components)[0] == f"<@&{role.id}>"
    sent = next(c for c in world.emu.calls if c.method == "POST" and c.path.endswith(
        f"/channels/{chan}/messages"))  # fmt: skip
    assert [int(r) for r in sent.json["allowed_mentions"]["roles"]] == [role.id]
    settings = await store.guilds.get(world.guild.id)
    assert settings is not None and settings.pin_posts and settings.ping_role_id == role.id
    actions = [e.action for e in await store.guilds.recent_audit(world.guild.id)]
    assert {"set ping_role_id", "set pin_posts"} <= set(actions)


async def test_pinning_without_pin_messages_is_saved_with_a_warning(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan, owner = world.channel.id, world.owner
    world.guild.deny_bot(chan, "PIN_MESSAGES")
    async with start_bot():
        await run(owner, "drill setup", {"channel": chan, "time": "06:00", "timezone": "UTC"},
                  channel_id=chan)  # fmt: skip
        pinned = await run(owner, "drill pin", {"on": True}, channel_id=chan)
        assert f"I need **Pin Messages** in <#{chan}> to pin." in pinned.content
        off = await run(owner, "drill pin", {"on": False}, channel_id=chan)
        assert off.content == "Daily questions are no longer pinned."
        nobody = await run(owner, "drill ping", channel_id=chan)
        assert nobody.content == "Daily questions ping nobody. (unchanged)"
        everyone = await run(owner, "drill ping", {"role": world.guild.id}, channel_id=chan)
        assert "@everyone is not pinged" in everyone.content
    settings = await store.guilds.get(world.guild.id)
    assert settings is not None and not settings.pin_posts and settings.ping_role_id is None


async def test_two_pauses_at_once_change_once(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    chan, owner = world.channel.id, world.owner
    async with start_bot():
        await run(owner, "drill setup", {"channel": chan, "time": "06:00", "timezone": "UTC"},
                  channel_id=chan)  # fmt: skip
        first, second = await asyncio.gather(
            owner.slash("drill pause", channel_id=chan), owner.slash("drill pause", channel_id=chan)
        )
        told = sorted([(await reply_to(first)).content, (await reply_to(second)).content])
    assert told == ["Already paused.", "Paused: no daily questions until `/drill resume`."]
    actions = [e.action for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions.count("set paused") == 1


async def test_two_imports_claiming_one_id_at_once_store_one(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    from tests.drill.packs import GOOD_PACK

    chan, owner = world.channel.id, world.owner
    # A pack that is valid on its own (its onboarding-001 is in its own topic), so whichever
    # import is checked first succeeds and the other is refused for the id alone.
    other = GOOD_PACK.replace("pack: team-extra", "pack: team-other").replace(
        "onboarding-002", "other-002"
    ).replace("slug: onboarding\n    name: Team onboarding\n    aliases: [onboard]",
              "slug: other\n    name: Other").replace(
        "topic: onboarding", "topic: other")  # fmt: skip
    async with start_bot():
        first, second = await asyncio.gather(
            owner.slash("drill pack import", {"file": ("a.yaml", GOOD_PACK.encode())},
                        channel_id=chan),
            owner.slash("drill pack import", {"file": ("b.yaml", other.encode())},
                        channel_id=chan),
        )  # fmt: skip
        told = sorted([(await reply_to(first)).content, (await reply_to(second)).content])
        listed = text_of(await run(owner, "drill pack list", channel_id=chan))
    # Both define onboarding-001: whichever was checked second saw the first one stored.
    assert told[0].startswith("Imported pack **team-")
    assert (
        told[1].startswith("Pack not imported")
        and "'onboarding-001': id is already used" in (told[1])
    )
    assert len(await store.guilds.packs(world.guild.id)) == 1
    assert listed.count("**team-") == 1


@pytest.mark.parametrize(
    ("command", "options", "action", "unchanged"),
    [
        ("drill topics disable", {"topic": "k8s"}, "topic containers", "(it already was)"),
        ("drill question disable", {"id": "cicd-001"}, "question cicd-001", "(it already was)"),
        ("drill pin", {"on": True}, "set pin_posts", "(unchanged)"),
        ("drill organisers", {"role": "ROLE"}, "set organiser_role_id", "(unchanged)"),
    ],
    ids=["topic", "question", "pin", "organisers"],
)
async def test_the_same_change_twice_at_once_is_made_and_audited_once(
    world: World,
    store: Store,
    start_bot: BotFactory,
    command: str,
    options: dict[str, object],
    action: str,
    unchanged: str,
) -> None:
    chan, owner = world.channel.id, world.owner
    options = {k: world.organisers.id if v == "ROLE" else v for k, v in options.items()}
    async with start_bot():
        first, second = await asyncio.gather(
            owner.slash(command, options, channel_id=chan),
            owner.slash(command, options, channel_id=chan),
        )
        told = [(await reply_to(first)).content, (await reply_to(second)).content]
    assert sum(unchanged in text for text in told) == 1
    actions = [e.action for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions == [action]


async def test_two_removes_of_one_pack_at_once_remove_it_once(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    from tests.drill.packs import GOOD_PACK

    chan, owner = world.channel.id, world.owner
    async with start_bot():
        await run(owner, "drill pack import", {"file": ("team.yaml", GOOD_PACK.encode())},
                  channel_id=chan)  # fmt: skip
        first, second = await asyncio.gather(
            owner.slash("drill pack remove", {"name": "team-extra"}, channel_id=chan),
            owner.slash("drill pack remove", {"name": "team-extra"}, channel_id=chan),
        )
        told = sorted([(await reply_to(first)).content, (await reply_to(second)).content])
    assert told == [
        "Removed pack **team-extra** (2 question(s)).",
        "This server has no pack named 'team-extra'.",
    ]
    actions = [e.action for e in await store.guilds.recent_audit(world.guild.id)]
    assert actions == ["pack team-extra", "pack team-extra"]  # imported, then removed once
    assert await store.guilds.packs(world.guild.id) == []


async def test_manage_messages_no_longer_pins_as_on_discord_since_february_2026(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    """Pinning takes Pin Messages (1 << 51); a bot with Manage Messages but not Pin Messages
    is warned by /drill pin and /drill status, and Discord (the emulator) refuses the pin
    while the post itself goes out."""
    chan, owner = world.channel.id, world.owner
    world.guild.allow_bot(chan, "MANAGE_MESSAGES")
    world.guild.deny_bot(chan, "PIN_MESSAGES")
    async with start_bot():
        await run(owner, "drill setup", {"channel": chan, "time": "23:00", "timezone": "UTC"},
                  channel_id=chan)  # fmt: skip
        pinned = await run(owner, "drill pin", {"on": True}, channel_id=chan)
        assert f"I need **Pin Messages** in <#{chan}> to pin." in pinned.content
        status = text_of(await run(owner, "drill status", channel_id=chan))
        assert "Pin Messages" in status and "Manage Messages" not in status
        await run(owner, "drill post-now", channel_id=chan)
        (post,) = await world.emu.wait_until(lambda: world.emu.messages(chan), timeout=5)
        refused = await world.emu.wait_until(
            lambda: [c for c in world.emu.calls if c.method == "PUT" and "/pins/" in c.path],
            timeout=5,
        )
    assert refused[0].status == 403 and not post.pinned
