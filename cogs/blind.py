"""The daily post's Answer button (every mode), its modals, and how an answer the bot posts
reads in the thread. The rules are in bot/daily/blind.py (blind days: hidden until the reveal)
and bot/daily/buttons.py (thread days: posted in the thread at once, under the member's name).
The custom ids keep their ``drill:blind:`` names so presses on posts made before thread days had
the button still find it; the post's mode decides which modal opens."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import ui
from discord.ext import commands

from bot.daily.blind import MAX_BLIND_ANSWER, BlindAnswers, Submitted
from bot.daily.buttons import MAX_BUTTON_ANSWER, ButtonAnswered, ButtonAnswers
from bot.daily.publishing import AnswerPart, ButtonPost
from cogs.buttons import Press
from cogs.owned import owned
from cogs.render import data_of, guarded, kept_text, mention, modal_values, reply, ts

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
MODAL = re.compile(r"drill:blind:modal:(?P<post_id>\d+)")


# -- published answers ------------------------------------------------------------------------
def part_content(part: AnswerPart) -> str:
    """One message of the answers posted at the reveal (under 2,000 characters). Display
    only: a crash is recovered by the part's stored nonce and ids (bot/daily/blind.py)."""
    header = f"**Answer {part.seq}/{part.of}** · {mention(part.user_id)}"
    if part.parts > 1:
        header += f" · part {part.part}/{part.parts}"
    if part.late:
        header += " · after the deadline, not scored"
    return f"{header}\n{part.text}"[:2000]


# -- thread-mode answers the bot posts for their authors ------------------------------------
# The last line of such a message: it finds the message again after a crash.
BUTTON_MARK = re.compile(r"-# ref (?P<id>\d+) · given with the Answer button")


def button_content(answer: ButtonPost) -> str:
    """The thread message of an answer given with the button (under 2,000 characters)."""
    mark = f"-# ref {answer.answer_id} · given with the Answer button"
    text = answer.text[:MAX_BUTTON_ANSWER]  # the core refuses longer ones; never cut the mark
    return f"**Answer** · {mention(answer.user_id)}\n{text}\n{mark}"


def button_key(content: str) -> int | None:
    """The answer id of a message ``button_content`` wrote; None for any other message."""
    last = content.rsplit("\n", 1)[-1]
    match = BUTTON_MARK.fullmatch(last)
    return int(match["id"]) if match else None


# -- the button and the modal ----------------------------------------------------------------
class AnswerButton(
    Press["BlindCog"],
    custom_id="drill:blind:answer:{post_id}",
    kind="blind.answer",
    cog="BlindCog",
    unavailable="Answering is unavailable right now.",
):
    post_id: int
    label, style = "Answer", discord.ButtonStyle.primary

    async def pressed(self, cog: BlindCog, interaction: discord.Interaction) -> None:
        await cog.press(interaction, self.post_id)


class AnswerModal(ui.Modal, title="Your answer (hidden until the reveal)"):
    answer: ui.TextInput[AnswerModal] = ui.TextInput(
        label="Answer as you would in the interview",
        custom_id="answer",
        style=discord.TextStyle.paragraph,
        max_length=MAX_BLIND_ANSWER,
        required=True,
    )

    def __init__(self, post_id: int, current: str | None) -> None:
        super().__init__(custom_id=f"drill:blind:modal:{post_id}", timeout=900)
        if current:
            self.answer.default = current[:MAX_BLIND_ANSWER]


class ThreadAnswerModal(ui.Modal, title="Your answer (posted in the thread)"):
    answer: ui.TextInput[ThreadAnswerModal] = ui.TextInput(
        label="Answer as you would in the interview",
        custom_id="answer",
        style=discord.TextStyle.paragraph,
        max_length=MAX_BUTTON_ANSWER,
        required=True,
    )

    def __init__(self, post_id: int) -> None:
        super().__init__(custom_id=f"drill:blind:modal:{post_id}", timeout=900)


def answered_text(result: ButtonAnswered) -> str:
    if result.outcome == "posted":
        return f"Posted in <#{result.where}> under your name. Stars and Best answer count for you."
    if result.outcome == "stored":
        return (
            "Stored, and it counts. Discord did not take the thread message just now, so it is "
            "posted there shortly."
        )
    return "The answers were revealed already: nothing was stored."


def submitted_text(result: Submitted) -> str:
    when = f" {ts(result.reveal_at)}" if result.reveal_at else ""
    kept = f"\n{kept_text(result.kept)}" if result.kept else ""
    if result.outcome == "stored":
        return (
            f"Stored. Nobody sees it until the reveal{when}, when every answer is posted "
            f"together. Press **Answer** again to change it until then.{kept}"
        )
    if result.outcome == "edited":
        return f"Your answer is updated; it stays hidden until the reveal{when}."
    where = f" in <#{result.thread_id}>" if result.thread_id else ""
    if result.outcome == "late":
        return (
            "The answers were revealed already: yours is stored for your history but not "
            f"scored or posted. Share it in the discussion{where} if you like."
        )
    return f"The answers were revealed already, so yours can no longer change. See them{where}."


# -- the cog -----------------------------------------------------------------------------------
class BlindCog(commands.Cog):
    def __init__(self, service: BlindAnswers, buttons: ButtonAnswers) -> None:
        self.service = service
        self.buttons = buttons

    async def press(self, interaction: discord.Interaction, post_id: int) -> None:
        async with guarded(interaction, "blind answer"):
            guild_id = interaction.guild_id or 0
            if await self.buttons.takes(guild_id, post_id):  # a thread-mode day
                await interaction.response.send_modal(ThreadAnswerModal(post_id))
                return
            current = await self.service.current(guild_id, post_id, interaction.user.id)
            await interaction.response.send_modal(AnswerModal(post_id, current))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Routed by custom id: a modal opened before a restart is still answered."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        match = MODAL.fullmatch(str(data_of(interaction).get("custom_id", "")))
        if match is None or not await owned(interaction):
            return
        async with guarded(interaction, "blind answer"):
            text = modal_values(interaction).get("answer", "")
            guild_id, post_id = interaction.guild_id or 0, int(match["post_id"])
            if await self.buttons.takes(guild_id, post_id):
                # Posting in the thread may wait on Discord: answer within 3 s, then say how.
                await interaction.response.defer(ephemeral=True, thinking=True)
                answered = await self.buttons.submit(
                    guild_id, post_id, interaction.user.id, text, interaction.id
                )
                await reply(interaction, answered_text(answered))
                return
            result = await self.service.submit(guild_id, post_id, interaction.user.id, text)
            await reply(interaction, submitted_text(result))


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(BlindCog(bot.app.blind, bot.app.daily.buttons))
    # Registered on every start: presses on posts sent before a restart find their handler.
    bot.add_dynamic_items(AnswerButton)
