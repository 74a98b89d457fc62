"""Hostile packs: anchors and aliases, repeated ids, oversized text, a slow walk.

Each must be refused with a position and in time linear in the text; pytest's timeout is the
backstop for the ones that used to take seconds to minutes.
"""

from __future__ import annotations

import time

import pytest

from bot.bank import MAX_PACK_BYTES, Bank, Pack, PackError, Question, Topic, parse_pack
from bot.bank.parse import PackTooSlow
from tests.support.hostile_packs import BOMB_ANCHOR_AT, alias_bomb, aliased_copies, huge_pack

ANCHORS_REFUSED = "anchors and aliases are not allowed in packs"


def test_alias_bomb_is_refused_at_its_first_anchor_before_any_walk() -> None:
    text = alias_bomb()
    assert len(text.encode()) == 537
    pack, issues = parse_pack(text, "bomb.yaml")
    assert pack is None
    first = issues[0]
    assert (first.source, first.line, first.column) == ("bomb.yaml", *BOMB_ANCHOR_AT)
    assert "anchor '&a0'" in first.message and ANCHORS_REFUSED in first.message
    assert str(first).startswith("bomb.yaml:3:5: ")
    # Every anchor and alias is named, up to a cap that keeps the reply readable.
    assert {i.line for i in issues} == set(range(3, 6))
    assert len(issues) == 20
    assert issues[1].message.startswith("YAML anchor '&a1'")
    assert issues[2].message.startswith("YAML alias '*a0'")


def test_ten_thousand_aliased_copies_are_refused_not_expanded() -> None:
    text = aliased_copies(10_000)
    pack, issues = parse_pack(text, "copies.yaml")
    assert pack is None
    assert [(i.line, i.column) for i in issues[:3]] == [(7, 5), (15, 5), (16, 5)]
    assert "anchor '&q'" in issues[0].message and "alias '*q'" in issues[1].message


def test_merge_key_needs_an_alias_and_is_refused_too() -> None:
    text = "pack: p\nversion: 1\nbase: &b {kind: technical}\nquestions:\n  - <<: *b\n"
    pack, issues = parse_pack(text, "merge.yaml")
    assert pack is None
    assert [(i.line, i.column) for i in issues] == [(3, 7), (5, 9)]


def test_pack_over_the_size_cap_is_refused_before_parsing() -> None:
    text = huge_pack()
    pack, issues = parse_pack(text, "huge.yaml")
    assert pack is None
    (issue,) = issues
    assert (issue.line, issue.column) == (1, 1)
    assert issue.message == (
        f"pack is {len(text.encode()) // 1024} KiB; the limit is {MAX_PACK_BYTES // 1024} KiB"
    )


def test_collection_used_as_a_key_is_refused_without_turning_it_into_text() -> None:
    text = "pack: p\nversion: 1\n[a, b]: 1\nquestions: []\n"
    _, issues = parse_pack(text, "key.yaml")
    assert [(i.line, i.column, i.message) for i in issues] == [
        (3, 1, "pack: keys must be plain text")
    ]


def test_a_passed_deadline_stops_the_walk() -> None:
    text = aliased_copies(1).replace("  - &q\n", "  -\n")
    pack, issues = parse_pack(text, "ok.yaml")
    assert pack is not None and not issues
    with pytest.raises(PackTooSlow):
        parse_pack(text, "ok.yaml", deadline=time.monotonic() - 1)


def test_ten_thousand_repeated_ids_are_each_located_in_one_pass() -> None:
    question = Question(
        "dup-001", "t", "easy", "technical", "Why?", "Nothing.", ("a", "b", "c"), pack="p"
    )
    lines = ["pack: p", "version: 1", "questions:"] + ["  - id: dup-001"] * 10_000
    pack = Pack("p", "1", "p.yaml", (Topic("t", "T"),), (question,) * 10_000)
    with pytest.raises(PackError) as caught:
        Bank.from_packs([(pack, "\n".join(lines))])
    issues = caught.value.issues
    assert len(issues) == 9_999
    # Each repeat points at its own line (the first claim, line 4, is not an issue).
    assert [(i.line, i.column) for i in issues] == [(n, 5) for n in range(5, 10_004)]
