"""/stats (with a chart rendered off the event loop) and /privacy hide, show and forget."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.boards.privacy import Forgotten, PrivacyService
from bot.boards.stats import StatsService
from bot.errors import DrillError
from bot.mock import MockService
from cogs import board_render as render
from cogs import mock_views
from cogs.anywhere import anywhere, home_guild
from cogs.buttons import Press
from cogs.render import refusal

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
FORGET_WARNING = (
    "This deletes your answers, points, streaks, stars, away days and practice history in this "
    "server, for good. Organisers' audit log keeps one line saying it happened. Sure?"
)


class ForgetButton(
    Press["StatsCog"],
    custom_id="drill:forget:{action:yes|no}:{request_id:\\d{1,12}}",
    kind="forget",
    cog="StatsCog",
    unavailable="Unavailable right now.",
):
    action: str
    request_id: int
    looks = (
        "action",
        {
            "yes": ("Delete everything", discord.ButtonStyle.danger),
            "no": ("Cancel", discord.ButtonStyle.secondary),
        },
    )

    async def pressed(self, cog: StatsCog, interaction: discord.Interaction) -> None:
        await cog.confirm_forget(interaction, self.action == "yes", self.request_id)


class StatsCog(commands.Cog):
    privacy_group = app_commands.Group(
        name="privacy", description="Your data on the boards", guild_only=True
    )

    def __init__(self, stats: StatsService, privacy: PrivacyService, mock: MockService) -> None:
        self.stats = stats
        self.privacy = privacy
        self.mock = mock

    @app_commands.command(name="stats", description="Points, streaks, topics and a chart")
    @app_commands.describe(member="Whose stats (default: yours)")
    @anywhere
    async def stats_command(
        self, interaction: discord.Interaction, member: discord.Member | discord.User | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = home_guild(interaction)
        target = member or interaction.user
        if guild_id is None and target.id != interaction.user.id:
            # Outside a server with drillbot only your own practice is here to show.
            raise DrillError("Outside a server with drillbot, /stats shows your own stats only.")
        if target.id != interaction.user.id and await self.privacy.is_hidden(
            guild_id or 0, target.id
        ):
            raise DrillError("That member keeps their stats private.")
        # Outside a server: the practice done outside any server (no boards there).
        report = await self.stats.report(guild_id, target.id)
        # matplotlib is CPU-bound for ~0.1 s: never on the event loop.
        # matplotlib (~40 MB) is loaded by the first chart drawn, never at start.
        from bot.boards.charts import render_stats

        png = await asyncio.to_thread(render_stats, report, target.display_name)
        signals = mock_views.signal_lines(await self.mock.signal_profile(target.id))
        await interaction.followup.send(
            view=render.stats_layout(report, target.display_name, signals),
            file=discord.File(io.BytesIO(png), filename="stats.png"),
            ephemeral=True,
            allowed_mentions=render.NO_PINGS,
        )

    @privacy_group.command(name="hide", description="Leave the boards (your points are kept)")
    async def hide(self, interaction: discord.Interaction) -> None:
        changed = await self.privacy.hide(_guild(interaction), interaction.user.id)
        await interaction.response.send_message(
            "You are hidden from the boards and others' /stats."
            if changed
            else "You were already hidden.",
            ephemeral=True,
        )

    @privacy_group.command(name="show", description="Appear on the boards again")
    async def show(self, interaction: discord.Interaction) -> None:
        changed = await self.privacy.show(_guild(interaction), interaction.user.id)
        await interaction.response.send_message(
            "You are on the boards again." if changed else "You were not hidden.", ephemeral=True
        )

    @privacy_group.command(name="forget", description="Delete all your data in this server")
    async def forget(self, interaction: discord.Interaction) -> None:
        request = await self.privacy.request_forget(_guild(interaction), interaction.user.id)
        view = ui.View(timeout=None)
        view.add_item(ForgetButton("yes", request))
        view.add_item(ForgetButton("no", request))
        await interaction.response.send_message(FORGET_WARNING, view=view, ephemeral=True)

    async def confirm_forget(
        self, interaction: discord.Interaction, yes: bool, request_id: int
    ) -> None:
        try:
            if yes:
                done = await self.privacy.forget(request_id, interaction.user.id)
                text = forgotten_text(done)
            else:
                await self.privacy.cancel(request_id, interaction.user.id)
                text = "Cancelled: nothing was deleted."
        except DrillError as exc:
            await interaction.response.send_message(refusal(exc), ephemeral=True)
            return
        await interaction.response.edit_message(content=text, view=None)


def forgotten_text(done: Forgotten) -> str:
    """The confirmation: what went, and what is kept and why."""
    lines = [f"Done: {done.rows} record(s) about you were deleted from this server."]
    if done.deleted.get("study_plans"):
        lines.append("Your study plan is gone, and its reminders with it.")
    lines.append("Kept:")
    for reason, count in sorted(done.kept.items()):
        lines.append(f"- {count} × {reason}: the server's record of who changed what.")
    if not done.kept:
        lines.append("- nothing that names you.")
    return "\n".join(lines)[:2000]


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise DrillError("Use this in a server.")
    return interaction.guild_id


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(StatsCog(bot.app.stats, bot.app.privacy, bot.app.mock))
    bot.add_dynamic_items(ForgetButton)
