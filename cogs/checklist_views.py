"""The "Check key points" buttons (under a /quiz answer and under the daily reveal) and the
checklist modal. Glue only: a press is handed to cogs.checklist; ids only in custom ids."""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord
from discord import ui

from bot.practice.checklist import Checklist, Target
from cogs.buttons import Press

LABEL = "Check key points"
MODAL = re.compile(r"drill:check:modal:(?P<target>quiz|daily):(?P<id>\d+)")
PER_GROUP = 10  # Discord: a checkbox group holds 1 to 10 options
OPTION_MAX = 100  # an option's label, 1 to 100 characters
HINT_MAX = 1500


class Handlers(Protocol):
    """What the checklist buttons call; implemented by cogs.checklist.ChecklistCog."""

    async def press_check(
        self, interaction: discord.Interaction, target: Target, target_id: int
    ) -> None: ...


class CheckPress(
    Press[Handlers],
    cog="ChecklistCog",
    unavailable="The checklist is unavailable right now; try again in a minute.",
):
    """The Check key points buttons: each press goes to the checklist cog."""

    label = LABEL


class CheckQuizButton(CheckPress, custom_id="drill:check:quiz:{session_id}", kind="quiz.check"):
    session_id: int

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_check(interaction, "quiz", self.session_id)


class CheckDailyButton(CheckPress, custom_id="drill:check:daily:{post_id}", kind="daily.check"):
    post_id: int

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_check(interaction, "daily", self.post_id)


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (CheckQuizButton, CheckDailyButton)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hint_text(checklist: Checklist) -> str | None:
    if checklist.missed is None:
        return None
    if not checklist.missed:
        return "-# A hint from your answer's words (not a grade): they touch every key point."
    lines = [f"- {_short(checklist.key_points[i], 200)}" for i in checklist.missed]
    text = "You may have missed:\n" + "\n".join(lines)
    return _short(text, HINT_MAX) + "\n-# A hint from your answer's words, not a grade."


class ChecklistModal(ui.Modal, title="Which key points did you cover?"):
    def __init__(self, checklist: Checklist) -> None:
        target, target_id = checklist.target, checklist.target_id
        super().__init__(custom_id=f"drill:check:modal:{target}:{target_id}", timeout=900)
        hint = hint_text(checklist)
        if hint is not None:
            self.add_item(ui.TextDisplay(hint))
        points = checklist.key_points
        for n, start in enumerate(range(0, min(len(points), 2 * PER_GROUP), PER_GROUP)):
            chunk = points[start : start + PER_GROUP]
            group: ui.CheckboxGroup[ChecklistModal] = ui.CheckboxGroup(
                custom_id=f"points{n}",
                required=False,
                min_values=0,
                max_values=len(chunk),
                options=[
                    discord.CheckboxGroupOption(
                        label=_short(point, OPTION_MAX), value=str(start + i)
                    )
                    for i, point in enumerate(chunk)
                ],
            )
            text = "Key points your answer covered" if n == 0 else "… and these"
            self.add_item(ui.Label(text=text, component=group))


def ticked(data: dict[str, Any]) -> set[int]:
    """The key points ticked in a checklist modal's submission."""
    out: set[int] = set()
    rows: list[Any] = list(data.get("components", []))
    while rows:
        row = rows.pop()
        if isinstance(row.get("component"), dict):
            rows.append(row["component"])
        rows.extend(row.get("components") or [])
        if str(row.get("custom_id", "")).startswith("points"):
            out.update(int(v) for v in row.get("values") or [] if str(v).isdigit())
    return out
