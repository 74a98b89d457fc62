"""Pair-mode buttons, modals and embeds. Glue only: presses go to the mock cog.

Custom ids carry only ids (the pair, and the session a rating is for), so the buttons keep
working after a restart and every check is made by the core.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord
from discord import ui

from bot.mock import Round, Step
from bot.mock.pairs import MAX_FEEDBACK
from bot.mock.rounds import follow_ups_for
from bot.storage.mock_pairs import Pair
from cogs import notes_layout as layout
from cogs import render
from cogs.buttons import Press
from cogs.mock_views import SIGNAL_NAMES, AnswerButton, RateButton, rating_modal
from cogs.render import mention

RATE_MODAL = re.compile(r"drill:mock:pair:ratings:(?P<pid>\d+):(?P<sid>\d+)")
FEEDBACK_MODAL = re.compile(r"drill:mock:pair:feedback:(?P<pid>\d+):(?P<sid>\d+)")


class PairHandlers(Protocol):
    """What the pair buttons call; implemented by cogs.mock_pairs.PairFlow (in MockCog)."""

    async def press_pair(self, interaction: discord.Interaction, action: str, pid: int) -> None: ...
    async def press_pair_rate(
        self, interaction: discord.Interaction, action: str, pid: int, sid: int
    ) -> None: ...


LABELS = {
    "accept": ("Accept", discord.ButtonStyle.success),
    "decline": ("Decline", discord.ButtonStyle.secondary),
    "notes": ("Interviewer notes", discord.ButtonStyle.secondary),
    "swap": ("Swap roles", discord.ButtonStyle.primary),
    "end": ("End", discord.ButtonStyle.danger),
}
RATE_LABELS = {
    "rate": ("Rate the candidate", discord.ButtonStyle.success),
    "fb": ("Add one line of feedback", discord.ButtonStyle.success),
}


class PairPress(Press[PairHandlers], cog="MockCog", unavailable="Mock rounds are unavailable now."):
    """The pair-mode buttons: each press goes to the mock cog."""


class PairButton(
    PairPress,
    custom_id="drill:mock:pair:{action:accept|decline|notes|swap|end}:{pid}",
    kind="pair.press",
):
    action: str
    pid: int
    looks = ("action", LABELS)

    async def pressed(self, cog: PairHandlers, interaction: discord.Interaction) -> None:
        await cog.press_pair(interaction, self.action, self.pid)


class PairRateButton(
    PairPress, custom_id="drill:mock:pair:{action:rate|fb}:{pid}:{sid}", kind="pair.rate"
):
    action: str
    pid: int
    sid: int
    looks = ("action", RATE_LABELS)

    async def pressed(self, cog: PairHandlers, interaction: discord.Interaction) -> None:
        await cog.press_pair_rate(interaction, self.action, self.pid, self.sid)


DYNAMIC_ITEMS = (PairButton, PairRateButton)


def _view(*items: ui.Item[Any]) -> ui.View:
    view = ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def invite_view(pid: int) -> ui.View:
    return _view(PairButton("accept", pid), PairButton("decline", pid))


def step_view(pid: int, step: Step) -> ui.View:
    """The candidate answers; the interviewer fetches the notes; either ends."""
    return _view(
        AnswerButton(step.session_id, step.position, step.step),
        PairButton("notes", pid),
        PairButton("end", pid),
    )


def rating_view(pid: int, sid: int) -> ui.View:
    return _view(RateButton(sid), PairRateButton("rate", pid, sid), PairButton("end", pid))


def finished_view(pid: int, sid: int) -> ui.View:
    return _view(PairRateButton("rate", pid, sid), PairButton("swap", pid), PairButton("end", pid))


def feedback_view(pid: int, sid: int) -> ui.View:
    return _view(PairRateButton("fb", pid, sid))


def invite_text(pair: Pair, round_: Round) -> str:
    return (
        f"{mention(pair.partner_id)}, {mention(pair.inviter_id)} invites you to a mock "
        f"{round_.name.lower()} round in pairs: they answer first and you interview, then you "
        f"can swap. The invitation expires {render.ts(pair.expires_at)}."
    )


def partner_rating_modal(pid: int, sid: int, round_: Round) -> ui.Modal:
    modal = rating_modal(sid, round_)
    modal.title = f"Rate the candidate's {round_.name.lower()}"
    modal.custom_id = f"drill:mock:pair:ratings:{pid}:{sid}"
    return modal


class FeedbackModal(ui.Modal, title="One line of feedback"):
    feedback: ui.TextInput[FeedbackModal] = ui.TextInput(
        label="What should the candidate work on?",
        custom_id="feedback",
        max_length=MAX_FEEDBACK,
        required=True,
    )

    def __init__(self, pid: int, sid: int) -> None:
        super().__init__(custom_id=f"drill:mock:pair:feedback:{pid}:{sid}", timeout=900)


def notes_messages(step: Step) -> list[list[discord.Embed]]:
    """The current question's notes for the interviewer only (sent ephemeral): what it tests,
    key points, what a strong-hire / hire / no-hire answer sounds like, red flags, follow-ups
    to ask, then the model answer. Usually one message; split, never cut, when it does not
    fit one."""
    q = step.question
    title = f"Interviewer notes · question {step.position + 1} of {step.total}"
    fields = [
        *layout.text_fields("What it tests", q.testing or "—"),
        *layout.bullet_fields("Key points", q.key_points),
        *layout.level_fields(q),
        *layout.bullet_fields("Red flags", q.red_flags),
        *layout.bullet_fields("Follow-ups to ask", follow_ups_for(q)),
        *layout.source_fields(q),
    ]
    embeds = layout.fields_embeds(title, q.prompt, fields, colour=0x95A5A6)
    embeds[0].set_footer(text=f"{q.id} · mock {step.session_id}")
    embeds += layout.model_answer_embeds(q, colour=0x95A5A6)
    return layout.messages(embeds)


def ratings_text(interviewer_id: int, candidate_id: int, scores: dict[str, int]) -> str:
    lines = [f"{SIGNAL_NAMES[s]}: **{v}**/4" for s, v in scores.items()]
    return f"{mention(interviewer_id)} rated {mention(candidate_id)}'s round:\n" + "\n".join(lines)
