"""DrillBot honours the configured endpoints by itself, resumes included."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import yarl

from bot.app import build_app
from bot.bank import Bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.config import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Secret, Settings
from bot.emulator import Emulator
from bot.storage import Store
from tests.conftest import eventually


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
        db_path=store.db.path,
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
