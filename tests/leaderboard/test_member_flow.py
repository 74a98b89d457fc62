"""Stars, the Best answer menu, /away, /stats with its chart, and /privacy through the client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.boards import scoring
from bot.sandbox.emulator.state import Message
from bot.storage import NewAnswer, Store
from tests.conftest import START, BotFactory, World, eventually
from tests.daily.helpers import configure_world
from tests.leaderboard.helpers import attachment, both, buttons, png_size, reply_to, text_of
from tests.leaderboard.history import day, post, reveal
from tests.support.sql import sql


async def answer_in_channel(store: Store, world: World, member: Any, local: str) -> Message:
    """A member's message, stored as their answer to a daily post of ``local``."""
    p = await post(store, local, guild=world.guild.id)
    msg = await member.send(world.channel.id, "Shadow traffic first, then a 5% canary.")
    await store.answers.record(
        [NewAnswer(p.id, world.guild.id, member.id, msg.id, world.channel.id, msg.content, START)]
    )
    await reveal(store, p)
    return msg


async def points(store: Store, guild_id: int, user_id: int) -> int:
    stats = await store.scores.stats(guild_id, user_id)
    return stats.points if stats else 0


def best_answer(world: World, member: Any, msg: Message) -> Any:
    """Apps -> Best answer on a message, as the Discord client sends it."""
    emu = world.emu
    cmd = next(
        c
        for scope in (world.guild.id, None)
        for c in emu.commands.get(scope, [])
        if c["name"] == "Best answer" and c.get("type") == 3
    )
    data = {
        "id": cmd["id"],
        "name": cmd["name"],
        "type": 3,
        "target_id": str(msg.id),
        "resolved": {"messages": {str(msg.id): msg.to_dict(emu.bot_user_id)}},
    }
    return member._start(2, world.channel.id, data)


async def test_stars_from_others_count_once_and_not_from_the_author(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben, cy = world["ana"], world["ben"], world["cy"]
    async with start_bot():
        msg = await answer_in_channel(store, world, ana, "2026-03-01")
        base = await points(store, world.guild.id, ana.id)
        await ana.react(world.channel.id, msg.id, "⭐")  # her own: nothing
        await ben.react(world.channel.id, msg.id, "👍")  # not the star: nothing
        await ben.react(world.channel.id, msg.id, "⭐")
        await cy.react(world.channel.id, msg.id, "⭐")
        want = base + 2 * scoring.STAR_POINTS

        async def settled() -> bool:
            return await points(store, world.guild.id, ana.id) == want

        await eventually(settled)
    rows = await store.db.fetchall(*sql("SELECT giver_id FROM stars ORDER BY giver_id"))
    assert [r[0] for r in rows] == sorted([ben.id, cy.id])
    assert world.emu.errors == []


async def test_best_answer_is_for_organisers_and_pays_once(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben = world["ana"], world["ben"]
    async with start_bot():
        msg = await answer_in_channel(store, world, ana, "2026-03-01")
        base = await points(store, world.guild.id, ana.id)
        refused = await reply_to(best_answer(world, ben, msg))
        assert "Only organisers" in refused.content
        assert await points(store, world.guild.id, ana.id) == base
        first, second = await both(
            reply_to(best_answer(world, world.owner, msg)),
            reply_to(best_answer(world, world.owner, msg)),
        )
        texts = sorted([first.content, second.content])
        assert texts[0].startswith("Marked as the best answer: +5")
        assert "already has the best-answer bonus" in texts[1]
        plain = await ben.send(world.channel.id, "not an answer")
        nope = await reply_to(best_answer(world, world.owner, plain))
        assert "Only an answer in a daily question's thread" in nope.content
    assert await points(store, world.guild.id, ana.id) == base + scoring.BEST_POINTS
    assert world.emu.errors == []


async def test_away_keeps_the_streak_and_refuses_beyond_the_monthly_cap(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    await configure_world(store, world)
    ana = world["ana"]
    guild = world.guild.id
    await day(store, "2026-02-27", ana.id, guild=guild)
    await day(store, "2026-02-28", ana.id, guild=guild)
    async with start_bot():
        reply = await reply_to(await ana.slash("away", {"days": 2}, channel_id=world.channel.id))
        assert "Away on 2 day(s), 2026-03-02 to 2026-03-03" in reply.content
        await day(store, "2026-03-02", guild=guild)  # Ana away, not answering
        await day(store, "2026-03-03", guild=guild)
        clock.advance(timedelta(days=2))
        await day(store, "2026-03-04", ana.id, guild=guild)
        stats = await store.scores.stats(guild, ana.id)
        assert stats is not None and stats.streak == 3
        more = await reply_to(await ana.slash("away", {"days": 14}, channel_id=world.channel.id))
        assert "Away on 5 day(s)" in more.content and "9 day(s) refused: at most 7" in more.content


async def test_stats_sends_a_chart_png_of_a_sensible_size(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana = world["ana"]
    for n in range(10):
        await day(store, f"2026-02-{n + 10:02d}", ana.id, guild=world.guild.id)
    async with start_bot():
        msg = await reply_to(await ana.slash("stats", channel_id=world.channel.id))
        text = text_of(msg)
        assert "**10** daily answers" in text and "rank #1" in text
        assert "Streak: **10** now, best **10**" in text
        assert "CI/CD" in text or "cicd" in text
        filename, png = attachment(world.emu, msg)
        assert filename == "stats.png"
        # The chart inline: a media gallery in the V2 layout shows the attachment.
        gallery = next(c for c in msg.to_dict()["components"][0]["components"] if c["type"] == 12)
        assert gallery["items"][0]["media"]["url"] == msg.attachments[0]["url"]
        assert msg.flags & (1 << 15) and msg.content == "" and not msg.embeds
        assert png_size(png) == (1000, 500)
        assert 5_000 < len(png) < 1_000_000
        ben = await reply_to(
            await world["ben"].slash("stats", {"member": ana.id}, channel_id=world.channel.id)
        )
        assert "**10** daily answers" in text_of(ben)
        await reply_to(await ana.slash("privacy hide", channel_id=world.channel.id))
        hidden = await reply_to(
            await world["ben"].slash("stats", {"member": ana.id}, channel_id=world.channel.id)
        )
        assert "keeps their stats private" in hidden.content
    assert world.emu.errors == []


async def test_forget_asks_first_and_two_confirmations_delete_once(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana = world["ana"]
    await day(store, "2026-02-27", ana.id, world["ben"].id, guild=world.guild.id)
    async with start_bot():
        ask = await reply_to(await ana.slash("privacy forget", channel_id=world.channel.id))
        assert "Sure?" in ask.content
        ids = list(buttons(ask))
        assert ids[0].startswith("drill:forget:yes:")
        assert await points(store, world.guild.id, ana.id) > 0  # nothing deleted yet
        presses = await both(
            ana.click(ask.channel_id, ask.id, ids[0]), ana.click(ask.channel_id, ask.id, ids[0])
        )
        responses = [await p.wait_response() for p in presses]
        kinds = sorted(r["type"] for r in responses)
        assert kinds == [4, 7]  # one edits the prompt, the other is told it was done
        told = next(r for r in responses if r["type"] == 4)
        assert "already carried out" in told["data"]["content"]
        # The confirmation says what is kept, and why.
        done = next(r for r in responses if r["type"] == 7)["data"]["content"]
        assert "Kept:" in done and "audit line that this forget happened" in done
    assert await points(store, world.guild.id, ana.id) == 0
    assert await points(store, world.guild.id, world["ben"].id) > 0
    audit = await store.db.fetchall(
        *sql("SELECT user_id FROM audit_log WHERE action = 'privacy.forget'")
    )
    assert [r[0] for r in audit] == [ana.id]
    assert world.emu.errors == []


async def test_a_best_answer_whose_reply_was_lost_pays_once_when_pressed_again(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana = world["ana"]
    async with start_bot():
        msg = await answer_in_channel(store, world, ana, "2026-03-01")
        base = await points(store, world.guild.id, ana.id)
        # Discord takes the reply, then the proxy answers 502: the bot cannot tell.
        world.emu.fail_after("/callback", status=502)
        lost = best_answer(world, world.owner, msg)
        await lost.wait_response()

        async def paid() -> bool:
            return await points(store, world.guild.id, ana.id) == base + scoring.BEST_POINTS

        await eventually(paid)
        calls = world.emu.calls
        assert any(c.path.endswith("/callback") and c.status == 502 for c in calls)
        again = await reply_to(best_answer(world, world.owner, msg))
        assert "already has the best-answer bonus" in again.content
    assert await points(store, world.guild.id, ana.id) == base + scoring.BEST_POINTS
