"""/help: every command in one private, paged overview with the group's schedule and the
version; /about: what drillbot is and which version runs here (issue 22.11).

The command list is read from the command tree itself, so a new command shows up here with
no list to keep. Paging is a plain ephemeral view (only the member who asked sees it); it
holds no ids worth protecting, so it is not a persistent button."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot import schedule
from bot.client import DrillBot
from bot.ops.about import drillbot_version
from cogs.render import NO_PINGS, ts

PER_PAGE = 12
PAGE_SECONDS = 600.0
COLOUR = 0x5865F2


def command_lines(tree: app_commands.CommandTree[Any]) -> list[str]:
    """``/name`` and its description for every slash command, subcommands by full name."""
    lines = [
        f"`/{c.qualified_name}` {c.description}"
        for c in tree.walk_commands()
        if isinstance(c, app_commands.Command)
    ]
    return sorted(lines)


async def schedule_text(bot: DrillBot, guild_id: int | None) -> str:
    if guild_id is None:
        return "Daily questions run in a server: add drillbot there and run `/drill setup`."
    status = await bot.app.organiser.status(guild_id)
    settings = status.settings
    if not settings.configured:
        return "Not set up here yet: an organiser runs `/drill setup channel time timezone`."
    days = schedule.format_weekdays(settings.weekdays)
    reveal = schedule.format_reveal(settings.reveal_after_minutes)
    text = (
        f"One question a day in <#{settings.channel_id}> at {settings.post_time} "
        f"{settings.timezone} ({days}), revealed {reveal}."
    )
    if settings.paused:
        return text + " Paused by an organiser for now."
    if status.next_posts:
        text += f" Next post: {ts(status.next_posts[0], 'F')}."
    return text


def help_pages(lines: list[str], schedule_line: str) -> list[discord.Embed]:
    chunks = [lines[i : i + PER_PAGE] for i in range(0, len(lines), PER_PAGE)] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        embed = discord.Embed(title="drillbot: every command", colour=COLOUR)
        if number == 1:
            embed.add_field(name="This server's schedule", value=schedule_line[:1024], inline=False)
        embed.description = "\n".join(chunk)[:4096]
        version = drillbot_version()
        embed.set_footer(
            text=f"Page {number} of {len(chunks)} · drillbot {version} · only you see this"
        )
        pages.append(embed)
    return pages


class Pages(ui.View):
    def __init__(self, pages: list[discord.Embed]) -> None:
        super().__init__(timeout=PAGE_SECONDS)
        self.pages = pages
        self.at = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.at == 0
        self.next.disabled = self.at >= len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction, at: int) -> None:
        self.at = max(0, min(at, len(self.pages) - 1))
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.at], view=self)

    @ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="help:previous")
    async def previous(self, interaction: discord.Interaction, _button: ui.Button[Any]) -> None:
        await self._show(interaction, self.at - 1)

    @ui.button(label="Next", style=discord.ButtonStyle.primary, custom_id="help:next")
    async def next(self, interaction: discord.Interaction, _button: ui.Button[Any]) -> None:
        await self._show(interaction, self.at + 1)


class HelpCog(commands.Cog):
    def __init__(self, bot: DrillBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="help", description="Every drillbot command, this server's schedule, the version"
    )
    async def help(self, interaction: discord.Interaction) -> None:
        line = await schedule_text(self.bot, interaction.guild_id)
        pages = help_pages(command_lines(self.bot.tree), line)
        view = Pages(pages) if len(pages) > 1 else discord.utils.MISSING
        await interaction.response.send_message(
            embed=pages[0], view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="about", description="What drillbot is and which version runs here")
    async def about(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(
            title=f"drillbot {drillbot_version()}",
            colour=COLOUR,
            description=(
                "A daily MLOps-interview question for this study group, revealed with what "
                "it tests, key points and red flags; private practice (`/quiz`, `/review`), "
                "mock interviews (`/mock start`, `/mock history`) and a study plan (`/plan`). "
                "Every command: `/help`."
            ),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(HelpCog(bot))
