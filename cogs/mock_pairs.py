"""The pair-mode half of the mock cog: the invitation, Accept/Decline, the private thread, the
interviewer's notes and ratings, Swap roles and End. Thin: one PairService call a press."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import NoReturn

import discord

from bot.client import send_ephemeral
from bot.errors import DrillError
from bot.mock import ROUNDS_BY_SLUG, PairService, Step
from bot.storage.mock_pairs import Pair
from cogs import mock_pair_views as pviews
from cogs import mock_views as views
from cogs.render import mention, modal_values, refusal

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def refusing(interaction: discord.Interaction) -> AsyncIterator[None]:
    try:
        yield
    except DrillError as exc:
        await send_ephemeral(interaction, refusal(exc))
    except Exception:
        log.exception("mock interaction failed")
        await send_ephemeral(interaction, "Something went wrong; it has been logged.")


async def send_notes(interaction: discord.Interaction, step: Step) -> None:
    """The interviewer's notes, privately: the response (or a follow-up when the interaction
    was answered already), then a follow-up for each further part."""
    for embeds in pviews.notes_messages(step):
        if interaction.response.is_done():
            await interaction.followup.send(embeds=embeds, ephemeral=True)
        else:
            await interaction.response.send_message(embeds=embeds, ephemeral=True)


class PairFlow:
    pairs: PairService

    async def finish_half_started(self, bot: discord.Client, owns: Callable[[int], bool]) -> None:
        """On start: a pair accepted but never started (killed between Accept and the first
        question) ends, and its two members are told where they were invited."""
        for pair in await self.pairs.finish_half_started(owns):
            text = (
                f"{mention(pair.inviter_id)} {mention(pair.partner_id)}: this pair round did not "
                "start (I restarted between Accept and the first question), so it has ended. "
                "Invite again with /mock start."
            )
            mentions = discord.AllowedMentions(users=True, roles=False, everyone=False)
            try:
                where = bot.get_partial_messageable(pair.thread_id or pair.channel_id)
                await where.send(text, allowed_mentions=mentions)
            except discord.HTTPException as exc:
                log.warning("could not tell pair %s that it ended: %s", pair.id, exc)

    async def invite(
        self, interaction: discord.Interaction, round_text: str, partner: discord.Member
    ) -> None:
        async with refusing(interaction):
            assert interaction.channel_id is not None
            pair = await self.pairs.invite(
                interaction.guild_id, interaction.channel_id, interaction.user.id, partner.id,
                partner.bot, round_text,
            )  # fmt: skip
            await interaction.response.send_message(
                pviews.invite_text(pair, ROUNDS_BY_SLUG[pair.round]),
                view=pviews.invite_view(pair.id),
                allowed_mentions=discord.AllowedMentions(users=[partner], roles=False,
                                                         everyone=False),
            )  # fmt: skip

    async def press_pair(self, interaction: discord.Interaction, action: str, pid: int) -> None:
        async with refusing(interaction):
            if action in ("accept", "decline"):
                await self._settle(interaction, pid, action == "accept")
            elif action == "notes":
                step = await self.pairs.notes(pid, interaction.user.id)
                await send_notes(interaction, step)
            elif action == "swap":
                await self._both_here(interaction, pid)
                pair, step = await self.pairs.swap(pid, interaction.user.id)
                await interaction.response.send_message(
                    f"Roles swapped: {mention(pair.candidate_id)} answers, "
                    f"{mention(pair.interviewer_id)} interviews (press **Interviewer notes**).",
                    embed=views.step_embed(step),
                    view=pviews.step_view(pid, step),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            elif action == "end":
                await self.pairs.end(pid, interaction.user.id)
                await interaction.response.edit_message(
                    content=f"{mention(interaction.user.id)} ended the pair round. Thanks, both.",
                    embeds=[], attachments=[], view=None,
                    allowed_mentions=discord.AllowedMentions.none(),
                )  # fmt: skip

    async def _both_here(self, interaction: discord.Interaction, pid: int) -> None:
        """A member who left the server is not given a round: the pair ends instead."""
        pair = await self.pairs.get(pid)
        guild = interaction.guild
        if pair is None or guild is None:
            return
        for member_id in (pair.inviter_id, pair.partner_id):
            try:  # asked of Discord: a missed GUILD_MEMBER_REMOVE leaves the cache stale
                await guild.fetch_member(member_id)
            except discord.NotFound:
                await self.pairs.end_left(pid)
                raise DrillError(
                    f"{mention(member_id)} is no longer in this server, so the pair round has "
                    "ended."
                ) from None

    async def _settle(self, interaction: discord.Interaction, pid: int, accept: bool) -> None:
        pair = await self.pairs.answer_invite(pid, interaction.user.id, accept)
        if not accept:
            await interaction.response.edit_message(
                content=f"{mention(pair.partner_id)} declined the mock round.", view=None,
                allowed_mentions=discord.AllowedMentions.none(),
            )  # fmt: skip
            return
        await interaction.response.defer()
        try:
            thread, step = await self._open_thread(interaction, pair)
        except DrillError:
            await self._end(pair)
            raise
        except discord.RateLimited as exc:  # a long cooldown: discord.py gives up waiting
            await self._not_started(
                interaction, pair,
                f"Discord is limiting how fast threads open here (about {exc.retry_after:.0f} s "
                "to wait), so the round did not start and the invitation is closed: invite "
                "again in a few minutes.",
            )  # fmt: skip
        except discord.Forbidden as exc:
            log.warning("could not open a pair thread: %s", exc.status)
            await self._not_started(
                interaction, pair,
                "I could not open a private thread here (I need Create Private Threads and "
                "Send Messages in Threads); the invitation is closed, invite again elsewhere.",
            )  # fmt: skip
        except discord.HTTPException as exc:
            log.warning("could not open a pair thread: %s", exc.status)
            await self._not_started(
                interaction, pair,
                f"Discord failed while opening the private thread (error {exc.status}), so the "
                "round did not start and the invitation is closed: invite again.",
            )  # fmt: skip
        await interaction.edit_original_response(
            content=f"{mention(pair.partner_id)} accepted: the round runs in <#{thread.id}>.",
            view=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await send_notes(interaction, step)

    async def _end(self, pair: Pair) -> None:
        """End the pair, and the round it may have started (its candidate is free again)."""
        with contextlib.suppress(DrillError):  # ended already
            await self.pairs.end(pair.id, pair.inviter_id)

    async def _not_started(
        self, interaction: discord.Interaction, pair: Pair, reason: str
    ) -> NoReturn:
        """The pair ends in a clear state, and the invitation says why in place of its buttons."""
        await self._end(pair)
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(
                content=reason, view=None, allowed_mentions=discord.AllowedMentions.none()
            )
        raise DrillError(reason)  # and the partner who pressed is told privately

    async def _open_thread(
        self, interaction: discord.Interaction, pair: Pair
    ) -> tuple[discord.Thread, Step]:
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise DrillError("Pair rounds run in a private thread of a text channel.")
        round_ = ROUNDS_BY_SLUG[pair.round]
        thread = await channel.create_thread(
            name=f"Mock {round_.name.lower()} in pairs",
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=1440,
        )
        try:
            for member_id in (pair.inviter_id, pair.partner_id):
                await thread.add_user(discord.Object(id=member_id))
            step = await self.pairs.begin(pair, pair.inviter_id, thread.id)
            await thread.send(
                f"{mention(pair.inviter_id)} answers, {mention(pair.partner_id)} interviews (press "
                "**Interviewer notes** for what to listen for). Swap roles when the round is "
                "done.",
                embed=views.step_embed(step),
                view=pviews.step_view(pair.id, step),
            )
        except BaseException:
            # The round did not start: leave no open, empty thread behind.
            with contextlib.suppress(discord.HTTPException):
                await thread.edit(archived=True, locked=True)
            raise
        return thread, step

    async def press_pair_rate(
        self, interaction: discord.Interaction, action: str, pid: int, sid: int
    ) -> None:
        async with refusing(interaction):
            session = await self.pairs.interviewed(pid, sid, interaction.user.id)
            if action == "rate":
                round_ = ROUNDS_BY_SLUG[session.round]
                await interaction.response.send_modal(pviews.partner_rating_modal(pid, sid, round_))
            else:
                await interaction.response.send_modal(pviews.FeedbackModal(pid, sid))

    async def submit_partner_ratings(
        self, interaction: discord.Interaction, pid: int, sid: int
    ) -> None:
        async with refusing(interaction):
            rated = await self.pairs.rate(pid, sid, interaction.user.id, modal_values(interaction))
            await interaction.response.send_message(
                pviews.ratings_text(interaction.user.id, rated.candidate_id, rated.scores),
                view=pviews.feedback_view(pid, sid),
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def submit_feedback(self, interaction: discord.Interaction, pid: int, sid: int) -> None:
        async with refusing(interaction):
            text = modal_values(interaction).get("feedback", "")
            line = await self.pairs.feedback(sid, interaction.user.id, text)
            message = interaction.message
            before = message.content if message is not None else ""
            await interaction.response.edit_message(
                content=f"{before}\n**Feedback:** {line}"[:2000], view=None,
                allowed_mentions=discord.AllowedMentions.none(),
            )  # fmt: skip
