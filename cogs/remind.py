"""/remind daily on|off, and the Discord side of nudges (bot/nudge/): the DM, finding it again
after a crash, and the organisers' role ping in the thread."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.nudge.job import NudgeJob
from bot.nudge.service import DEFAULT_HOURS, NudgeCard, NudgeService
from cogs.daily import translated
from cogs.render import NO_PINGS, refusals, reply, ts

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
COLOUR = discord.Colour(0x5865F2)


def nudge_embed(card: NudgeCard) -> discord.Embed:
    link = f"https://discord.com/channels/{card.guild_id}/{card.channel_id}"
    embed = discord.Embed(
        title="Today's question is still open",
        description=card.prompt,
        colour=COLOUR,
    )
    embed.add_field(
        name="Answer", value=f"[In the thread]({link}) · the reveal is {ts(card.reveal_at)}"
    )
    embed.set_footer(text=f"{card.marker} · /remind daily off stops these")
    return embed


class DiscordNudges:
    """``bot.nudge.service.NudgePort`` over discord.py."""

    def __init__(self, bot: DrillBot) -> None:
        self.bot = bot

    async def _dm(self, user_id: int) -> discord.DMChannel:
        user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
        return user.dm_channel or await user.create_dm()

    async def send_dm(self, user_id: int, card: NudgeCard, nonce: str) -> bool:
        async with translated("sending a nudge"):
            try:
                channel = await self._dm(user_id)
                await channel.send(embed=nudge_embed(card), nonce=nonce, allowed_mentions=NO_PINGS)
            except discord.Forbidden:
                return False  # DMs closed or the bot blocked: never retried
        return True

    async def dm_sent(self, user_id: int, marker: str, after: datetime | None) -> bool:
        async with translated("looking for a nudge"):
            channel = await self._dm(user_id)
            me = self.bot.user.id if self.bot.user else 0
            since = discord.Object(discord.utils.time_snowflake(after)) if after else None
            # Bounded by time, not by count: every message since the claim.
            async for message in channel.history(limit=None, after=since, oldest_first=True):
                footer = message.embeds[0].footer.text if message.embeds else None
                if message.author.id == me and footer and footer.startswith(marker):
                    return True
        return False

    async def ping_role(self, channel_id: int, role_id: int, card: NudgeCard, nonce: str) -> int:
        async with translated("pinging the nudge role"):
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            assert isinstance(channel, discord.abc.Messageable)
            message = await channel.send(
                f"<@&{role_id}> today's question is still open: the reveal is "
                f"{ts(card.reveal_at)}.",
                embed=discord.Embed(colour=COLOUR).set_footer(text=card.marker),
                nonce=nonce,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(role_id)]
                ),
            )
            return message.id


@app_commands.guild_only()
class RemindCog(commands.GroupCog, group_name="remind", description="Reminders for you"):
    daily = app_commands.Group(
        name="daily", description="A DM before the reveal if you have not answered yet"
    )

    def __init__(self, service: NudgeService, job: NudgeJob) -> None:
        self.service, self.job = service, job
        super().__init__()

    @daily.command(name="on", description="A DM before the reveal if you have not answered")
    @app_commands.describe(hours_before="Hours before the reveal (default 2)")
    async def on(
        self,
        interaction: discord.Interaction,
        hours_before: app_commands.Range[int, 1, 23] = DEFAULT_HOURS,
    ) -> None:
        async with refusals(interaction):
            assert interaction.guild_id is not None
            await self.service.turn_on(interaction.guild_id, interaction.user.id, hours_before)
            self.job.changed(interaction.guild_id)
            await reply(
                interaction,
                f"On: if you have not answered the daily question {hours_before} hour(s) before "
                "its reveal, I send you one DM (never if you are away or hidden). "
                "`/remind daily off` stops it.",
            )

    @daily.command(name="off", description="No more DMs before the reveal")
    async def off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        was_on = await self.service.turn_off(interaction.guild_id, interaction.user.id)
        self.job.changed(interaction.guild_id)
        await reply(interaction, "Off: no more nudges." if was_on else "They were off already.")


async def setup(bot: DrillBot) -> None:
    bot.app.nudges.plug(DiscordNudges(bot))
    await bot.add_cog(RemindCog(bot.app.nudges, bot.app.nudge_job))
