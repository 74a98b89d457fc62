"""Point the real discord.py client at the emulator and run it for the length of a block."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import yarl
from discord.ext import commands

from bot.sandbox.emulator import Emulator


@contextlib.contextmanager
def pointed_at(emu: Emulator) -> Iterator[None]:
    """Route REST (incl. interactions and webhooks) and the gateway to the emulator."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def connected(
    bot: commands.Bot,
    emu: Emulator,
    timeout: float = 10.0,  # noqa: ASYNC109 (harness contract)
) -> AsyncIterator[commands.Bot]:
    """Start `bot` against `emu`, wait until it is ready; on exit close it and await its task.

    Give the bot a small `guild_ready_timeout` (e.g. 0.05): discord.py waits that long after
    the last GUILD_CREATE before on_ready.
    """
    with pointed_at(emu):
        task = asyncio.create_task(bot.start(emu.token), name="drillbot-under-test")
        ready = asyncio.ensure_future(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                task.result()  # re-raise the login/connect failure
                raise RuntimeError("bot stopped before it was ready")
            if ready not in done:
                raise TimeoutError(f"bot not ready within {timeout}s against the emulator")
            yield bot
        finally:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)
