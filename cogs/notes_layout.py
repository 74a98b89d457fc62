"""A question's notes laid out as embeds and messages within Discord's limits, split and never
cut: key points, what a strong-hire / hire / no-hire answer sounds like (the levels), red flags,
follow-ups, the worked solution and the model answer.

Discord refuses a message whose embeds hold more than 6,000 characters in all, an embed with a
description over 4,096 characters, a field value over 1,024 or more than 25 fields, and more
than 10 embeds in a message (../shared/FACTS.md). Every function here stays inside those limits
by moving what does not fit into the next field, embed or message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.bank import Question
from cogs.v2_fit import pieces

EMBED_TOTAL = 6000
MAX_EMBEDS = 10
MAX_FIELDS = 25
FIELD_VALUE = 1024
FIELD_NAME = 256
DESCRIPTION = 4096
TITLE = 256
FOOTER = 2048
# What a message keeps free for the footers set after grouping (see ``messages``).
FOOTER_ROOM = 200

LEVEL_HEADINGS = (
    ("strong", "Strong hire: goes beyond the key points"),
    ("hire", "Hire: a solid answer"),
    ("no_hire", "No hire: sounds like"),
)
MODEL_ANSWER_TITLE = "Model answer"
MODEL_ANSWER_FOOTER = "One strong way to say it: compare the substance, not the wording."
SOLUTION_TITLE = "Worked solution"

Field = tuple[str, str]


def text_fields(name: str, text: str) -> list[Field]:
    """One field, or several named '… (continued)' when the text is over 1,024 characters."""
    parts = pieces(text, FIELD_VALUE) or ["—"]
    return [
        ((name if i == 0 else f"{name} (continued)")[:FIELD_NAME], part)
        for i, part in enumerate(parts)
    ]


def bullet_fields(name: str, items: Sequence[str]) -> list[Field]:
    """A bulleted list as fields of at most 1,024 characters, split between items."""
    chunks: list[str] = []
    current = ""
    for item in items:
        for piece in pieces(f"• {item}", FIELD_VALUE):
            joined = f"{current}\n{piece}" if current else piece
            if len(joined) <= FIELD_VALUE:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return [
        ((name if i == 0 else f"{name} (continued)")[:FIELD_NAME], chunk)
        for i, chunk in enumerate(chunks)
    ]


def level_fields(question: Question) -> list[Field]:
    """What a strong-hire, a hire and a no-hire answer sound like (none if not written)."""
    levels = question.levels
    if levels is None:
        return []
    out: list[Field] = []
    for attr, heading in LEVEL_HEADINGS:
        out.extend(text_fields(heading, getattr(levels, attr)))
    return out


SOURCES_HEADING = "Sources for its version-sensitive facts"


def source_line(url: str, claim: str, checked: str) -> str:
    """A masked link to the source with the claim as its text, and when it was checked.
    Brackets in the claim and parentheses in the address would end the link early."""
    text = claim.replace("[", "(").replace("]", ")")
    address = url.replace("(", "%28").replace(")", "%29")
    return f"[{text}]({address}) · checked {checked}"


def source_fields(question: Question) -> list[Field]:
    """Where each version-sensitive claim was checked, and when (none if not sourced)."""
    lines = [source_line(s.url, s.claim, s.checked) for s in question.sources]
    return bullet_fields(SOURCES_HEADING, lines) if lines else []


def fields_embeds(
    title: str,
    description: str,
    fields: Iterable[Field],
    *,
    colour: int,
    budget: int = EMBED_TOTAL - FOOTER_ROOM,
) -> list[discord.Embed]:
    """An embed with ``description`` and as many ``fields`` as fit ``budget`` characters and
    25 fields; the rest go, in order, into embeds titled '… (continued)'."""
    parts = pieces(description, DESCRIPTION) if description else [""]
    embeds = [
        discord.Embed(
            title=(title if i == 0 else f"{title} (continued)")[:TITLE],
            description=part or None,
            colour=colour,
        )
        for i, part in enumerate(parts)
    ]
    embed = embeds[-1]
    for name, value in fields:
        if len(embed.fields) >= MAX_FIELDS or len(embed) + len(name) + len(value) > budget:
            embed = discord.Embed(title=f"{title} (continued)"[:TITLE], colour=colour)
            embeds.append(embed)
        embed.add_field(name=name, value=value, inline=False)
    return embeds


def solution_embeds(question: Question, *, colour: int) -> list[discord.Embed]:
    """The worked solution as a code block (and its notes); a code block longer than an embed's
    description continues in the next embed, each part a closed block."""
    solution = question.solution
    if solution is None:
        return []
    code = solution.code.replace("```", "ʼʼʼ")  # a fence inside the code would end the block
    fence = f"```{solution.language}\n"
    room = DESCRIPTION - len(fence) - len("\n```") - 1
    blocks = [f"{fence}{part}\n```" for part in pieces(code, room)]
    if solution.notes:
        notes = f"\n{solution.notes}"
        if len(blocks[-1]) + len(notes) <= DESCRIPTION:
            blocks[-1] += notes
        else:
            blocks.extend(pieces(solution.notes, DESCRIPTION))
    return [
        discord.Embed(
            title=SOLUTION_TITLE if i == 0 else f"{SOLUTION_TITLE} (continued)",
            description=block,
            colour=colour,
        )
        for i, block in enumerate(blocks)
    ]


def model_answer_embeds(question: Question, *, colour: int = 0x5865F2) -> list[discord.Embed]:
    """The model answer (at most 2,000 characters in a pack, so one embed), or nothing."""
    if not question.model_answer:
        return []
    embeds = fields_embeds(MODEL_ANSWER_TITLE, question.model_answer, (), colour=colour)
    embeds[-1].set_footer(text=MODEL_ANSWER_FOOTER)
    return embeds


def messages(
    embeds: Sequence[discord.Embed], *, room: int = EMBED_TOTAL - FOOTER_ROOM
) -> list[list[discord.Embed]]:
    """Consecutive embeds grouped into messages of at most ``room`` characters and 10 embeds
    (``room`` leaves space for footers set afterwards)."""
    groups: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        if not groups or len(groups[-1]) >= MAX_EMBEDS or size + len(embed) > room:
            groups.append([])
            size = 0
        groups[-1].append(embed)
        size += len(embed)
    return groups


def fits(group: Sequence[discord.Embed]) -> bool:
    """Whether one message of these embeds is within every Discord limit."""
    return (
        len(group) <= MAX_EMBEDS
        and sum(len(e) for e in group) <= EMBED_TOTAL
        and all(
            len(e.title or "") <= TITLE
            and len(e.description or "") <= DESCRIPTION
            and len(e.fields) <= MAX_FIELDS
            and all(len(f.name or "") <= FIELD_NAME for f in e.fields)
            and all(len(f.value or "") <= FIELD_VALUE for f in e.fields)
            and len(e.footer.text or "") <= FOOTER
            for e in group
        )
    )
