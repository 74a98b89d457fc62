"""The second edition's question fields and the pack's retired ids, read like the rest of a pack:
every problem collected with file:line:column, nothing accepted that is not text.

Kept apart from ``parse.py`` so the core schema reads on one screen; ``parse.py`` calls in here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from bot.bank.models import (
    MAX_RED_FLAG,
    MAX_SOLUTION_CODE,
    MAX_SOLUTION_NOTES,
    RED_FLAGS_RANGE,
    ROUNDS,
    SIGNALS,
    SOLUTION_LANGUAGES,
    Retired,
    Solution,
)

if TYPE_CHECKING:
    from bot.bank.parse import _Reader

Fields = dict[str, tuple[yaml.Node, yaml.Node]]

EXTRA_FIELDS = frozenset({"red_flags", "rounds", "signals", "reviewed", "solution"})
_REVIEWED_RE = re.compile(r"^(?P<year>20\d\d)-(?P<month>0[1-9]|1[0-2])$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


@dataclass(frozen=True, slots=True)
class Extras:
    red_flags: tuple[str, ...] = ()
    rounds: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    reviewed: str = ""
    solution: Solution | None = None


def parse_extras(reader: _Reader, fields: Fields, where: str, node: yaml.Node) -> Extras:
    """Read the optional second-edition fields of one question (issues go to ``reader``)."""
    rf_node, red_flags = reader.text_list(fields, "red_flags", where, max_len=MAX_RED_FLAG)
    low, high = RED_FLAGS_RANGE
    if isinstance(rf_node, yaml.SequenceNode) and not low <= len(rf_node.value) <= high:
        reader.error(
            rf_node,
            f"{where}: red_flags must have {low} to {high} items (got {len(rf_node.value)})",
        )
    rounds = _choices(reader, fields, "rounds", where, ROUNDS)
    signals = _choices(reader, fields, "signals", where, SIGNALS)
    reviewed = reader.text(fields, "reviewed", where, node, required=False, max_len=7) or ""
    if reviewed and not _REVIEWED_RE.match(reviewed):
        reader.error(fields["reviewed"][1], f"{where}: reviewed must be YYYY-MM (got '{reviewed}')")
        reviewed = ""
    return Extras(tuple(red_flags), rounds, signals, reviewed, _solution(reader, fields, where))


def _choices(
    reader: _Reader, fields: Fields, name: str, where: str, allowed: tuple[str, ...]
) -> tuple[str, ...]:
    node, values = reader.text_list(fields, name, where, max_len=40)
    if node is None:
        return ()
    if isinstance(node, yaml.SequenceNode) and not node.value:
        reader.error(node, f"{where}: {name} must not be empty")
    bad = [v for v in values if v not in allowed]
    if bad:
        reader.error(
            node,
            f"{where}: {name} must be from {', '.join(allowed)} (got {', '.join(map(repr, bad))})",
        )
    if len(set(values)) != len(values):
        reader.error(node, f"{where}: {name} lists a value twice")
    return tuple(v for v in dict.fromkeys(values) if v in allowed)


def _solution(reader: _Reader, fields: Fields, where: str) -> Solution | None:
    if "solution" not in fields:
        return None
    _, node = fields["solution"]
    sub = reader.mapping(node, f"{where}: solution")
    if sub is None:
        return None
    here = f"{where}: solution"
    language = reader.text(sub, "language", here, node)
    if language and language not in SOLUTION_LANGUAGES:
        reader.error(
            sub["language"][1],
            f"{here}: language must be one of {', '.join(SOLUTION_LANGUAGES)} (got '{language}')",
        )
        language = None
    code = _code(reader, sub, here, node)
    notes = reader.text(sub, "notes", here, node, required=False, max_len=MAX_SOLUTION_NOTES)
    for name, (name_node, _) in sub.items():
        if name not in {"language", "code", "notes"}:
            reader.error(name_node, f"{here}: unknown field '{name}'")
    if language and code:
        return Solution(language, code, notes or "")
    return None


def _code(reader: _Reader, sub: Fields, here: str, parent: yaml.Node) -> str | None:
    """Code keeps its indentation (only trailing blank lines go), unlike other text."""
    if "code" not in sub:
        reader.error(parent, f"{here}: missing field 'code'")
        return None
    _, node = sub["code"]
    if reader.scalar_text(node, f"{here}: code", MAX_SOLUTION_CODE) is None:
        return None
    return str(node.value).rstrip()


def parse_retired(reader: _Reader, top: Fields) -> Iterator[Retired]:
    """The pack's ``retired:`` list: ids merged into another question, kept so that history
    pointing at them still reads and so that the id is never given to a new question."""
    if "retired" not in top:
        return
    _, seq = top["retired"]
    if not isinstance(seq, yaml.SequenceNode):
        reader.error(seq, "retired must be a list")
        return
    for node in seq.value:
        fields = reader.mapping(node, "retired")
        if fields is None:
            continue
        rid = reader.text(fields, "id", "retired", node)
        target = reader.text(fields, "replaced_by", f"retired '{rid}'", node)
        for text, name in ((rid, "id"), (target, "replaced_by")):
            if text and not _ID_RE.match(text):
                reader.error(fields[name][1], f"retired: {name} must be a question id")
                return
        if rid and target:
            if rid == target:
                reader.error(node, f"retired '{rid}': cannot be replaced by itself")
                continue
            yield Retired(rid, target)
