"""What /quiz and /review show: the question card, the answer beside the notes, the grade line.
Split from cogs/quiz_views.py (the buttons and modals) so each stays readable."""

from __future__ import annotations

import discord

from bot.practice.quiz import Graded, Revealed, Shown
from cogs import render
from cogs.quiz_views import EMBED_TOTAL


def question_embed(shown: Shown) -> discord.Embed:
    mode = {"review": "Review", "daily": "Daily"}.get(shown.session.mode, "Practice")
    embed = render.question_embed(shown.question, shown.topic.name, title=f"{mode} question")
    embed.set_footer(text=_footer(shown.question.id, shown.question.version, shown.session.id))
    return embed


def reveal_embeds(revealed: Revealed) -> list[discord.Embed]:
    shown = Shown(revealed.session, revealed.question, revealed.topic)
    question = question_embed(shown)
    notes = render.notes_embed(
        revealed.question,
        revealed.topic.name,
        footer=_footer(revealed.question.id, revealed.question.version, revealed.session.id),
    )
    if revealed.answer is None:
        question.add_field(name="Your answer", value="(notes shown without answering)")
        return [question, notes]
    # Discord caps all embeds of a message at 6,000 characters: the answer gets what is left.
    room = min(4096, EMBED_TOTAL - len(question) - len(notes) - 40)
    text = revealed.answer if len(revealed.answer) <= room else revealed.answer[: room - 1] + "…"
    answer = discord.Embed(title="Your answer", description=text, colour=0x95A5A6)
    return [question, answer, notes]


def graded_line(graded: Graded) -> str:
    return (
        f"Graded **{graded.grade_name}** · this question comes back in your /review "
        f"{render.ts(graded.due)}."
    )


def _footer(question_id: str, version: str, session_id: int) -> str:
    return f"{question_id} v{version} · session {session_id}"
