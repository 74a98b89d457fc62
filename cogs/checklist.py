"""Check key points: the checklist modal, and the suggested self-grade it turns into. The
member confirms the grade with the usual grade buttons (the suggested one highlighted)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import ui
from discord.ext import commands

from bot.practice.checklist import ChecklistService, Suggestion, Target
from bot.practice.srs import GRADES
from cogs import checklist_views as views
from cogs.owned import owned
from cogs.quiz_views import DailyGradeButton, GradeButton
from cogs.render import data_of, refusals, reply

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)


def suggestion_view(suggestion: Suggestion) -> ui.View:
    """The grade buttons of the question, the suggested one marked: a press confirms."""
    view = ui.View(timeout=None)
    for grade in GRADES:
        button: Any = (
            GradeButton(suggestion.target_id, grade)
            if suggestion.target == "quiz"
            else DailyGradeButton(suggestion.target_id, grade)
        )
        if grade == suggestion.grade:
            button.item.style = discord.ButtonStyle.primary
            button.item.label = f"{GRADES[grade]} (suggested)"
        else:
            button.item.style = discord.ButtonStyle.secondary
        view.add_item(button)
    return view


def suggestion_text(suggestion: Suggestion) -> str:
    return (
        f"You ticked **{suggestion.ticked} of {suggestion.total}** key points: suggested grade "
        f"**{suggestion.grade_name}** (all: Good; at least half: Hard; fewer: Again). "
        "Press it to confirm, or choose another."
    )


class ChecklistCog(commands.Cog):
    def __init__(self, service: ChecklistService) -> None:
        self.service = service

    async def press_check(self, interaction: discord.Interaction, target: Target, id: int) -> None:
        async with refusals(interaction):
            user = interaction.user.id
            checklist = (
                await self.service.for_session(id, user)
                if target == "quiz"
                else await self.service.for_daily(id, user)
            )
            await interaction.response.send_modal(views.ChecklistModal(checklist))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions routed by custom id: a modal opened before a restart works too."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = data_of(interaction)
        match = views.MODAL.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return
        if not await owned(interaction):  # a crafted id: another's session or server
            return
        target = cast(Target, match["target"])
        async with refusals(interaction):
            user = interaction.user.id
            checklist = (
                await self.service.for_session(int(match["id"]), user)
                if target == "quiz"
                else await self.service.for_daily(int(match["id"]), user)
            )
            ticks = {i for i in views.ticked(data) if i < len(checklist.key_points)}
            suggestion = self.service.suggest(
                target, checklist.target_id, len(ticks), len(checklist.key_points)
            )
            await reply(interaction, suggestion_text(suggestion), view=suggestion_view(suggestion))


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(ChecklistCog(bot.app.checklist))
    bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
