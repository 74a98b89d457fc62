"""/drill digest (organisers): the weekly digest's day and time, and the digest as members see it.
Glue over bot.digest.service: the core decides what is in it and when; this words it."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.digest.rules import Digest, sparkline
from bot.digest.service import DigestService
from bot.organiser.service import Organiser
from cogs.checks import require_organiser
from cogs.daily import translated
from cogs.render import NO_PINGS, mention, refusals, reply, ts

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
COLOUR = 0x5865F2
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _span(week: str, until: str) -> str:
    start, end = date.fromisoformat(week), date.fromisoformat(until)
    return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"


def digest_embed(digest: Digest, marker: str) -> discord.Embed:
    """The digest as one embed: bounded lists, so it fits for any group size."""
    embed = discord.Embed(
        title=f"Weekly digest · {_span(digest.week, digest.until)}", colour=COLOUR
    )
    if digest.answers:
        embed.description = (
            f"{digest.posts} question(s), {digest.answers} answer(s) last week\n"
            f"`{sparkline(digest.per_day)}` answers per day, Monday to Sunday"
        )
    else:
        embed.description = "Nobody answered last week: today is a good day to start again."
    if digest.top:
        lines = [
            f"{i}. {mention(user)} · {points} pts" for i, (user, points) in enumerate(digest.top, 1)
        ]
        embed.add_field(name="Top 5", value="\n".join(lines), inline=False)
    if digest.improved:
        user, gain = digest.improved
        embed.add_field(
            name="Most improved", value=f"{mention(user)} · +{gain} pts on the week before"
        )
    if digest.streaks:
        alive = " · ".join(f"{mention(user)} {days}" for user, days in digest.streaks)
        embed.add_field(name="Streaks still alive", value=alive, inline=False)
    if digest.hardest:
        hard = digest.hardest
        prompt = hard.prompt if len(hard.prompt) <= 300 else hard.prompt[:299] + "…"
        embed.add_field(
            name="The question the group found hardest",
            value=f"{prompt}\n(average self-grade {hard.grade:.1f} of 4, {hard.graded} grade(s))",
            inline=False,
        )
    if digest.weakest and digest.focus:
        embed.add_field(
            name="Next week's focus",
            value=f"{digest.weakest}, the group's weakest topic: `/quiz {digest.focus}`",
            inline=False,
        )
    embed.set_footer(text=marker)
    return embed


class DigestCog(commands.Cog):
    def __init__(self, bot: DrillBot, service: DigestService, organiser: Organiser) -> None:
        self.bot, self.service, self.organiser = bot, service, organiser
        self._command = digest_command(self)

    async def cog_load(self) -> None:
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            drill.add_command(self._command)
        else:
            log.warning("no /drill group: /drill digest is not registered")

    async def cog_unload(self) -> None:
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            drill.remove_command(self._command.name)

    async def send(self, channel_id: int, digest: Digest, nonce: str, marker: str) -> int:
        """The port the core sends through (plugged in at load)."""
        async with translated("posting the weekly digest"):
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            assert isinstance(channel, discord.abc.Messageable)
            message = await channel.send(
                embed=digest_embed(digest, marker), nonce=nonce, allowed_mentions=NO_PINGS
            )
            return message.id

    async def configure(self, interaction: discord.Interaction, day: str, time: str) -> None:
        async with refusals(interaction):
            guild_id = interaction.guild_id
            assert guild_id is not None  # /drill is guild-only
            if day == "off":
                was_on = await self.service.off(guild_id, interaction.user.id)
                text = "The weekly digest is off." if was_on else "The weekly digest was off."
            else:
                first = await self.service.configure(guild_id, interaction.user.id, day, time)
                text = (
                    "The weekly digest of the week before goes to the question channel every"
                    f" {day.capitalize()} at {time}, the server's time. First: {ts(first, 'F')}."
                )
            await self.bot.app.digest_job.changed(guild_id)
            await reply(interaction, text)


def digest_command(cog: DigestCog) -> app_commands.Command[Any, ..., Any]:
    async def organisers_only(interaction: discord.Interaction) -> bool:
        await require_organiser(cog.organiser, interaction)
        return True

    @app_commands.command(name="digest", description="The weekly digest: its day and time, or off")
    @app_commands.describe(
        day="The day it is posted (or off)", time="24-hour HH:MM, the server's time zone"
    )
    @app_commands.choices(
        day=[app_commands.Choice(name=d, value=d) for d in (*DAYS, "off")],
    )
    @app_commands.check(organisers_only)
    async def digest(interaction: discord.Interaction, day: str, time: str = "09:00") -> None:
        await cog.configure(interaction, day, time)

    return digest


async def setup(bot: DrillBot) -> None:
    cog = DigestCog(bot, bot.app.digest, bot.app.organiser)
    bot.app.digest.plug(cog.send)
    await bot.add_cog(cog)
