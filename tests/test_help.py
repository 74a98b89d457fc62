"""/help and /about (issue 22.11): every command in one private, paged overview, the group's
schedule and the version."""

from __future__ import annotations

from bot.ops.about import drillbot_version
from tests.conftest import BotFactory, World
from tests.drill.conftest import run, text_of


async def test_help_is_private_paged_and_names_every_command_and_the_schedule(
    world: World, start_bot: BotFactory
) -> None:
    chan, owner, ana = world.channel.id, world.owner, world["ana"]
    async with start_bot() as bot:
        await run(owner, "drill setup",
                  {"channel": chan, "time": "09:00", "timezone": "Europe/Berlin"},
                  channel_id=chan)  # fmt: skip
        first = await run(ana, "help", channel_id=chan)  # run() asserts it is ephemeral
        shown = text_of(first)
        assert f"<#{chan}> at 09:00 Europe/Berlin" in shown and "Next post: <t:" in shown
        assert f"drillbot {drillbot_version()}" in shown and "Page 1 of " in shown
        pages = int(shown.split("Page 1 of ")[1].split(" ")[0])
        seen = [shown]
        for _ in range(pages - 1):
            press = await ana.click(chan, first.id, "help:next")
            await press.wait_response(5)
            seen.append(text_of(world.emu.message(chan, first.id) or first))
        everything = "\n".join(seen)
        names = [c.qualified_name for c in bot.tree.walk_commands() if hasattr(c, "callback")]
        missing = [n for n in names if f"`/{n}`" not in everything]
        assert missing == []
        assert "`/help`" in everything and "`/plan today`" in everything
        # One naming scheme (issue 22.11): the mock commands are a group, as /plan is.
        assert "`/mock start`" in everything and "`/mock history`" in everything
        assert not [n for n in names if "-history" in n or n.startswith("mock-")]


async def test_about_says_what_and_which_version(world: World, start_bot: BotFactory) -> None:
    async with start_bot():
        about = await run(world["ana"], "about", channel_id=world.channel.id)
    assert f"drillbot {drillbot_version()}" in text_of(about)
    assert "`/mock start`" in text_of(about) and "`/mock history`" in text_of(about)
