"""An extension whose message listener takes its time, then writes to the store: a member's
answer being stored while the bot is asked to stop."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord.ext import commands

from bot.clock import Clock
from bot.storage import Store


class SlowListener(commands.Cog):
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.content != "slow" or message.guild is None:
            return
        self.started.set()
        await self.release.wait()
        await self.store.guilds.audit(
            message.guild.id, message.author.id, "slow listener", None, "stored", self.clock.now()
        )


async def setup(bot: Any) -> None:
    await bot.add_cog(SlowListener(bot.app.store, bot.app.clock))
