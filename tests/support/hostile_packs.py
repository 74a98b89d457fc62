"""Hostile pack texts: an alias bomb, aliased copies, and a pack past the size cap."""

from __future__ import annotations

from bot.bank import MAX_PACK_BYTES

_HEAD = "pack: bomb\nversion: 1\ntopics:\n  - slug: bomb\n    name: Bomb\n"


def alias_bomb() -> str:
    """Nine levels of nine aliases, the last used as a mapping key: 9^9 visits to walk it.

    537 bytes, the size of the pack that took 2.3 s and 325 MB on every rebuild.
    """
    lines = ["pack: bomb", "version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines += ["questions:", "  - {*a8 : 1}"]
    text = "\n".join(lines) + "\n"
    return text + "#" * (537 - len(text) - 1) + "\n"


BOMB_ANCHOR_AT = (3, 5)  # the first anchor, &a0: line 3, column 5


def aliased_copies(count: int = 10_000) -> str:
    """One question anchored once and aliased ``count - 1`` times (~70 KB for 10,000)."""
    first = (
        "  - &q\n"
        "    id: bomb-001\n"
        "    topic: bomb\n"
        "    difficulty: easy\n"
        "    kind: technical\n"
        "    prompt: Why is this pack so large?\n"
        "    testing: Nothing.\n"
        "    key_points: [one, two, three]\n"
    )
    return _HEAD + "questions:\n" + first + "  - *q\n" * (count - 1)


def huge_pack(questions: int = 2_000) -> str:
    """Written out in full, valid, and past the size cap."""
    text = big_pack(questions)
    assert len(text.encode()) > MAX_PACK_BYTES
    return text


def big_pack(questions: int = 1_100) -> str:
    """Written out in full and valid: 1,100 questions come just under the size cap."""
    body = "".join(
        f"  - id: huge-{n:05d}\n"
        "    topic: bomb\n"
        "    difficulty: easy\n"
        "    kind: technical\n"
        f"    prompt: Question number {n}, padded to take room in the pack for the test.\n"
        "    testing: Whether the size cap holds.\n"
        "    key_points: [one, two, three]\n"
        for n in range(questions)
    )
    return _HEAD + "questions:\n" + body
