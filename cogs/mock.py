"""/mock start and /mock history (one /mock group, as /plan start|today|stop), and the
handlers behind the mock-round buttons and modals.

Thin: read the press, call one MockService method, render. Refusals from the core become one
ephemeral sentence.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.mock import ROUNDS_BY_SLUG, MockService, PairService, Step
from cogs import mock_pair_views as pviews
from cogs import mock_views as views
from cogs.mock_pairs import PairFlow, refusing
from cogs.owned import owned
from cogs.render import data_of, modal_values

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
RoundName = Literal["phone-screen", "coding", "system-design", "ml-deep-dive", "behavioural"]


class MockCog(PairFlow, commands.Cog):
    def __init__(
        self, service: MockService, pairs: PairService, bot: DrillBot | None = None
    ) -> None:
        self.service, self.pairs, self.bot = service, pairs, bot

    async def cog_load(self) -> None:
        # Before the gateway connects, so no press is taken while this runs.
        if self.bot is not None:
            await self.finish_half_started(self.bot, self.bot.app.settings.shards.owns)

    mock = app_commands.Group(
        name="mock", description="Mock interview rounds: alone or with a partner, and your history"
    )

    @mock.command(name="start", description="A private mock interview round, under time")
    @app_commands.describe(
        round="Which interview round to practise",
        partner="A member to interview you in a private thread, then swap roles",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        round: RoundName,
        partner: discord.Member | None = None,
    ) -> None:
        if partner is not None:
            return await self.invite(interaction, round, partner)
        await interaction.response.defer(ephemeral=True, thinking=True)
        step = await self.service.start(interaction.guild_id, interaction.user.id, round)
        await interaction.followup.send(
            embed=views.step_embed(step), view=views.step_view(step), ephemeral=True
        )

    @mock.command(name="history", description="Your past mock rounds and ratings")
    async def history(self, interaction: discord.Interaction) -> None:
        rounds = await self.service.history(interaction.user.id)
        await interaction.response.send_message(embed=views.history_embed(rounds), ephemeral=True)

    # -- buttons ----------------------------------------------------------------------------
    async def press_answer(
        self, interaction: discord.Interaction, sid: int, pos: int, step: int
    ) -> None:
        async with refusing(interaction):
            await self.service.step_to_answer(sid, interaction.user.id, pos, step)
            await interaction.response.send_modal(views.AnswerModal(sid, pos, step))

    async def press_rate(self, interaction: discord.Interaction, sid: int) -> None:
        async with refusing(interaction):
            due = await self.service.rating_due(sid, interaction.user.id)
            await interaction.response.send_modal(views.rating_modal(sid, due.round))

    async def press_abandon(self, interaction: discord.Interaction, sid: int) -> None:
        async with refusing(interaction):
            await self.service.abandon(sid, interaction.user.id)
            await interaction.response.edit_message(
                content="Round abandoned. Start another with `/mock start` when you are ready.",
                embeds=[],
                view=None,
            )

    # -- modal submissions ------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(data_of(interaction).get("custom_id", ""))
        mine = (views.ANSWER_MODAL, views.RATE_MODAL, pviews.RATE_MODAL, pviews.FEEDBACK_MODAL)
        if not any(p.fullmatch(custom_id) for p in mine) or not await owned(interaction):
            return
        if match := views.ANSWER_MODAL.fullmatch(custom_id):
            await self._submit_answer(
                interaction, int(match["sid"]), int(match["pos"]), int(match["step"])
            )
        elif match := views.RATE_MODAL.fullmatch(custom_id):
            await self._submit_ratings(interaction, int(match["sid"]))
        elif match := pviews.RATE_MODAL.fullmatch(custom_id):
            await self.submit_partner_ratings(interaction, int(match["pid"]), int(match["sid"]))
        elif match := pviews.FEEDBACK_MODAL.fullmatch(custom_id):
            await self.submit_feedback(interaction, int(match["pid"]), int(match["sid"]))

    async def _submit_answer(
        self, interaction: discord.Interaction, sid: int, pos: int, step: int
    ) -> None:
        async with refusing(interaction):
            text = modal_values(interaction).get("answer", "")
            nxt = await self.service.answer(sid, interaction.user.id, pos, step, text)
            pair = await self.pairs.for_session(sid)
            if isinstance(nxt, Step):
                embed = views.step_embed(nxt)
                view = pviews.step_view(pair.id, nxt) if pair else views.step_view(nxt)
            else:
                embed = views.rating_embed(nxt.round)
                view = pviews.rating_view(pair.id, sid) if pair else views.rating_view(sid)
            await interaction.response.edit_message(embed=embed, view=view)

    async def _submit_ratings(self, interaction: discord.Interaction, sid: int) -> None:
        async with refusing(interaction):
            summary = await self.service.rate(sid, interaction.user.id, modal_values(interaction))
            pair = await self.pairs.for_session(sid)
            # About 0.3 s of CPU (benchmarks/mock_chart.py): off the event loop, inside the 3 s.
            # matplotlib (~40 MB) is loaded by the first chart drawn, never at start.
            from bot.mock.chart import render_signals

            png = await asyncio.to_thread(render_signals, summary)
            embeds = views.summary_embeds(summary)
            embeds[0].set_image(url="attachment://signals.png")
            await interaction.response.edit_message(
                embeds=embeds,
                attachments=[discord.File(io.BytesIO(png), filename="signals.png")],
                view=pviews.finished_view(pair.id, sid) if pair else None,
            )


async def setup(bot: DrillBot) -> None:
    assert set(ROUNDS_BY_SLUG) == set(RoundName.__args__)  # type: ignore[attr-defined]
    await bot.add_cog(MockCog(bot.app.mock, bot.app.pairs, bot))
    bot.add_dynamic_items(*views.DYNAMIC_ITEMS, *pviews.DYNAMIC_ITEMS)
