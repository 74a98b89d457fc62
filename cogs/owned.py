"""The glue side of bot/ownership.py: every press of one of our buttons (cogs/buttons.py
``Press``, against the kind each declares) and every submit of one of our modals (``owned`` in
each modal listener) is checked there first, against the guild and member it came from; a
refusal is one private sentence and nothing else happens."""

from __future__ import annotations

import logging

import discord

from bot.client import send_ephemeral
from bot.ownership import Kind, NotYours
from cogs.render import data_of, refusal

log = logging.getLogger(__name__)


def custom_id_of(interaction: discord.Interaction) -> str:
    return str(data_of(interaction).get("custom_id", ""))


async def owned(interaction: discord.Interaction, kind: Kind | None = None) -> bool:
    """True if the press or submit may act on what its custom id names (as ``kind``, when the
    button declares it); else it is told."""
    ownership = interaction.client.app.ownership  # type: ignore[attr-defined]
    # The server whose data the press may touch: none in a DM, nor in a server the bot is not
    # installed in (a user-installed /quiz there is stored without a guild).
    home = interaction.guild_id if interaction.is_guild_integration() else None
    try:
        if kind is None:
            await ownership.verify(custom_id_of(interaction), home, interaction.user.id)
        else:
            await ownership.verify_kind(kind, custom_id_of(interaction), home, interaction.user.id)
    except NotYours as exc:
        log.info(
            "refused %s from member %s in guild %s: %s",
            custom_id_of(interaction)[:100],
            interaction.user.id,
            interaction.guild_id,
            exc,
        )
        await send_ephemeral(interaction, refusal(exc))
        return False
    return True
