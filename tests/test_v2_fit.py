"""The rule that splits a layout over messages (cogs/v2_fit.py), tested directly: within
Discord's 40 components and 4,000 characters a message, in order, nothing cut or dropped."""

from __future__ import annotations

import pytest

from cogs.cards import BLOCK_CHARS, BLOCK_COMPONENTS, FOOTER_ROOM
from cogs.v2_fit import MAX_COMPONENTS, MAX_TEXT, Block, code_blocks, fits, pack, pieces


def joined(groups: list[list[Block]]) -> str:
    return "".join(b.text for g in groups for b in g)


def test_what_fits_one_message_stays_in_one() -> None:
    blocks = [Block("a" * 1000), Block("b" * 1000), Block(file="s.py")]
    assert pack(blocks, chars=3700, components=29) == [blocks]


def test_text_over_the_limit_moves_to_the_next_message_whole() -> None:
    blocks = [Block("a" * 2000), Block("b" * 1500), Block("c" * 500)]
    groups = pack(blocks, chars=3700, components=29)
    assert groups == [[blocks[0], blocks[1]], [blocks[2]]]
    assert all(fits(g, chars=3700, components=29) for g in groups)


def test_too_many_blocks_for_the_components_split_by_count() -> None:
    blocks = [Block(str(i)) for i in range(30)]
    groups = pack(blocks, chars=3700, components=29)  # 14 blocks: a separator and a text each
    assert [len(g) for g in groups] == [14, 14, 2]
    assert [b for g in groups for b in g] == blocks


def test_a_block_longer_than_a_message_is_broken_at_line_ends_never_cut() -> None:
    text = "\n".join(f"• point {i} " + "x" * 90 for i in range(100))  # ~10,000 characters
    groups = pack([Block("### Head\n" + text)], chars=3700, components=29)
    assert len(groups) == 3
    assert all(sum(b.chars for b in g) <= 3700 for g in groups)
    # Broken only at a newline, which is all that is missing.
    assert "\n".join(b.text for g in groups for b in g) == "### Head\n" + text


def test_one_word_longer_than_a_message_is_broken_inside_it() -> None:
    assert pieces("y" * 9000, 4000) == ["y" * 4000, "y" * 4000, "y" * 1000]


def test_a_file_block_costs_a_component_and_no_text() -> None:
    blocks = [Block("a" * 3700), Block(file="solution.py")]
    assert pack(blocks, chars=3700, components=29) == [blocks]


def test_code_is_split_into_closed_fences() -> None:
    code = "\n".join(f"x_{i} = {i}" for i in range(600))
    parts = code_blocks(code + "\n```oops```", "python", 1000)
    assert len(parts) > 1 and all(len(p) <= 1000 for p in parts)
    assert all(p.startswith("```python\n") and p.endswith("\n```") for p in parts)
    assert all(p.count("```") == 2 for p in parts)  # a fence in the code is defused


def test_a_message_with_no_room_is_refused() -> None:
    with pytest.raises(ValueError):
        pack([Block("a")], chars=100, components=1)


def test_the_reveal_budget_leaves_room_for_its_marker_buttons_and_container() -> None:
    # Blocks, then the container, the marker line and two rows of seven buttons.
    assert BLOCK_CHARS + FOOTER_ROOM == MAX_TEXT
    assert BLOCK_COMPONENTS + 1 + 1 + 9 == MAX_COMPONENTS
    worst = pack([Block("z" * 100)] * 200, chars=BLOCK_CHARS, components=BLOCK_COMPONENTS)
    for group in worst:
        assert 1 + 2 * len(group) - 1 + 1 + 9 <= MAX_COMPONENTS
    assert joined(worst) == "z" * 20000
