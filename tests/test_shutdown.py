"""Stopping with a command in flight: it finishes (or a newcomer is refused cleanly) before
the store closes. Once this logged "Cannot operate on a closed database"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App, build_app
from bot.bank import Bank
from bot.client import EXTENSIONS, RESTARTING, DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.storage import open_store
from tests.conftest import World, eventually
from tests.daily.helpers import configure_world, daily_posts
from tests.support.backends import CLOSED_STORE_ERRORS, url_settings
from tests.support.discord_harness import pointed_at

EPHEMERAL = 64


@pytest.fixture
async def app(emulator: Emulator, clock: FakeClock, bank: Bank, store_url: str) -> App:
    # The app opens (and so closes) its own store, as in production.
    settings = Settings(
        token=Secret(emulator.token),
        **url_settings(store_url),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )
    return await build_app(settings, clock, bank=bank)


@pytest.fixture
async def bot(app: App, emulator: Emulator) -> AsyncIterator[DrillBot]:
    client = DrillBot(app=app, guild_ready_timeout=0.05)
    with pointed_at(emulator):
        task = asyncio.create_task(client.start(emulator.token))
        try:
            await eventually(client.is_ready, timeout=15)
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, timeout=10)


async def test_a_command_in_flight_finishes_before_the_store_closes(
    world: World, app: App, bot: DrillBot, caplog: pytest.LogCaptureFixture
) -> None:
    emu = world.emu
    await configure_world(app.store, world)
    held = emu.hold("/callback")  # Discord sits on the command's first answer (its defer)
    post_now = await world.owner.slash("drill post-now", channel_id=world.channel.id)
    await eventually(lambda: held.waiting == 1)
    assert bot.interactions.in_flight == 1
    closing = asyncio.create_task(bot.close())
    await eventually(lambda: bot.interactions.closing)
    # A member who asks now is told the bot is restarting; their command never runs.
    late = await world["ana"].slash("quiz", {"topic": "cicd"}, channel_id=world.channel.id)
    await eventually(lambda: held.waiting == 2)
    assert not closing.done()  # still waiting for the post-now
    with caplog.at_level(logging.WARNING):
        held.release()
        await asyncio.wait_for(closing, timeout=10)
    # The command did all it set out to: today's question is posted and the organiser told.
    assert len(daily_posts(emu, world.channel.id)) == 1
    followup = await post_now.wait_followup(timeout=1)
    assert followup.content and "Nothing was posted" not in followup.content
    refused = await late.wait_response(timeout=1)
    assert refused["data"]["content"] == RESTARTING
    assert refused["data"]["flags"] & EPHEMERAL
    assert bot.interactions.refused == 1
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == [], [r.getMessage() for r in problems]
    assert "closed database" not in caplog.text


async def test_close_with_nothing_in_flight_closes_the_store_once(
    world: World, app: App, bot: DrillBot
) -> None:
    assert bot.interactions.in_flight == 0
    await asyncio.gather(bot.close(), bot.close())  # e.g. SIGTERM during a Ctrl-C
    assert bot.is_closed()
    with pytest.raises(CLOSED_STORE_ERRORS):
        await app.store.guilds.configured()


async def test_an_answer_being_stored_when_the_bot_stops_is_stored_first(
    world: World, emulator: Emulator, clock: FakeClock, bank: Bank, store_url: str
) -> None:
    settings = Settings(
        token=Secret(emulator.token),
        **url_settings(store_url),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )
    app = await build_app(settings, clock, bank=bank)
    bot = DrillBot(
        app=app,
        extensions=(*EXTENSIONS, "tests.support.slow_listener"),
        guild_ready_timeout=0.05,
    )
    errors: list[str] = []
    with pointed_at(emulator):
        task = asyncio.create_task(bot.start(emulator.token))
        try:
            await eventually(bot.is_ready, timeout=15)
            slow: Any = bot.get_cog("SlowListener")
            await world["ana"].send(world.channel.id, "slow")
            await asyncio.wait_for(slow.started.wait(), timeout=5)
            closing = asyncio.create_task(bot.close())
            await eventually(lambda: closing.done() or bot.stopping == "listeners")
            # The gateway is gone, but the store stays open for the listener in flight.
            assert bot.is_closed() and not closing.done()
            assert await app.store.guilds.configured() == []

            async def on_error(*_args: Any, **_kwargs: Any) -> None:
                errors.append("listener failed")

            bot.on_error = on_error  # type: ignore[method-assign]
            slow.release.set()
            await asyncio.wait_for(closing, timeout=10)
        finally:
            await bot.close()
            await asyncio.wait_for(task, timeout=10)
    assert errors == []
    reopened = await open_store(store_url)
    try:
        actions = [e.action for e in await reopened.guilds.recent_audit(world.guild.id)]
    finally:
        await reopened.close()
    assert actions == ["slow listener"]
