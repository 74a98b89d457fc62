"""Mock-interview buttons, modals and embeds. Glue only: presses go to the mock cog.

Buttons are ``Press``es (cogs/buttons.py) whose custom ids carry the session and the step they
answer, so a round started before a restart carries on after it, and a press on an old step is
refused by the core instead of answering the wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord
from discord import ui

from bot.mock import PastRound, Round, Step, Summary
from bot.mock.service import MAX_ANSWER
from cogs import render
from cogs.buttons import Press

ANSWER_MODAL = re.compile(r"drill:mock:modal:(?P<sid>\d+):(?P<pos>\d+):(?P<step>\d+)")
RATE_MODAL = re.compile(r"drill:mock:ratings:(?P<sid>\d+)")
SIGNAL_NAMES = {
    "production-mindset": "Production mindset",
    "infrastructure": "Infrastructure fluency",
    "ml-ops": "ML-specific operations",
    "automation": "Automation",
    "cost": "Cost awareness",
}
EMBED_FIELD = 1024


class Handlers(Protocol):
    async def press_answer(
        self, interaction: discord.Interaction, sid: int, pos: int, step: int
    ) -> None: ...
    async def press_rate(self, interaction: discord.Interaction, sid: int) -> None: ...
    async def press_abandon(self, interaction: discord.Interaction, sid: int) -> None: ...


class MockPress(Press[Handlers], cog="MockCog", unavailable="Mock rounds are unavailable now."):
    """The mock-round buttons: each press goes to the mock cog."""


class AnswerButton(MockPress, custom_id="drill:mock:answer:{sid}:{pos}:{step}", kind="mock.answer"):
    sid: int
    pos: int
    step: int
    label, style = "Answer", discord.ButtonStyle.primary

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_answer(interaction, self.sid, self.pos, self.step)


class RateButton(MockPress, custom_id="drill:mock:rate:{sid}", kind="mock.rate"):
    sid: int
    label, style = "Rate yourself", discord.ButtonStyle.success

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_rate(interaction, self.sid)


class AbandonButton(MockPress, custom_id="drill:mock:abandon:{sid}", kind="mock.abandon"):
    sid: int
    label, style = "Abandon", discord.ButtonStyle.danger

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_abandon(interaction, self.sid)


DYNAMIC_ITEMS = (AnswerButton, RateButton, AbandonButton)


def _view(*items: ui.Item[Any]) -> ui.View:
    view = ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def step_view(step: Step) -> ui.View:
    sid = step.session_id
    return _view(AnswerButton(sid, step.position, step.step), AbandonButton(sid))


def rating_view(sid: int) -> ui.View:
    return _view(RateButton(sid), AbandonButton(sid))


class AnswerModal(ui.Modal, title="Your answer"):
    answer: ui.TextInput[AnswerModal] = ui.TextInput(
        label="Answer as you would in the interview",
        custom_id="answer",
        style=discord.TextStyle.paragraph,
        max_length=MAX_ANSWER,
        required=True,
    )

    def __init__(self, sid: int, pos: int, step: int) -> None:
        super().__init__(custom_id=f"drill:mock:modal:{sid}:{pos}:{step}", timeout=900)


def rating_modal(sid: int, round_: Round) -> ui.Modal:
    """One short input per signal the round tests (a modal holds at most five)."""
    modal = ui.Modal(
        title=f"Rate your {round_.name.lower()} round", custom_id=f"drill:mock:ratings:{sid}"
    )
    for signal in round_.signals[:5]:
        modal.add_item(
            ui.TextInput(
                label=f"{SIGNAL_NAMES[signal]} (1-4)",
                custom_id=signal,
                placeholder="1 weak · 2 patchy · 3 solid · 4 strong",
                min_length=1,
                max_length=1,
            )
        )
    return modal


def step_embed(step: Step) -> discord.Embed:
    q = step.question
    title = f"{step.round.name} · question {step.position + 1} of {step.total}"
    if step.follow_up is None:
        embed = discord.Embed(
            title=title, description=q.prompt, colour=render.DIFFICULTY_COLOUR[q.difficulty]
        )
    else:
        embed = discord.Embed(
            title=f"{title} · follow-up {step.step} of {step.steps - 1}",
            description=f"> {q.prompt[:900]}\n\n**Follow-up:** {step.follow_up}",
            colour=0x5865F2,
        )
    embed.add_field(
        name="Time", value=f"due {render.ts(step.deadline)} (late answers count, marked over time)"
    )
    embed.set_footer(text=f"{q.id} · mock {step.session_id}")
    return embed


def rating_embed(round_: Round) -> discord.Embed:
    names = ", ".join(SIGNAL_NAMES[s] for s in round_.signals)
    return discord.Embed(
        title=f"{round_.name}: all answered",
        description=f"Rate yourself 1-4 on what this round tests: {names}. "
        "Then you see the key points, red flags and worked solutions.",
        colour=0x2ECC71,
    )


def _clip(text: str, limit: int = EMBED_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def summary_embeds(summary: Summary) -> list[discord.Embed]:
    """A card with the time per question and the ratings, then one embed per question with its
    key points, red flags and worked solution; within Discord's 10 embeds and 6,000 characters."""
    card = discord.Embed(title=f"Mock {summary.round.name.lower()}: summary", colour=0x5865F2)
    lines = [
        f"{n}. `{item.question.id}` {_minutes(item.used_s)} of {_minutes(item.budget_s)}"
        + (" · **over time**" if item.over_time else "")
        for n, item in enumerate(summary.items, start=1)
    ]
    card.add_field(name="Time per question", value=_clip("\n".join(lines) or "—"), inline=False)
    ratings = [f"{SIGNAL_NAMES[s]}: **{v}**/4" for s, v in summary.ratings.items()]
    card.add_field(name="Your ratings", value="\n".join(ratings) or "—", inline=False)
    embeds = [card]
    budget = 6000 - len(card) - 100
    per_item = max(300, budget // max(len(summary.items), 1))
    for n, item in enumerate(summary.items[:9], start=1):
        q = item.question
        embed = discord.Embed(title=_clip(f"{n}. {q.prompt}", 200), colour=0x95A5A6)
        embed.add_field(
            name="Key points",
            value=_clip(render.bullets(q.key_points), per_item // 2),
            inline=False,
        )
        if q.red_flags:
            embed.add_field(
                name="Red flags",
                value=_clip(render.bullets(q.red_flags), per_item // 4),
                inline=False,
            )
        if q.solution is not None:
            code = f"```{q.solution.language}\n{q.solution.code}\n```"
            value = code if len(code) <= per_item // 4 else "A worked solution: see `/quiz` notes."
            embed.add_field(name="Worked solution", value=value, inline=False)
        if sum(len(e) for e in embeds) + len(embed) > 5900:
            break
        embeds.append(embed)
    return embeds


def history_embed(rounds: Sequence[PastRound]) -> discord.Embed:
    embed = discord.Embed(title="Your mock rounds", colour=0x5865F2)
    if not rounds:
        embed.description = "No finished rounds yet: start one with `/mock start`."
        return embed
    lines = []
    for past in rounds:
        scores = " · ".join(f"{SIGNAL_NAMES[s].split()[0]} {v}" for s, v in past.ratings.items())
        lines.append(
            f"{render.ts(past.started_at, 'd')} **{past.round.name}** "
            f"{_minutes(past.used_s)} · {scores or 'not rated'}"
        )
    embed.description = _clip("\n".join(lines), 4000)
    return embed


def signal_lines(profile: dict[str, dict[str, float]]) -> list[str]:
    """/stats: average mock-interview ratings per signal, self-ratings and partners' apart."""
    mine, partners = profile.get("self", {}), profile.get("partner", {})
    lines = []
    for signal, name in SIGNAL_NAMES.items():
        parts = []
        if signal in mine:
            parts.append(f"self {mine[signal]:.1f}")
        if signal in partners:
            parts.append(f"partners {partners[signal]:.1f}")
        if parts:
            lines.append(f"{name}: {' · '.join(parts)} /4")
    return lines
