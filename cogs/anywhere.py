"""Practice anywhere: which commands a member can use outside the group's server, and whose
state they act on there.

Since 2024 an app can be installed to a member as well as to a server. ``/quiz``, ``/review``,
``/plan`` and ``/stats`` (a member's own) run in a DM with the bot, in group DMs and in servers
where drillbot is not installed, on the member's own state: review cards and plans are keyed
by member, and practice outside a server belongs to no server (the built-in bank, no guild
packs, nothing posted in a channel; every reply is private). Everything else is registered for
servers that installed drillbot only, and says so if it is reached anywhere else
(``DrillTree.interaction_check``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

T = TypeVar("T")

# Groups take these as arguments (a decorator cannot reach a Group's class body).
EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
ANY_INSTALL = app_commands.AppInstallationType(guild=True, user=True)
ANYWHERE_COMMANDS = ("quiz", "review", "plan", "stats")
# The tree's default for every other command: servers that installed drillbot, nowhere else.
SERVER_CONTEXT = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
SERVER_INSTALL = app_commands.AppInstallationType(guild=True, user=False)
SERVER_ONLY = (
    "/{name} works in a server where drillbot is installed. Here you can practise with "
    "/quiz, /review, /plan and /stats."
)


def anywhere(command: T) -> T:
    """Offer a command in every context and through either install."""
    with_installs: Callable[[T], T] = app_commands.allowed_installs(guilds=True, users=True)
    with_contexts: Callable[[T], T] = app_commands.allowed_contexts(
        guilds=True, dms=True, private_channels=True
    )
    return with_contexts(with_installs(command))


def home_guild(interaction: discord.Interaction[Any]) -> int | None:
    """The server whose state a command acts on: the interaction's server if drillbot is
    installed there, otherwise None (a DM, a group DM, a server with only the member's
    install: its channel and members are not ours to touch)."""
    if interaction.guild_id is None or not interaction.is_guild_integration():
        return None
    return interaction.guild_id


def works_here(command: Any, interaction: discord.Interaction[Any]) -> bool:
    """Whether ``command`` may run where ``interaction`` comes from: anything in a server that
    installed drillbot; elsewhere only what is registered for user installs."""
    if interaction.is_guild_integration():
        return True
    root = getattr(command, "root_parent", None) or command
    installs = getattr(root, "allowed_installs", None)
    return bool(installs is not None and installs.user)


async def refused_here(interaction: discord.Interaction[Any]) -> bool:
    """A server-only command reached outside a server with drillbot (an old registration, a
    crafted interaction): tell the member, privately, and say it was refused."""
    if interaction.type is not discord.InteractionType.application_command:
        return False
    command = interaction.command
    if command is None or works_here(command, interaction):
        return False
    root = getattr(command, "root_parent", None) or command
    text = SERVER_ONLY.format(name=root.name)
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)
    return True
