"""The web board through the real client and the emulator: off until an organiser turns it on,
/board hands each member a private link (organisers one with the heatmap), the pages name
members as the bot saw them, and /drill web rotate and off void the links. Plus the settings
and the composition root that serve it."""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_app
from bot.bank import Bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.ops.config import ConfigError, Secret, Settings
from bot.ops.preflight import PreflightError
from bot.sandbox.emulator import Emulator
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import configure_world
from tests.drill.conftest import run, text_of
from tests.leaderboard import history
from tests.support.backends import db_settings
from tests.support.discord_harness import connected
from tests.support.sql import sql


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def web_bot(
    emulator: Emulator, clock: FakeClock, store: Store, bank: Bank, port: int
) -> AsyncIterator[DrillBot]:
    settings = Settings(
        token=Secret(emulator.token),
        **db_settings(store),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
        web_port=port,
    )
    app = await build_app(settings, clock, bank=bank, store=store)
    bot = DrillBot(app=app, guild_ready_timeout=0.05)
    async with connected(bot, emulator, timeout=15) as ready:
        assert isinstance(ready, DrillBot)
        yield ready


async def status_of(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def link_in(text: str) -> str:
    found = re.search(r"<(http://[^>]+)>", text)
    assert found, text
    return found.group(1)


async def test_an_organiser_turns_it_on_members_get_links_and_rotate_voids_them(
    world: World, emulator: Emulator, clock: FakeClock, store: Store, bank: Bank
) -> None:
    ana, ben = world["ana"], world["ben"]
    for local in ("2026-02-27", "2026-03-01"):
        await history.day(store, local, ana.id, ben.id, guild=world.guild.id)
    port = free_port()
    async with web_bot(emulator, clock, store, bank, port):
        off = await run(ana, "board", channel_id=world.channel.id)
        assert "/drill web on" in text_of(off)
        refused = await run(ana, "drill web on", channel_id=world.channel.id)
        assert "Only organisers" in text_of(refused)
        on = await run(world.owner, "drill web on", channel_id=world.channel.id)
        assert "The web board is on" in text_of(on)

        await run(ben, "board", channel_id=world.channel.id)  # the bot sees Ben's name
        mine = await run(ana, "board", channel_id=world.channel.id)
        link = link_in(text_of(mine))
        assert link.startswith(f"http://127.0.0.1:{port}/w/") and str(ana.id) not in link
        status, page = await status_of(link + "?period=all")
        assert status == 200 and "MLOps study group" in page
        assert ">ana <span" in page and ">ben</th>" in page  # names, never ids
        assert str(ben.id) not in page and "Gaps" not in page

        organiser = link_in(text_of(await run(world.owner, "board", channel_id=world.channel.id)))
        assert (await status_of(organiser + "gaps"))[0] == 200

        rotated = await run(world.owner, "drill web rotate", channel_id=world.channel.id)
        assert "no longer works" in text_of(rotated)
        assert (await status_of(link))[0] == 403 and (await status_of(organiser))[0] == 403
        fresh = link_in(text_of(await run(ana, "board", channel_id=world.channel.id)))
        assert (await status_of(fresh))[0] == 200
        await run(world.owner, "drill web off", channel_id=world.channel.id)
        assert (await status_of(fresh))[0] == 403
    audit = await store.db.fetchall(
        *sql("SELECT action FROM audit_log WHERE action LIKE 'web.%' ORDER BY id")
    )
    assert [a[0] for a in audit] == ["web.enabled", "web.rotate", "web.enabled"]


async def test_without_drillbot_web_board_says_so_and_nothing_listens(
    world: World, start_bot: object, store: Store
) -> None:
    async with start_bot() as bot:  # type: ignore[operator]
        assert bot.app.web_server is None
        await run(world.owner, "drill web on", channel_id=world.channel.id)
        reply = await run(world["ana"], "board", channel_id=world.channel.id)
        assert "DRILLBOT_WEB" in text_of(reply)


async def test_a_taken_port_stops_the_start_with_one_line(
    tmp_path: Path, clock: FakeClock, bank: Bank
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(db_path=tmp_path / "d.sqlite3", web_port=port)
        app = await build_app(settings, clock, bank=bank)
        try:
            with pytest.raises(
                PreflightError, match=f"web board cannot listen on 127.0.0.1:{port}"
            ):
                await app.start()
        finally:
            await app.close()


def test_the_settings_read_the_address_and_the_public_url() -> None:
    assert Settings.load({}).web_base is None
    on = Settings.load({"DRILLBOT_WEB": "0.0.0.0:8081"})
    assert (on.web_host, on.web_port, on.web_base) == ("0.0.0.0", 8081, "http://0.0.0.0:8081")
    proxied = Settings.load(
        {"DRILLBOT_WEB": "8081", "DRILLBOT_WEB_URL": "https://drill.example.org/board/"}
    )
    assert proxied.web_base == "https://drill.example.org/board"
    assert Settings.load({"DRILLBOT_WEB": "127.0.0.1:0"}).web_port is None
    with pytest.raises(ConfigError, match="DRILLBOT_WEB must be host:port"):
        Settings.load({"DRILLBOT_WEB": "nowhere:http"})
    with pytest.raises(ConfigError, match="DRILLBOT_WEB_URL"):
        Settings.load({"DRILLBOT_WEB": "8081", "DRILLBOT_WEB_URL": "drill.example.org"})


async def test_an_answer_keeps_its_authors_name_and_other_chatter_does_not(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.advance(hours=2)  # 09:00 in Berlin: the question is posted
        await bot.jobs.idle()
        post = await emu.wait_until(lambda: emu.messages(world.channel.id), timeout=5)
        thread = await emu.wait_until(lambda: emu.channel(post[0].id), timeout=5)
        await world["ana"].send(thread.id, "I would gate the release on offline metrics.")
        await world["ben"].send(world.channel.id, "Lunch anyone?")  # not an answer

        async def answered() -> bool:
            daily = await store.daily.get(world.guild.id, "2026-03-02")
            return daily is not None and bool(await store.answers.for_post(daily.id))

        await eventually(answered)
    # Closing the bot flushed the names it saw (batched off the answer path).
    names = await store.web.names(world.guild.id, [world["ana"].id, world["ben"].id])
    assert names == {world["ana"].id: "ana"}
