"""What /quiz and /review show, laid out with components (Components V2): the question card
with the Answer button beside the prompt, then the answer beside the notes, then the grade line.
Every step edits the same private message, so every step is a V2 layout (the flag, once set,
stays). Split from cogs/quiz_views.py (the buttons and modals) so each stays readable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord
from discord import ui

from bot.practice.quiz import Graded, Revealed, Shown
from cogs import quiz_views as views
from cogs import render
from cogs.cards import BLOCK_CHARS, BLOCK_COMPONENTS, DIFFICULTY_MARK, bullets, footer, topic_colour
from cogs.v2_fit import Block, code_blocks, pack

ANSWER_ROOM = 1500  # of a reveal's text, at most this for the member's own answer (then "…")


def heading(shown: Shown) -> str:
    mode = {"review": "Review", "daily": "Daily"}.get(shown.session.mode, "Practice")
    q = shown.question
    mark = DIFFICULTY_MARK.get(q.difficulty, "")
    return f"## {mode} question\n**{shown.topic.name}** · {mark} {q.difficulty.title()}"


def question_layout(shown: Shown) -> ui.LayoutView:
    """The card: topic colour, topic and difficulty, the prompt with Answer beside it, then
    Show notes, Skip and Report; the question and session in the last line."""
    s = shown.session.id
    view = ui.LayoutView(timeout=None)  # persistent: the items are dynamic
    view.add_item(
        ui.Container(
            ui.TextDisplay(heading(shown)),
            ui.Separator(),
            ui.Section(ui.TextDisplay(shown.question.prompt), accessory=views.AnswerButton(s)),
            ui.ActionRow(views.NotesButton(s), views.SkipButton(s), views.ReportButton(s)),
            accent_colour=topic_colour(shown.question.topic),
        )
    )
    view.add_item(footer(_footer(shown.question.id, shown.question.version, s)))
    return view


def reveal_blocks(revealed: Revealed) -> list[Block]:
    q = revealed.question
    shown = Shown(revealed.session, q, revealed.topic)
    answer = revealed.answer
    if answer is None:
        mine = "-# Notes shown without answering."
    else:
        text = answer if len(answer) <= ANSWER_ROOM else answer[: ANSWER_ROOM - 1] + "…"
        mine = f"### Your answer\n{text}"
    blocks = [Block(f"{heading(shown)}\n{q.prompt}"), Block(mine)]
    blocks.append(Block(f"## {render.TESTING_HEADING}\n{q.testing}"))
    blocks += bullets("Key points of a strong answer", q.key_points)
    blocks += bullets("Red flags: a weak answer…", q.red_flags)
    blocks += bullets("Follow-up questions", q.follow_ups)
    if q.solution is not None:
        notes = f"\n{q.solution.notes}" if q.solution.notes else ""
        code = code_blocks(q.solution.code, q.solution.language, BLOCK_CHARS - 40)
        blocks.append(Block(f"### Worked solution\n{code[0]}"))
        blocks += [Block(part) for part in code[1:]]
        blocks[-1] = Block(blocks[-1].text + notes)
    return blocks


def reveal_layouts(revealed: Revealed, rows: Sequence[ui.ActionRow[Any]]) -> list[ui.LayoutView]:
    """The answer beside the notes: the first message is the card itself (edited, with the
    grade buttons); what does not fit Discord's 40 components and 4,000 characters follows in
    further private messages, in order, never cut (the member's own answer is shown up to
    1,500 characters: they have it)."""
    q = revealed.question
    groups = pack(reveal_blocks(revealed), chars=BLOCK_CHARS, components=BLOCK_COMPONENTS)
    mark = _footer(q.id, q.version, revealed.session.id)
    out = []
    for n, group in enumerate(groups, start=1):
        view = ui.LayoutView(timeout=None)
        container: ui.Container[Any] = ui.Container(accent_colour=topic_colour(q.topic))
        for i, block in enumerate(group):
            if i:
                container.add_item(ui.Separator())
            container.add_item(ui.TextDisplay(block.text))
        view.add_item(container)
        if n == 1:
            for row in rows:
                view.add_item(row)
        part = f" · part {n} of {len(groups)}" if len(groups) > 1 else ""
        view.add_item(footer(mark + part))
        out.append(view)
    return out


def graded_layout(
    message: discord.Message | None, graded: Graded, rows: Sequence[ui.ActionRow[Any]]
) -> ui.LayoutView:
    """The card after a grade: the notes it showed stay, the grade buttons give way to the
    grade line and what is left to press."""
    view = ui.LayoutView(timeout=None)
    if message is not None and message.flags.components_v2:
        shown = ui.LayoutView.from_message(message, timeout=None)
        for item in shown.children:
            if isinstance(item, ui.Container):
                view.add_item(item)
    view.add_item(ui.TextDisplay(graded_line(graded)))
    for row in rows:
        view.add_item(row)
    q = graded.question
    view.add_item(footer(_footer(q.id, q.version, graded.session.id)))
    return view


def graded_line(graded: Graded) -> str:
    return (
        f"Graded **{graded.grade_name}** · this question comes back in your /review "
        f"{render.ts(graded.due)}."
    )


def _footer(question_id: str, version: str, session_id: int) -> str:
    return f"{question_id} v{version} · session {session_id}"
