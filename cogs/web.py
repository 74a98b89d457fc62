"""/board (a private link to the web board) and /drill web on|off|rotate (organisers), plus
the display names the pages show: each interaction's member, as Discord names them here.
Glue over bot.web.service; the pages themselves are served by bot/web/server.py."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.organiser.service import Organiser
from bot.web.names import NameBook
from bot.web.service import Link, WebBoards
from cogs.checks import is_organiser, require_organiser
from cogs.render import refusals, reply, ts

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)


def link_text(link: Link) -> str:
    what = "Your organiser link (boards, your progress and the gap heatmap)"
    if not link.organiser:
        what = "Your link to the boards and your own progress"
    return (
        f"{what}, valid until {ts(link.expires, 'f')}:\n<{link.url}>\n"
        "It is yours alone: anyone with it sees what you see. `/drill web rotate` voids every link."
    )


def guild_name(interaction: discord.Interaction) -> str:
    return interaction.guild.name if interaction.guild is not None else ""


class WebCog(commands.Cog):
    def __init__(
        self, bot: DrillBot, web: WebBoards, names: NameBook, organiser: Organiser
    ) -> None:
        self.bot, self.web, self.names, self.organiser = bot, web, names, organiser
        self._group = web_group(self)

    async def cog_load(self) -> None:
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            drill.add_command(self._group)
        else:
            log.warning("no /drill group: /drill web is not registered")

    async def cog_unload(self) -> None:
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            drill.remove_command(self._group.name)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        user = interaction.user
        if interaction.guild_id is not None and isinstance(user, discord.Member):
            self.names.seen(interaction.guild_id, user.id, user.display_name)

    @app_commands.command(name="board", description="A private link to the web board")
    @app_commands.guild_only()
    async def board(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            assert interaction.guild_id is not None  # guild_only
            organiser = await is_organiser(self.organiser, interaction)
            link = await self.web.link(
                interaction.guild_id, interaction.user.id, organiser, guild_name(interaction)
            )
            await reply(interaction, link_text(link))

    async def switch(self, interaction: discord.Interaction, action: str) -> None:
        async with refusals(interaction):
            guild_id, user_id = interaction.guild_id, interaction.user.id
            assert guild_id is not None  # /drill is guild-only
            if action == "on":
                changed = await self.web.turn_on(guild_id, user_id, guild_name(interaction))
                text = "The web board is on" if changed else "The web board was on already"
                text += ": members get their link with `/board`."
            elif action == "off":
                changed = await self.web.turn_off(guild_id, user_id, guild_name(interaction))
                text = "The web board is off; every link now shows a refusal."
                if not changed:
                    text = "The web board was off already."
            else:
                await self.web.rotate(guild_id, user_id)
                text = "Every link handed out so far no longer works; `/board` gives new ones."
            await reply(interaction, text)


def web_group(cog: WebCog) -> app_commands.Group:
    group = app_commands.Group(name="web", description="The web board: on, off, or void all links")

    async def organisers_only(interaction: discord.Interaction) -> bool:
        await require_organiser(cog.organiser, interaction)
        return True

    @group.command(name="on", description="Turn the web board on (members get links by /board)")
    @app_commands.check(organisers_only)
    async def on(interaction: discord.Interaction) -> None:
        await cog.switch(interaction, "on")

    @group.command(name="off", description="Turn the web board off: every link is refused")
    @app_commands.check(organisers_only)
    async def off(interaction: discord.Interaction) -> None:
        await cog.switch(interaction, "off")

    @group.command(name="rotate", description="Void every link handed out so far")
    @app_commands.check(organisers_only)
    async def rotate(interaction: discord.Interaction) -> None:
        await cog.switch(interaction, "rotate")

    return group


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(WebCog(bot, bot.app.web, bot.app.names, bot.app.organiser))
