"""How much of a layout fits one message laid out with components (Components V2), and how a
longer one is split over several messages: never cut, nothing dropped.

Discord allows 40 components in a message (nested ones count: a container and everything in
it) and 4,000 characters across its text displays (../shared/FACTS.md). A layout here is a list
of blocks, each shown as a text display (or a file) after a separator; ``pack`` groups
consecutive blocks into messages within both limits. Plain data in, plain data out, so the
rule is tested directly (tests/test_v2_fit.py); cogs/cards.py turns the groups into views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_COMPONENTS = 40
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of a layout: a text display's markdown, or (``file`` set) a file component
    for an attachment of that name, which takes a component and no text."""

    text: str = ""
    file: str = ""

    @property
    def chars(self) -> int:
        return len(self.text)


def pieces(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, broken at line ends or spaces where
    possible; joined again with the character broken at, they are the text."""
    out: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:  # one long word: break inside it
            out.append(text[:limit])
            text = text[limit:]
            continue
        out.append(text[:cut])
        text = text[cut + 1 :]
    if text:
        out.append(text)
    return out


def code_blocks(code: str, language: str, limit: int) -> list[str]:
    """Code as fenced blocks of at most ``limit`` characters each, every one closed (a fence
    inside the code would end the block early, so it is defused)."""
    code = code.replace("```", "ʼʼʼ")
    fence = f"```{language}\n"
    room = limit - len(fence) - len("\n```")
    return [f"{fence}{part}\n```" for part in pieces(code, room)]


def pack(
    blocks: Sequence[Block], *, chars: int, components: int, per_block: int = 2
) -> list[list[Block]]:
    """Consecutive ``blocks`` grouped into messages: each group's text at most ``chars`` and its
    blocks at most ``components // per_block`` (a block is a text display or a file, plus the
    separator before it). A text block longer than ``chars`` is first broken into pieces at
    line ends. The order is kept and nothing is dropped or cut."""
    if chars < 1 or components < per_block:
        raise ValueError("a message must have room for one block")
    room = components // per_block
    groups: list[list[Block]] = []
    size = 0
    for block in blocks:
        parts = [Block(p) for p in pieces(block.text, chars)] if block.chars > chars else [block]
        for part in parts:
            if not groups or len(groups[-1]) >= room or size + part.chars > chars:
                groups.append([])
                size = 0
            groups[-1].append(part)
            size += part.chars
    return groups


def fits(group: Sequence[Block], *, chars: int, components: int, per_block: int = 2) -> bool:
    return sum(b.chars for b in group) <= chars and len(group) * per_block <= components
