"""Practice buttons, modals and embeds. Glue only: each press is handed to the quiz cog.

Every button is a ``Press`` (cogs/buttons.py) whose custom id carries only ids (a session or a
daily post); the rest is read from the database, so a message sent before a restart still works
after it.
Modals are plain payload builders: their submissions are routed by custom id in the cog's
``on_interaction`` listener, because discord.py forgets open modals when the process restarts.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord
from discord import ui

from bot.bank import Question
from bot.practice.quiz import MAX_ANSWER, MAX_REPORT_DETAIL
from bot.practice.srs import GRADES
from cogs.buttons import Press
from cogs.checklist_views import CheckDailyButton, CheckQuizButton

GRADE_STYLES = {
    1: discord.ButtonStyle.danger,
    2: discord.ButtonStyle.secondary,
    3: discord.ButtonStyle.primary,
    4: discord.ButtonStyle.success,
}
GRADE_LOOKS = {grade: (GRADES[grade], style) for grade, style in GRADE_STYLES.items()}
EMBED_TOTAL = 6000  # Discord's limit for all embeds of one message
ANSWER_MODAL = re.compile(r"drill:quiz:modal:(?P<session_id>\d+)")
REPORT_MODAL = re.compile(r"drill:report:modal:(?P<session_id>\d+)")
DAILY_REPORT_MODAL = re.compile(r"drill:daily:report:modal:(?P<post_id>\d+)")


class Handlers(Protocol):
    """What the buttons call; implemented by cogs.quiz.QuizCog."""

    async def press_answer(self, interaction: discord.Interaction, session_id: int) -> None: ...
    async def press_notes(self, interaction: discord.Interaction, session_id: int) -> None: ...
    async def press_skip(self, interaction: discord.Interaction, session_id: int) -> None: ...
    async def press_grade(
        self, interaction: discord.Interaction, session_id: int, grade: int
    ) -> None: ...
    async def press_report(self, interaction: discord.Interaction, session_id: int) -> None: ...
    async def press_daily_grade(
        self, interaction: discord.Interaction, post_id: int, grade: int
    ) -> None: ...
    async def press_daily_report(self, interaction: discord.Interaction, post_id: int) -> None: ...
    async def press_daily_model(self, interaction: discord.Interaction, post_id: int) -> None: ...
    async def press_levels(self, interaction: discord.Interaction, session_id: int) -> None: ...


class QuizPress(Press[Handlers], cog="QuizCog", unavailable="Practice is unavailable right now."):
    """The practice buttons: each press goes to the quiz cog."""


# -- buttons ----------------------------------------------------------------------------------
class AnswerButton(QuizPress, custom_id="drill:quiz:answer:{session_id}", kind="quiz.answer"):
    session_id: int
    label, style = "Answer", discord.ButtonStyle.primary

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_answer(interaction, self.session_id)


class NotesButton(QuizPress, custom_id="drill:quiz:notes:{session_id}", kind="quiz.notes"):
    session_id: int
    label = "Show notes"

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_notes(interaction, self.session_id)


class SkipButton(QuizPress, custom_id="drill:quiz:skip:{session_id}", kind="quiz.skip"):
    session_id: int
    label = "Skip"

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_skip(interaction, self.session_id)


class GradeButton(QuizPress, custom_id="drill:grade:{session_id}:{grade:[1-4]}", kind="quiz.grade"):
    session_id: int
    grade: int
    looks = ("grade", GRADE_LOOKS)

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_grade(interaction, self.session_id, self.grade)


class ReportButton(QuizPress, custom_id="drill:report:{session_id}", kind="quiz.report"):
    session_id: int
    label, emoji = "Report", "\N{WARNING SIGN}"

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_report(interaction, self.session_id)


class DailyGradeButton(
    QuizPress, custom_id="drill:daily:grade:{post_id}:{grade:[1-4]}", kind="daily.grade"
):
    post_id: int
    grade: int
    looks = ("grade", GRADE_LOOKS)

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_daily_grade(interaction, self.post_id, self.grade)


class DailyReportButton(QuizPress, custom_id="drill:daily:report:{post_id}", kind="daily.report"):
    post_id: int
    label, emoji = "Report", "\N{WARNING SIGN}"

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_daily_report(interaction, self.post_id)


class LevelsButton(QuizPress, custom_id="drill:quiz:levels:{session_id}", kind="quiz.levels"):
    """After a /quiz or /review reveal, when the question has them: what a strong-hire, a hire
    and a no-hire answer sound like, and the model answer, shown privately on request (the
    reveal's own message has no room left beside a long answer)."""

    session_id: int
    label, emoji = "Levels & model answer", "\N{BAR CHART}"

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_levels(interaction, self.session_id)


class DailyModelAnswerButton(
    QuizPress, custom_id="drill:daily:model:{post_id}", kind="daily.model"
):
    """Under the daily reveal when the question has a model answer: shows it to whoever
    presses, privately, after they have seen the key points and levels."""

    post_id: int
    label, emoji = "Model answer", "\N{SPEECH BALLOON}"

    async def pressed(self, cog: Handlers, interaction: discord.Interaction) -> None:
        await cog.press_daily_model(interaction, self.post_id)


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (
    AnswerButton,
    NotesButton,
    SkipButton,
    GradeButton,
    ReportButton,
    DailyGradeButton,
    DailyReportButton,
    DailyModelAnswerButton,
    LevelsButton,
)


# -- views ------------------------------------------------------------------------------------
def _view(*items: ui.Item[Any]) -> ui.View:
    view = ui.View(timeout=None)  # persistent: the items are dynamic, state is in the database
    for item in items:
        view.add_item(item)
    return view


def grade_rows(session_id: int, *, levels: bool = False) -> list[ui.ActionRow[Any]]:
    """Under the notes: the four self-grades and Report, then Check key points and (when the
    question has them) Levels & model answer (a row holds five buttons)."""
    second: list[ui.Item[Any]] = [CheckQuizButton(session_id)]
    if levels:
        second.append(LevelsButton(session_id))
    return [
        ui.ActionRow(*(GradeButton(session_id, g) for g in GRADES), ReportButton(session_id)),
        ui.ActionRow(*second),
    ]


def done_rows(session_id: int, *, levels: bool = False) -> list[ui.ActionRow[Any]]:
    items: list[ui.Item[Any]] = [ReportButton(session_id)]
    if levels:
        items.append(LevelsButton(session_id))
    return [ui.ActionRow(*items)]


def has_levels(question: Question) -> bool:
    """Whether a question has anything for the Levels & model answer button to show (its
    sources are shown there too)."""
    return question.levels is not None or bool(question.model_answer or question.sources)


def daily_reveal_rows(post_id: int, *, model_answer: bool = False) -> list[ui.ActionRow[Any]]:
    """The reveal's buttons as action rows for its V2 layout (cogs/cards.py): the self-grades
    and Report, then Check key points and the model answer (a row holds five buttons)."""
    second: list[ui.Item[Any]] = [CheckDailyButton(post_id)]
    if model_answer:
        second.append(DailyModelAnswerButton(post_id))
    return [
        ui.ActionRow(*(DailyGradeButton(post_id, g) for g in GRADES), DailyReportButton(post_id)),
        ui.ActionRow(*second),
    ]


# -- modals -----------------------------------------------------------------------------------
class AnswerModal(ui.Modal, title="Your answer"):
    answer: ui.TextInput[AnswerModal] = ui.TextInput(
        label="Answer as you would in the interview",
        custom_id="answer",
        style=discord.TextStyle.paragraph,
        max_length=MAX_ANSWER,
        required=True,
    )

    def __init__(self, session_id: int) -> None:
        super().__init__(custom_id=f"drill:quiz:modal:{session_id}", timeout=900)


class ReportModal(ui.Modal, title="Report this question"):
    reason: ui.TextInput[ReportModal] = ui.TextInput(
        label="What is wrong? wrong, unclear or outdated",
        custom_id="reason",
        placeholder="wrong / unclear / outdated",
        max_length=20,
        required=True,
    )
    detail: ui.TextInput[ReportModal] = ui.TextInput(
        label="Details for the organisers",
        custom_id="detail",
        style=discord.TextStyle.paragraph,
        max_length=MAX_REPORT_DETAIL,
        required=False,
    )

    def __init__(self, custom_id: str) -> None:
        super().__init__(custom_id=custom_id, timeout=900)
