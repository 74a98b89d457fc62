"""/drill gaps through the real client: organisers only, a heatmap, nobody hidden named."""

from __future__ import annotations

from bot.bank import Bank
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.daily.helpers import configure_world
from tests.gaps.history import four_weeks
from tests.leaderboard.helpers import attachment, png_size, reply_to, text_of


async def test_organisers_get_the_heatmap_and_the_weakest_areas(
    world: World, store: Store, bank: Bank, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben, cy, dee = (world[n] for n in ("ana", "ben", "cy", "dee"))
    await four_weeks(store, bank, world.guild.id, [ana.id, ben.id, cy.id, dee.id])
    chan = world.channel.id
    async with start_bot():
        refused = await reply_to(await ana.slash("drill gaps", channel_id=chan))
        assert "Only organisers" in refused.content and not refused.attachments
        msg = await reply_to(await world.owner.slash("drill gaps", channel_id=chan))
        text = text_of(msg)
        assert "Gap report · last 4 week(s)" in text
        assert "**1. Model serving and deployment** (topic): 25% answered" in text
        assert "Next week, favour **Model serving and deployment**" in text
        filename, png = attachment(world.emu, msg)
        assert filename == "gaps.png"
        assert png_size(png)[0] == 1000 and 5_000 < len(png) < 1_000_000


async def test_a_hidden_member_is_not_named_in_the_report(
    world: World, store: Store, bank: Bank, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben, cy, dee = (world[n] for n in ("ana", "ben", "cy", "dee"))
    await four_weeks(store, bank, world.guild.id, [ana.id, ben.id, cy.id, dee.id])
    chan = world.channel.id
    async with start_bot():
        shown = text_of(await reply_to(await world.owner.slash("drill gaps", channel_id=chan)))
        assert f"<@{ana.id}>" in shown  # she grades herself best on a weak topic
        await reply_to(await ana.slash("privacy hide", channel_id=chan))
        assert await store.boards.is_hidden(world.guild.id, ana.id)
        hidden = text_of(
            await reply_to(await world.owner.slash("drill gaps", {"weeks": 4}, channel_id=chan))
        )
        assert str(ana.id) not in hidden
        assert "Weakest areas" in hidden


async def test_an_out_of_range_window_gets_a_clear_message(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    async with start_bot():
        msg = await reply_to(
            await world.owner.slash("drill gaps", {"weeks": 5000}, channel_id=world.channel.id)
        )
        assert not msg.attachments and len(msg.content) < 300
        assert "52" in msg.content
