"""/drill gaps: the group's gap report (a heatmap and the weakest areas). Glue over
bot.gaps.service; the subcommand joins the /drill group defined in cogs/drill.py, as /drill
season does."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import DrillError
from bot.gaps.service import MAX_WEEKS, Area, GapReport, GapService
from bot.organiser.service import Organiser
from cogs.checks import require_organiser
from cogs.render import mention

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
COLOUR = discord.Colour(0x5865F2)
NO_PINGS = discord.AllowedMentions.none()


def _figures(area: Area) -> str:
    rate = f"{area.rate:.0%} answered" if area.rate is not None else "no posts"
    grade = f"self-grade {area.grade:.1f}/4" if area.grade is not None else "not graded"
    return f"{rate}, {grade}"


def gaps_embed(report: GapReport) -> discord.Embed:
    """Names only ``Area.ask`` members, which bot.gaps.service never fills with a hidden member.
    Mentions in an embed never ping."""
    embed = discord.Embed(title=f"Gap report · last {report.weeks} week(s)", colour=COLOUR)
    embed.description = (
        f"{report.since.isoformat()} to {report.until.isoformat()}: {report.posts} daily "
        f"post(s), {report.members} member(s) answering."
    )
    lines = []
    for n, area in enumerate(report.weakest, start=1):
        kind = "topic" if area.kind == "topic" else "signal"
        ask = f" · ask {mention(area.ask)}" if area.ask is not None else ""
        lines.append(f"**{n}. {area.name[:60]}** ({kind}): {_figures(area)}{ask}")
    embed.add_field(
        name="Weakest areas",
        value="\n".join(lines)[:1024] or "No answers or self-grades in this window yet.",
        inline=False,
    )
    embed.add_field(name="Suggested focus", value=report.focus[:1024], inline=False)
    embed.set_image(url="attachment://gaps.png")
    embed.set_footer(
        text="Answer rate: answers / (posts x members who answered anything). "
        "Self-grade: 1 Again ... 4 Easy."
    )
    return embed


class GapsCog(commands.Cog):
    def __init__(self, bot: DrillBot, service: GapService, organiser: Organiser) -> None:
        self.bot = bot
        self.service = service
        self.organiser = organiser
        self._command = gaps_command(self)

    async def cog_load(self) -> None:
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            drill.add_command(self._command)
        else:
            log.warning("no /drill group: /drill gaps is not registered")

    async def cog_unload(self) -> None:
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            drill.remove_command(self._command.name)

    async def gaps(self, interaction: discord.Interaction, weeks: int, share: bool) -> None:
        if interaction.guild_id is None:
            raise DrillError("Use this in a server.")
        await interaction.response.defer(ephemeral=not share, thinking=True)
        report = await self.service.report(interaction.guild_id, weeks)
        # matplotlib is CPU-bound: never on the event loop.
        # matplotlib (~40 MB) is loaded by the first chart drawn, never at start.
        from bot.gaps.chart import render_gaps

        png = await asyncio.to_thread(render_gaps, report)
        await interaction.followup.send(
            embed=gaps_embed(report),
            file=discord.File(io.BytesIO(png), filename="gaps.png"),
            ephemeral=not share,
            allowed_mentions=NO_PINGS,
        )


def gaps_command(cog: GapsCog) -> app_commands.Command[Any, ..., Any]:
    async def organisers_only(interaction: discord.Interaction) -> bool:
        await require_organiser(cog.organiser, interaction)
        return True

    @app_commands.command(
        name="gaps", description="Where the group answers least and grades lowest"
    )
    @app_commands.describe(
        weeks="How many weeks back (default 4)",
        share="Post it in the channel for everyone (default: only you see it)",
    )
    @app_commands.check(organisers_only)
    async def gaps(
        interaction: discord.Interaction,
        weeks: app_commands.Range[int, 1, MAX_WEEKS] = 4,
        share: bool = False,
    ) -> None:
        await cog.gaps(interaction, weeks, share)

    return gaps


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(GapsCog(bot, bot.app.gaps, bot.app.organiser))
