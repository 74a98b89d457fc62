"""Run the bot until interrupted (the `drillbot run` command)."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.client import DrillBot
from bot.config import Settings

log = logging.getLogger(__name__)


def run_bot(settings: Settings) -> int:
    token = settings.require_token()

    async def main() -> None:
        async with DrillBot(settings=settings) as bot:
            await bot.start(token.reveal())

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        log.error("Discord refused the token (check DISCORD_TOKEN)")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error("enable the Message Content intent for the bot in the developer portal")
        return 2
    return 0
