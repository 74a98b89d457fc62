"""One organiser check for every cog: the rule is the organiser service's (Manage Server or the
organiser role), asked the same way by /drill, /drill gaps, /drill season and Best answer."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.organiser.service import NOT_ORGANISER, Organiser


class OrganisersOnly(app_commands.CheckFailure):
    """Shown as is, ephemerally, by DrillTree.on_error."""


async def is_organiser(organiser: Organiser, interaction: discord.Interaction) -> bool:
    user = interaction.user
    if interaction.guild_id is None or not isinstance(user, discord.Member):
        return False
    return await organiser.can_organise(
        interaction.guild_id, interaction.permissions.manage_guild, [r.id for r in user.roles]
    )


async def require_organiser(
    organiser: Organiser, interaction: discord.Interaction, refusal: str = NOT_ORGANISER
) -> None:
    if not await is_organiser(organiser, interaction):
        raise OrganisersOnly(refusal)
