"""DrillBot honours the configured endpoints by itself, resumes included."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import discord
import yarl

from bot.app import build_app
from bot.bank import Bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.ops.config import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import configure, configure_world, daily_posts, stored
from tests.support.backends import db_settings

NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def test_bot_uses_configured_endpoints_and_resumes_through_them(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    # Start from discord.py's defaults: only the settings may point the bot at the emulator.
    discord.http.Route.BASE = DISCORD_API_BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(DISCORD_GATEWAY_URL)
    # READY advertises a resume host that is not reachable, as Discord's would be from behind
    # a proxy; the bot must resume through the configured gateway instead.
    emulator.resume_gateway_url = "ws://127.0.0.1:9/unreachable"
    settings = Settings(
        token=Secret(emulator.token),
        **db_settings(store),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )
    app = await build_app(settings, clock, bank=bank, store=store)
    bot = DrillBot(app=app, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(emulator.token))
    try:
        await emulator.wait_ready(timeout=10)
        await eventually(bot.is_ready, timeout=10)
        assert any(c.path.endswith("/users/@me") for c in emulator.calls)
        assert any("/commands" in c.path and c.method == "PUT" for c in emulator.calls)
        await eventually(lambda: bot.ws is not None and str(bot.ws.gateway) == emulator.gateway_url)
        await emulator.drop_gateway(resume_ok=True)
        await eventually(lambda: emulator.gateway.resumes == 1, timeout=10)
        assert len(emulator.gateway.identifies) == 1  # resumed, not re-identified
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
        discord.http.Route.BASE = DISCORD_API_BASE
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(DISCORD_GATEWAY_URL)


async def test_the_bot_posts_when_the_clock_reaches_the_guilds_time_unasked(
    world: World, store: Store, clock: FakeClock, start_bot: BotFactory
) -> None:
    # The dispatcher's alarm is the only thing that wakes the bot.
    await configure_world(store, world)  # 09:00 Berlin; the clock says 07:00 Berlin
    async with start_bot() as bot:
        assert bot.app.daily_job.next_run(world.guild.id) == NINE_BERLIN
        clock.set(NINE_BERLIN - timedelta(seconds=1))
        await asyncio.sleep(0)  # the turn on which a due alarm would ring
        assert bot.jobs.runs == 0 and not bot.app.daily_job.running
        clock.set(NINE_BERLIN)
        await world.emu.wait_until(lambda: daily_posts(world.emu, world.channel.id), timeout=5)
        post = await stored(store, world.guild.id, "2026-03-02")
        # The next bell: this post's reveal (23 h later) comes before tomorrow's post.
        assert post.reveal_at == NINE_BERLIN + timedelta(hours=23)
        await eventually(lambda: not bot.app.daily_job.running)
        clock.set(post.reveal_at)
        await eventually(lambda: _state(store, world.guild.id, "2026-03-02", "revealed"), timeout=5)
        assert len(daily_posts(world.emu, world.channel.id)) == 1


async def _state(store: Store, guild_id: int, local_date: str, state: str) -> bool:
    post = await store.daily.get(guild_id, local_date)
    return post is not None and post.state == state


async def test_through_the_dispatcher_a_held_guild_holds_no_other_and_reruns_once(
    world: World, store: Store, clock: FakeClock, start_bot: BotFactory
) -> None:
    emu = world.emu
    await configure_world(store, world, pin_posts=True)
    other = emu.create_guild("Second group")
    other_channel = other.create_text_channel("daily-question")
    await configure(store, other.id, other_channel.id, other.owner.id)
    # Discord sits on the first guild's pin as it would during a 30 s cooldown.
    pin = emu.hold(f"PUT /channels/{world.channel.id}/messages/pins/", seconds=30)
    async with start_bot() as bot:
        clock.set(NINE_BERLIN)  # the alarm rings; nothing else runs the bot
        try:
            await emu.wait_until(lambda: pin.waiting == 1, what="(the pin was not called)")
            await emu.wait_until(lambda: daily_posts(emu, other_channel.id), timeout=5)
            await eventually(lambda: bot.app.daily_job.running == {world.guild.id})
            # Settings saved twice while the first guild is stuck: one more run, after it.
            runs = bot.jobs.runs
            await bot.app.daily_job.reschedule(world.guild.id)
            await bot.app.daily_job.reschedule(world.guild.id)
            await asyncio.sleep(0)
            assert bot.jobs.runs == runs
        finally:
            pin.release()
        await eventually(lambda: not bot.app.daily_job.running)
        assert bot.jobs.runs == runs + 1
    assert len(daily_posts(emu, world.channel.id)) == 1
    assert len(daily_posts(emu, other_channel.id)) == 1
