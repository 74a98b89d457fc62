"""The third edition's question fields, read like the rest of a pack (every problem collected
with file:line:column, nothing accepted that is not text):

- ``levels``: what a strong-hire, a hire and a no-hire answer sound like;
- ``model_answer``: the answer spoken as a strong candidate would give it;
- ``sources``: where each version-sensitive claim was checked, and in which month.

All three are optional for any pack; ``tests/test_content*.py`` hold the shipped bank to more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml

from bot.bank.models import (
    LEVELS,
    MAX_LEVEL,
    MAX_MODEL_ANSWER,
    MAX_SOURCE_CLAIM,
    MAX_SOURCE_URL,
    MAX_SOURCES,
    Levels,
    Source,
)

if TYPE_CHECKING:
    from bot.bank.parse import _Reader

Fields = dict[str, tuple[yaml.Node, yaml.Node]]

GRADED_FIELDS = frozenset({"levels", "model_answer", "sources"})
_MONTH_RE = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
_SOURCE_FIELDS = ("url", "claim", "checked")


@dataclass(frozen=True, slots=True)
class Graded:
    levels: Levels | None = None
    model_answer: str = ""
    sources: tuple[Source, ...] = ()


def parse_graded(reader: _Reader, fields: Fields, where: str, node: yaml.Node) -> Graded:
    """Read ``levels``, ``model_answer`` and ``sources`` of one question (issues go to
    ``reader``)."""
    model_answer = reader.text(
        fields, "model_answer", where, node, required=False, max_len=MAX_MODEL_ANSWER
    )
    return Graded(
        _levels(reader, fields, where), model_answer or "", _sources(reader, fields, where)
    )


def _levels(reader: _Reader, fields: Fields, where: str) -> Levels | None:
    if "levels" not in fields:
        return None
    _, node = fields["levels"]
    here = f"{where}: levels"
    sub = reader.mapping(node, here)
    if sub is None:
        return None
    texts = [reader.text(sub, name, here, node, max_len=MAX_LEVEL) for name in LEVELS]
    for name, (name_node, _) in sub.items():
        if name not in LEVELS:
            reader.error(
                name_node, f"{here}: unknown field '{name}' (levels are {', '.join(LEVELS)})"
            )
    strong, hire, no_hire = texts
    if strong and hire and no_hire:
        return Levels(strong, hire, no_hire)
    return None


def _sources(reader: _Reader, fields: Fields, where: str) -> tuple[Source, ...]:
    if "sources" not in fields:
        return ()
    _, seq = fields["sources"]
    if not isinstance(seq, yaml.SequenceNode):
        reader.error(seq, f"{where}: sources must be a list")
        return ()
    if not seq.value:
        reader.error(seq, f"{where}: sources must not be empty (leave the field out)")
    if len(seq.value) > MAX_SOURCES:
        reader.error(seq, f"{where}: at most {MAX_SOURCES} sources (got {len(seq.value)})")
        return ()
    out: list[Source] = []
    for i, item in enumerate(seq.value):
        here = f"{where}: sources[{i}]"
        sub = reader.mapping(item, here)
        if sub is None:
            continue
        url = reader.text(sub, "url", here, item, max_len=MAX_SOURCE_URL)
        if url and not _is_web_url(url):
            reader.error(
                sub["url"][1], f"{here}: url must be an http(s) address (got '{url[:80]}')"
            )
            url = None
        claim = reader.text(sub, "claim", here, item, max_len=MAX_SOURCE_CLAIM)
        checked = reader.text(sub, "checked", here, item)
        if checked and not _MONTH_RE.match(checked):
            reader.error(
                sub["checked"][1],
                f"{here}: checked must be a quoted YYYY-MM (got '{checked[:20]}')",
            )
            checked = None
        for name, (name_node, _) in sub.items():
            if name not in _SOURCE_FIELDS:
                reader.error(name_node, f"{here}: unknown field '{name}'")
        if url and claim and checked:
            out.append(Source(url, claim, checked))
    return tuple(out)


def _is_web_url(url: str) -> bool:
    if any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool((parts.hostname or "").strip("."))
