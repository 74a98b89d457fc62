"""/leaderboard through the real client: top 10, the caller's rank, paging, timezones."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import configure_world
from tests.leaderboard.helpers import board_text, both, buttons, reply_to, seed, text_of
from tests.leaderboard.history import day

DATES = [f"2026-02-{d:02d}" for d in range(13, 27)]  # 14 days before START (2 March)


def edited(emu: Any, token: str) -> bool:
    return any(c.method == "PATCH" and token in c.path for c in emu.calls)


async def test_top_10_pages_and_the_callers_rank_outside_the_top_10(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    members = [world.guild.add_member(f"member{k:02d}") for k in range(14)]
    await seed(store, world.guild.id, DATES, members)
    last = members[0]  # answered once: rank 14
    async with start_bot():
        inter = await last.slash("leaderboard", {"period": "all"}, channel_id=world.channel.id)
        board = await reply_to(inter)
        text = text_of(board)
        assert text.index("member13") < text.index("member12") < text.index("member04")
        assert "**1.** member13 · **" in text and "member03" not in text.split("\nYou")[0]
        assert "**14.** member00 · **13** pts · 1 answer" in text  # the You field
        assert buttons(board) == {"drill:board:0:all": True, "drill:board:1:all": False}
        # Two presses of Next at once: both answered, the page shown once.
        presses = await both(
            last.click(board.channel_id, board.id, "drill:board:1:all"),
            last.click(board.channel_id, board.id, "drill:board:1:all"),
        )
        for press in presses:
            assert (await press.wait_response())["type"] == 6
        # The newer press edits the board; an older one still running when the Previous below
        # arrives leaves the board alone (the newest press's page is the one left showing).
        await eventually(lambda: any(edited(world.emu, press.token) for press in presses))
        await eventually(lambda: "Page 2" in board_text(world.emu, board))
        page2 = board_text(world.emu, board)
        assert "**11.** member03" in page2 and "**14.** member00" in page2
        assert "member13" not in page2.split("\nYou")[0]
        await last.click(board.channel_id, board.id, "drill:board:0:all")
        await eventually(lambda: "**1.** member13" in board_text(world.emu, board))
    assert world.emu.errors == []


async def test_the_newest_page_press_is_the_page_left_showing_whatever_finishes_first(
    world: World, store: Store, start_bot: BotFactory, monkeypatch: Any
) -> None:
    await configure_world(store, world)
    members = [world.guild.add_member(f"member{k:02d}") for k in range(25)]  # three pages
    await seed(store, world.guild.id, DATES, members)
    me = members[0]
    async with start_bot() as bot:
        service, cog = bot.app.leaderboard, bot.get_cog("LeaderboardCog")
        real_board, real_turn = service.board, cog.turn_page
        slow, finished = asyncio.Event(), []

        async def board(guild_id: int, user_id: int, scope: str, page: int = 0) -> Any:
            if page == 2:
                await slow.wait()  # the Next press is slow to read its page
            return await real_board(guild_id, user_id, scope, page)

        async def turn_page(interaction: Any, scope: str, page: int) -> None:
            await real_turn(interaction, scope, page)
            finished.append(page)

        monkeypatch.setattr(service, "board", board)
        monkeypatch.setattr(cog, "turn_page", turn_page)
        msg = await reply_to(
            await me.slash("leaderboard", {"period": "all"}, channel_id=world.channel.id)
        )
        first = await me.click(msg.channel_id, msg.id, "drill:board:1:all")
        await first.wait_response()
        await eventually(lambda: finished == [1] and "Page 2" in board_text(world.emu, msg))
        older = await me.click(msg.channel_id, msg.id, "drill:board:2:all")  # slow
        assert (await older.wait_response())["type"] == 6
        newer = await me.click(msg.channel_id, msg.id, "drill:board:0:all")  # changed my mind
        assert (await newer.wait_response())["type"] == 6
        await eventually(lambda: finished == [1, 0])
        slow.set()  # the older press finishes after the newer one
        await eventually(lambda: finished == [1, 0, 2])
        assert not edited(world.emu, older.token)  # it found a newer press and left the board
        shown = board_text(world.emu, msg)
        assert "Page 1 ·" in shown and "Page 3" not in shown
    assert world.emu.errors == []


async def test_a_hostile_page_button_is_refused_without_an_error(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana = world["ana"]
    async with start_bot():
        board = await reply_to(
            await ana.slash("leaderboard", {"period": "all"}, channel_id=world.channel.id)
        )
        assert "Nobody has points" in text_of(board)
        assert "no points on this board" in text_of(board)
        cooking = await reply_to(
            await ana.slash("leaderboard", {"topic": "cooking" * 14}, channel_id=world.channel.id)
        )
        assert cooking.content.startswith("No topic matches") and len(cooking.content) < 2000
        assert not cooking.embeds
        # A forged custom id (another scope shape) is refused in a sentence.
        board.components[0]["components"][1].update(
            custom_id="drill:board:9999:t:x|DROP;TABLE", disabled=False
        )
        press = await ana.click(board.channel_id, board.id, "drill:board:9999:t:x|DROP;TABLE")
        await press.wait_response()
        refusal = await press.wait_followup()
        assert "does not exist" in refusal.content
    assert world.emu.errors == []


async def test_week_boards_follow_each_guilds_timezone_and_week_start(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    # START is Monday 2 March 06:00 UTC: already Monday evening in Auckland, still Sunday
    # evening in Los Angeles.
    other = world.emu.create_guild("Pacific study group")
    channel = other.create_text_channel("daily")
    await configure_world(store, world, tz="Pacific/Auckland")
    await store.guilds.update(
        other.id, world.owner.id, clock.now(), channel_id=channel.id, timezone="America/Los_Angeles"
    )
    ana, pat = world["ana"], other.add_member("pat")
    await day(store, "2026-03-01", ana.id, guild=world.guild.id)  # Sunday
    await day(store, "2026-03-02", ana.id, world["ben"].id, guild=world.guild.id)  # Monday
    await day(store, "2026-03-01", pat.id, guild=other.id)
    await day(store, "2026-03-02", pat.id, guild=other.id)

    async def week(member: object, channel_id: int, **extra: object) -> str:
        inter = await member.slash(
            "leaderboard", {"period": "week", **extra}, channel_id=channel_id
        )  # type: ignore[attr-defined]
        return text_of(await reply_to(inter))

    async with start_bot():
        auckland = await week(ana, world.channel.id)
        assert "Week of 2026-03-02" in auckland and "**1.** ana · **14** pts · 1 answer" in auckland
        la = await week(pat, channel.id)
        assert "Week of 2026-02-23" in la and "**1.** pat · **13** pts · 1 answer" in la
        clock.advance(timedelta(hours=12))  # Monday morning in Los Angeles
        la = await week(pat, channel.id)
        assert "Week of 2026-03-02" in la and "**1.** pat · **14** pts · 1 answer" in la
        last_week = await week(pat, channel.id, back=1)
        assert "Week of 2026-02-23" in last_week and "pat · **13** pts" in last_week
        # Organisers start Auckland's weeks on Sunday: Sunday and Monday are one week now.
        owner = world.owner
        done = await reply_to(
            await owner.slash("drill week-start", {"day": "sunday"}, channel_id=world.channel.id)
        )
        assert "Sunday" in done.content
        auckland = await week(ana, world.channel.id)
        assert "Week of 2026-03-01" in auckland and "ana · **27** pts · 2 answers" in auckland
    assert await store.scores.totals(world.guild.id) == await store.scores.recompute_totals(
        world.guild.id
    )


async def test_names_discord_is_slow_to_give_or_refuses_do_not_hold_the_board(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    await configure_world(store, world)
    ana, ben, cy, dee = (world[n] for n in ("ana", "ben", "cy", "dee"))
    await seed(store, world.guild.id, DATES[:4], [dee, cy, ben, ana])
    emu = world.emu
    async with start_bot() as bot:
        cog = bot.get_cog("LeaderboardCog")
        assert cog is not None
        cog.name_timeout = 0.3  # type: ignore[attr-defined]
        emu.fail_next(f"/members/{ben.id}", status=404)  # left the server
        held = emu.hold(f"/members/{cy.id}")  # Discord sits on it
        emu.force_429(f"/members/{dee.id}", retry_after=0.05)  # waited out, then answered
        board = await reply_to(
            await ana.slash("leaderboard", {"period": "all"}, channel_id=world.channel.id)
        )
        held.release()
        text = text_of(board)
        assert "**1.** ana · " in text
        assert "**2.** a former member · " in text
        assert f"**3.** <@{cy.id}> · " in text
        assert "**4.** dee · " in text
    sent = [c for c in emu.calls if c.path.startswith("/webhooks/") and c.json]
    assert sent and all(c.json.get("allowed_mentions") == {"parse": []} for c in sent[-1:])
