"""/quiz and /review, and the handlers behind the practice buttons and modals.

Thin: read the press, call one QuizService method, render. DrillErrors from the core become
one ephemeral sentence, whether they come from a command (DrillTree.on_error) or a button
(``answering`` below, since component callbacks do not pass through the command tree).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.practice.quiz import QuizService, Revealed, Shown
from cogs import notes_layout as layout
from cogs import quiz_render
from cogs import quiz_views as views
from cogs.anywhere import anywhere, home_guild
from cogs.owned import owned
from cogs.render import NO_PINGS, data_of, guarded, modal_values, refusals, reply

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
Difficulty = Literal["easy", "medium", "hard"]


def answering(interaction: discord.Interaction) -> contextlib.AbstractAsyncContextManager[None]:
    """Turn a refusal from the core into an ephemeral message; never let a press crash."""
    return guarded(interaction, "practice")


async def edit_card(interaction: discord.Interaction, view: discord.ui.LayoutView) -> None:
    """The card, edited as a V2 layout. A card sent before the layout changed (an embed) is
    upgraded: Discord takes the flag on an edit only with its content and embeds cleared."""
    old = interaction.message
    if old is not None and not old.flags.components_v2:
        await interaction.response.edit_message(
            content=None, embeds=[], view=view, allowed_mentions=NO_PINGS
        )
        return
    await interaction.response.edit_message(view=view, allowed_mentions=NO_PINGS)


class QuizCog(commands.Cog):
    def __init__(self, service: QuizService) -> None:
        self.service = service

    # -- commands ---------------------------------------------------------------------------
    @app_commands.command(name="quiz", description="Practise one interview question on a topic")
    @app_commands.describe(topic="A topic, e.g. cicd, k8s, drift", difficulty="Only this level")
    @anywhere
    async def quiz(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100],
        difficulty: Difficulty | None = None,
    ) -> None:
        # Deferred: a guild's first use may parse its uploaded packs, which can be slow.
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with refusals(interaction):
            shown = await self.service.start(
                home_guild(interaction), interaction.user.id, topic, difficulty
            )
            await self._send_question(interaction, shown)

    @quiz.autocomplete("topic")
    async def topic_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            topics = await self.service.complete_topics(home_guild(interaction), current)
        except Exception:
            log.exception("topic autocomplete failed")
            return []
        return [
            app_commands.Choice(name=f"{t.name} ({t.slug})"[:100], value=t.slug) for t in topics
        ]

    @app_commands.command(name="review", description="Practise the questions due for review")
    @anywhere
    async def review(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with refusals(interaction):
            shown = await self.service.review(home_guild(interaction), interaction.user.id)
            await self._send_question(interaction, shown)

    async def _send_question(self, interaction: discord.Interaction, shown: Shown) -> None:
        await interaction.followup.send(
            view=quiz_render.question_layout(shown), ephemeral=True, allowed_mentions=NO_PINGS
        )

    async def _show_notes(self, interaction: discord.Interaction, revealed: Revealed) -> None:
        """The card becomes the answer beside the notes (an edit of a V2 message is a V2
        layout: no content or embeds); what does not fit follows privately."""
        rows = views.grade_rows(revealed.session.id, levels=views.has_levels(revealed.question))
        first, *rest = quiz_render.reveal_layouts(revealed, rows)
        if interaction.message is not None:
            await edit_card(interaction, first)
        else:  # pragma: no cover - our modals are always opened from a message's button
            await reply(interaction, view=first)
        for view in rest:
            await interaction.followup.send(view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    # -- buttons ----------------------------------------------------------------------------
    async def press_answer(self, interaction: discord.Interaction, session_id: int) -> None:
        async with answering(interaction):
            # Checked before the modal opens, so a stranger or a stale button is told at once.
            await self.service.session_question(session_id, interaction.user.id)
            await interaction.response.send_modal(views.AnswerModal(session_id))

    async def press_notes(self, interaction: discord.Interaction, session_id: int) -> None:
        async with answering(interaction):
            revealed = await self.service.show_notes(session_id, interaction.user.id)
            await self._show_notes(interaction, revealed)

    async def press_skip(self, interaction: discord.Interaction, session_id: int) -> None:
        async with answering(interaction):
            shown = await self.service.skip(session_id, interaction.user.id)
            await edit_card(interaction, quiz_render.question_layout(shown))

    async def press_grade(
        self, interaction: discord.Interaction, session_id: int, grade: int
    ) -> None:
        async with answering(interaction):
            graded = await self.service.grade(session_id, interaction.user.id, grade)
            rows = views.done_rows(session_id, levels=views.has_levels(graded.question))
            await edit_card(
                interaction, quiz_render.graded_layout(interaction.message, graded, rows)
            )

    async def press_report(self, interaction: discord.Interaction, session_id: int) -> None:
        async with answering(interaction):
            await self.service.session_question(session_id, interaction.user.id)
            await interaction.response.send_modal(
                views.ReportModal(f"drill:report:modal:{session_id}")
            )

    async def press_daily_grade(
        self, interaction: discord.Interaction, post_id: int, grade: int
    ) -> None:
        async with answering(interaction):
            graded = await self.service.grade_daily(post_id, interaction.user.id, grade)
            await reply(interaction, quiz_render.graded_line(graded))

    async def press_daily_report(self, interaction: discord.Interaction, post_id: int) -> None:
        async with answering(interaction):
            await interaction.response.send_modal(
                views.ReportModal(f"drill:daily:report:modal:{post_id}")
            )

    async def press_levels(self, interaction: discord.Interaction, session_id: int) -> None:
        async with answering(interaction):
            question = await self.service.graded_answers(session_id, interaction.user.id)
            fields = [*layout.level_fields(question), *layout.source_fields(question)]
            title = "How answers to this question grade" if question.levels else "Sources"
            embeds = layout.fields_embeds(title, "", fields, colour=0x5865F2) if fields else []
            embeds += layout.model_answer_embeds(question)
            if not embeds:
                await reply(
                    interaction, "This question has no levels, model answer or sources yet."
                )
            for group in layout.messages(embeds):
                await reply(interaction, embeds=group)

    async def press_daily_model(self, interaction: discord.Interaction, post_id: int) -> None:
        async with answering(interaction):
            question = await self.service.daily_model_answer(post_id)
            groups = layout.messages(layout.model_answer_embeds(question))
            for embeds in groups:  # one message: a model answer is at most 2,000 characters
                await reply(interaction, embeds=embeds)

    # -- modal submissions ------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route our modals by custom id: works for modals opened before a restart too."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(data_of(interaction).get("custom_id", ""))
        mine = (views.ANSWER_MODAL, views.REPORT_MODAL, views.DAILY_REPORT_MODAL)
        if not any(p.fullmatch(custom_id) for p in mine) or not await owned(interaction):
            return
        if match := views.ANSWER_MODAL.fullmatch(custom_id):
            await self._submit_answer(interaction, int(match["session_id"]))
        elif match := views.REPORT_MODAL.fullmatch(custom_id):
            await self._submit_report(interaction, int(match["session_id"]), daily=False)
        elif match := views.DAILY_REPORT_MODAL.fullmatch(custom_id):
            await self._submit_report(interaction, int(match["post_id"]), daily=True)

    async def _submit_answer(self, interaction: discord.Interaction, session_id: int) -> None:
        async with answering(interaction):
            text = modal_values(interaction).get("answer", "")
            revealed = await self.service.answer(session_id, interaction.user.id, text)
            await self._show_notes(interaction, revealed)

    async def _submit_report(
        self, interaction: discord.Interaction, target: int, *, daily: bool
    ) -> None:
        async with answering(interaction):
            values = modal_values(interaction)
            reason, detail = values.get("reason", ""), values.get("detail", "")
            user = interaction.user.id
            if daily:
                kind = await self.service.report_daily(target, user, reason, detail)
            else:
                kind = await self.service.report(target, user, reason, detail)
            await reply(
                interaction,
                f"Thanks: reported as **{kind}**. The organisers will see it in /drill reports.",
            )


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(QuizCog(bot.app.quiz))
    # Registered on every start: presses on messages sent before a restart find their handler.
    bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
