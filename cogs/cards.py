"""The daily post and the reveal laid out with components (Components V2, discord.py's
``ui.LayoutView``): a container in the topic's colour, the Answer button beside the prompt, the
notes as text displays, the worked solution as a code block or an attached file. Layout only:
the data comes from the core unchanged; the split rule is in cogs/v2_fit.py.

A V2 message has no ``content`` or embeds, so the marker that finds a post again after a crash
is the last text display (``-# Daily question · 2026-03-02 · cicd-001``); ``marker_text`` reads
it there, or from the embed footer of a post made before this layout.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from typing import Any

import discord
from discord import ui

from bot.bank import Question
from bot.daily.publishing import DailyCard, RevealCard
from cogs import blind
from cogs import notes_layout as layout
from cogs.render import TESTING_HEADING, awards_line, ts
from cogs.v2_fit import MAX_COMPONENTS, MAX_TEXT, Block, code_blocks, pack

# One colour per topic, so a member knows the topic at a glance; a topic a pack adds gets one
# from its name.
TOPIC_COLOUR = {
    "python": 0x3776AB,
    "cicd": 0x2ECC71,
    "serving": 0xE67E22,
    "ml": 0x9B59B6,
    "containers": 0x326CE5,
    "pipelines": 0x1ABC9C,
    "cloud": 0xF39C12,
    "monitoring": 0xE74C3C,
    "features": 0x16A085,
    "iac": 0x7B42BC,
    "data": 0x2980B9,
    "security": 0xC0392B,
    "design": 0xD35400,
    "behavioural": 0xF1C40F,
    "llmops": 0x8E44AD,
}
DIFFICULTY_MARK = {"easy": "🟢", "medium": "🟡", "hard": "🔴"}
SOLUTION_INLINE = 1500  # a longer solution is attached as a file
EXTENSIONS = {"python": "py", "yaml": "yaml", "json": "json", "sql": "sql", "bash": "sh"}
EXTENSIONS |= {"dockerfile": "Dockerfile", "hcl": "tf", "text": "txt"}
FOOTER_ROOM = 300  # the marker line under each part
BUTTON_ROOM = 9  # the reveal's buttons: two rows, seven buttons
BLOCK_CHARS = MAX_TEXT - FOOTER_ROOM
BLOCK_COMPONENTS = MAX_COMPONENTS - 2 - BUTTON_ROOM  # less the container and the marker line


def topic_colour(topic: str) -> int:
    return TOPIC_COLOUR.get(topic, zlib.crc32(topic.encode()) & 0xFFFFFF)


def footer(text: str) -> ui.TextDisplay[Any]:
    return ui.TextDisplay(f"-# {text}"[:FOOTER_ROOM])


# -- the daily post ----------------------------------------------------------------------------
def how_to_answer(card: DailyCard) -> str:
    if card.blind:
        return (
            "Press **Answer**. Nobody sees your answer until the reveal, when every answer is "
            "posted together in a thread; press again to change yours until then."
        )
    if card.typed:
        return (
            "Reply in the thread under this message, or press **Answer**: your answer is "
            "posted in the thread under your name."
        )
    return (
        "Press **Answer**: your answer is posted in the thread under your name (messages "
        "typed in the thread cannot be read by the bot)."
    )


def daily_layout(card: DailyCard) -> ui.LayoutView:
    """Topic colour, topic and difficulty, the prompt with the Answer button beside it, how to
    answer and when the notes come; the marker line last."""
    q = card.question
    view = ui.LayoutView(timeout=None)  # persistent: the button is dynamic, state in the database
    if card.ping_role_id:
        view.add_item(ui.TextDisplay(f"<@&{card.ping_role_id}>"))
    head = f"## Question of the day\n**{card.topic_name}** · "
    head += f"{DIFFICULTY_MARK.get(q.difficulty, '')} {q.difficulty.title()}".strip()
    if card.reveal_at is not None:
        head += f" · notes revealed {ts(card.reveal_at)}"
    view.add_item(
        ui.Container(
            ui.TextDisplay(head),
            ui.Separator(),
            ui.Section(ui.TextDisplay(q.prompt), accessory=blind.AnswerButton(card.post_id)),
            ui.TextDisplay(f"-# {how_to_answer(card)}"),
            accent_colour=topic_colour(q.topic),
        )
    )
    view.add_item(footer(f"{card.marker} · {q.id}"))
    return view


# -- the reveal --------------------------------------------------------------------------------
def bullets(heading: str, items: Sequence[str]) -> list[Block]:
    return [Block(f"### {heading}\n" + "\n".join(f"• {i}" for i in items))] if items else []


def solution_name(question: Question) -> str:
    solution = question.solution
    assert solution is not None
    ext = EXTENSIONS.get(solution.language, "txt")
    return f"solution-{question.id}.{ext}" if ext != "Dockerfile" else f"{question.id}.Dockerfile"


def solution_blocks(question: Question, *, attach: bool = True) -> list[Block]:
    """A short solution as a code block; a long one as an attached file (named in the text),
    or, where the bot may not attach files, as code blocks split like any long text."""
    solution = question.solution
    if solution is None:
        return []
    notes = f"\n{solution.notes}" if solution.notes else ""
    if len(solution.code) <= SOLUTION_INLINE or not attach:
        first, *rest = code_blocks(solution.code, solution.language, SOLUTION_INLINE + 20)
        blocks = [Block(f"### {layout.SOLUTION_TITLE}\n{first}"), *(Block(r) for r in rest)]
        return [*blocks[:-1], Block(blocks[-1].text + notes)]
    lines = solution.code.count("\n") + 1
    name = solution_name(question)
    return [
        Block(
            f"### {layout.SOLUTION_TITLE}\nIn the attached file `{name}` ({lines} lines).{notes}"
        ),
        Block(file=name),
    ]


def reveal_blocks(card: RevealCard, *, attach: bool = True) -> list[Block]:
    """Everything the reveal says, in reading order, as blocks."""
    q = card.question
    answered = f"{card.answered} member{'s' if card.answered != 1 else ''} answered"
    status = f"-# answers are closed · {answered}"
    if card.discussion_until is not None:
        status += f" · the thread stays open for discussion until {ts(card.discussion_until, 't')}"
    blocks = [Block(f"## {TESTING_HEADING}\n{q.testing}\n{status}")]
    blocks += bullets("Key points of a strong answer", q.key_points)
    if q.levels is not None:
        text = "\n".join(f"**{h}**\n{getattr(q.levels, a)}" for a, h in layout.LEVEL_HEADINGS)
        blocks.append(Block(f"### What answers sound like\n{text}"))
    blocks += bullets("Red flags: a weak answer…", q.red_flags)
    blocks += bullets("Follow-up questions", q.follow_ups)
    sources = [layout.source_line(s.url, s.claim, s.checked) for s in q.sources]
    blocks += bullets(layout.SOURCES_HEADING, sources)
    if card.awards:
        blocks.append(Block(f"### Points\n{awards_line(card.awards)}"))
    return blocks + solution_blocks(q, attach=attach)


def reveal_parts(
    card: RevealCard, buttons: Sequence[ui.ActionRow[Any]] = (), *, attach: bool = True
) -> list[tuple[ui.LayoutView, list[discord.File]]]:
    """The reveal as one message, or several when it does not fit Discord's 40 components and
    4,000 characters (never cut). The marker goes on the LAST part, so a run that dies half-way
    finds no marker and sends the whole reveal again; the buttons go under the last part too.
    ``attach``: whether the bot may attach files where the reveal goes."""
    q = card.question
    blocks = reveal_blocks(card, attach=attach)
    groups = pack(blocks, chars=BLOCK_CHARS, components=BLOCK_COMPONENTS)
    answered = f"{card.answered} member{'s' if card.answered != 1 else ''} answered"
    marker = " · ".join(filter(None, (card.marker, answered, q.id)))
    out: list[tuple[ui.LayoutView, list[discord.File]]] = []
    for n, group in enumerate(groups, start=1):
        last = n == len(groups)
        view = ui.LayoutView(timeout=None)
        container: ui.Container[Any] = ui.Container(accent_colour=topic_colour(q.topic))
        files: list[discord.File] = []
        for i, block in enumerate(group):
            if i:
                container.add_item(ui.Separator())
            if block.file:
                assert q.solution is not None
                data = io.BytesIO(q.solution.code.encode())
                files.append(discord.File(data, filename=block.file))
                container.add_item(ui.File(f"attachment://{block.file}"))
            else:
                container.add_item(ui.TextDisplay(block.text))
        view.add_item(container)
        if last:
            for row in buttons:
                view.add_item(row)
        view.add_item(
            footer(marker if last else f"{q.id} · part {n} of {len(groups)}, continued below")
        )
        out.append((view, files))
    return out


# -- reading a post back -----------------------------------------------------------------------
def marker_text(message: discord.Message) -> str | None:
    """The marker line of a message the bot sent: the embed footer of a post made before the
    V2 layout, or the last text display of one made with it (without its ``-# ``)."""
    if message.embeds:
        return message.embeds[0].footer.text
    found = [c.content for c in walk(message.components) if isinstance(c, discord.TextDisplay)]
    return found[-1].removeprefix("-# ") if found else None


def walk(components: Sequence[Any]) -> list[Any]:
    """Every component of a message, nested ones included, in tree order."""
    out: list[Any] = []
    for component in components:
        out.append(component)
        out.extend(walk(list(getattr(component, "children", None) or [])))
        accessory = getattr(component, "accessory", None)
        if accessory is not None:
            out.append(accessory)
    return out
