"""Parse one YAML pack into a ``Pack``, collecting every issue with file:line:column.

Values are read from the node tree rather than from ``safe_load`` output so that positions
survive and ``yes``/``1.0`` are rejected where text is expected instead of silently
becoming ``True``/``1.0``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import yaml

from bot.bank.extras import EXTRA_FIELDS, parse_extras, parse_retired
from bot.bank.graded import GRADED_FIELDS, parse_graded
from bot.bank.models import (
    DIFFICULTIES,
    KEY_POINTS_RANGE,
    KINDS,
    MAX_FOLLOW_UP,
    MAX_FOLLOW_UPS,
    MAX_KEY_POINT,
    MAX_PACK_BYTES,
    MAX_PROMPT,
    MAX_TESTING,
    Pack,
    PackIssue,
    Question,
    Topic,
)

try:  # the C loader is several times faster on a 250-question bank
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader


_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_STR = "tag:yaml.org,2002:str"
# Enough to show an author the pattern without flooding the reply.
_MAX_ANCHOR_ISSUES = 20


class PackTooSlow(Exception):
    """Checking the pack ran past its deadline (``parse_pack(deadline=...)``)."""


class _Reader:
    """Walks one file's node tree, collecting issues instead of stopping at the first."""

    def __init__(self, source: str, deadline: float | None = None) -> None:
        self.source = source
        self.issues: list[PackIssue] = []
        self.deadline = deadline

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise PackTooSlow(self.source)

    def error(self, node: yaml.Node | None, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        self.issues.append(PackIssue(self.source, line, col, message))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                # Never str() a collection key: its text is as big as everything under it.
                self.error(key, f"{what}: keys must be plain text")
                continue
            name = str(key.value)
            if name in out:
                self.error(key, f"{what}: key '{name}' appears twice")
            out[name] = (key, value)
        return out

    def text(
        self,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        name: str,
        where: str,
        parent: yaml.Node,
        *,
        required: bool = True,
        max_len: int | None = None,
    ) -> str | None:
        if name not in fields:
            if required:
                self.error(parent, f"{where}: missing field '{name}'")
            return None
        _, node = fields[name]
        return self.scalar_text(node, f"{where}: {name}", max_len)

    def scalar_text(self, node: yaml.Node, where: str, max_len: int | None = None) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "not text"
            if isinstance(node, yaml.MappingNode):
                kind = "a mapping"
            elif isinstance(node, yaml.ScalarNode):
                kind = f"{node.value!r}, which YAML reads as {node.tag.rsplit(':', 1)[-1]}"
            self.error(node, f"{where} must be text (got {kind}; quote it)")
            return None
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{where} must not be empty")
            return None
        if max_len is not None and len(value) > max_len:
            self.error(node, f"{where} is {len(value)} characters (limit {max_len})")
            return None
        return value

    def text_list(
        self,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        name: str,
        where: str,
        *,
        max_len: int,
    ) -> tuple[yaml.Node | None, list[str]]:
        if name not in fields:
            return None, []
        _, node = fields[name]
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{where}: {name} must be a list")
            return node, []
        items = [
            self.scalar_text(item, f"{where}: {name}[{i}]", max_len)
            for i, item in enumerate(node.value)
        ]
        return node, [i for i in items if i is not None]


def _syntax_issue(exc: yaml.YAMLError, source: str) -> PackIssue:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return PackIssue(source, line, col, f"YAML syntax error: {problem}")
    return PackIssue(source, 1, 1, f"YAML error: {exc}")


def _anchor_issues(text: str, source: str) -> list[PackIssue]:
    """Every anchor (``&a``) and alias (``*a``) in the text, from the event stream.

    An alias is a pointer: composing shares one node among all its references, so any walk
    of the node graph visits it once per reference (nine levels of nine aliases: 9^9 visits
    from 500 bytes). Packs are plain text written out, so both are refused before composing.
    """
    issues: list[PackIssue] = []
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                what = f"alias '*{event.anchor[:40]}'"
            elif getattr(event, "anchor", None):
                what = f"anchor '&{event.anchor[:40]}'"
            else:
                continue
            mark = event.start_mark
            issues.append(
                PackIssue(
                    source,
                    mark.line + 1,
                    mark.column + 1,
                    f"YAML {what}: anchors and aliases are not allowed in packs; "
                    "write the text out in full",
                )
            )
            if len(issues) >= _MAX_ANCHOR_ISSUES:
                break
    except yaml.YAMLError as exc:
        return [_syntax_issue(exc, source)]
    return issues


def _compose(text: str, source: str) -> tuple[yaml.Node | None, list[PackIssue]]:
    size = len(text.encode("utf-8"))
    if size > MAX_PACK_BYTES:
        message = f"pack is {size // 1024} KiB; the limit is {MAX_PACK_BYTES // 1024} KiB"
        return None, [PackIssue(source, 1, 1, message)]
    issues = _anchor_issues(text, source)
    if issues:
        return None, issues
    try:
        return yaml.compose(text, Loader=_Loader), []
    except yaml.YAMLError as exc:
        return None, [_syntax_issue(exc, source)]


def parse_pack(
    text: str, source: str, *, deadline: float | None = None
) -> tuple[Pack | None, list[PackIssue]]:
    """Parse and validate one pack's text.

    Returns the valid part of the pack (None if the file is unreadable as a pack) and every
    issue; callers must treat any issue as failure. The partial pack lets cross-pack checks
    (unknown topics, duplicate ids) run too, so one pass reports everything.

    Every pass is linear in the text: size is capped, anchors and aliases are refused before
    a node graph exists. ``deadline`` (``time.monotonic()``) makes the walk raise
    ``PackTooSlow`` once passed; it is for callers that run this off the event loop.
    """
    root, issues = _compose(text, source)
    if issues:
        return None, issues
    reader = _Reader(source, deadline)
    reader.check_time()
    if root is None:
        reader.error(None, "pack is empty")
        return None, reader.issues
    top = reader.mapping(root, "pack")
    if top is None:
        return None, reader.issues
    name = reader.text(top, "pack", "pack", root)
    version = _version(reader, top, root)
    topics = list(_topics(reader, top, root))
    questions = list(_questions(reader, top, root, name or "", version or "1"))
    retired = tuple(parse_retired(reader, top))
    pack = Pack(name or "", version or "1", source, tuple(topics), tuple(questions), retired)
    return pack, reader.issues


def _version(
    reader: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]], root: yaml.Node
) -> str | None:
    if "version" not in top:
        reader.error(root, "pack: missing field 'version'")
        return None
    _, node = top["version"]
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith((":int", ":str", ":float")):
        return str(node.value)
    reader.error(node, "pack: version must be a number or text")
    return None


def _topics(
    reader: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]], root: yaml.Node
) -> Iterator[Topic]:
    if "topics" not in top:
        return
    _, seq = top["topics"]
    if not isinstance(seq, yaml.SequenceNode):
        reader.error(seq, "topics must be a list")
        return
    for node in seq.value:
        fields = reader.mapping(node, "topic")
        if fields is None:
            continue
        slug = reader.text(fields, "slug", "topic", node)
        where = f"topic '{slug}'" if slug else "topic"
        if slug and not _SLUG_RE.match(slug):
            reader.error(fields["slug"][1], f"{where}: slug must be lowercase letters, digits, '-'")
            slug = None
        name = reader.text(fields, "name", where, node, max_len=100)
        desc = reader.text(fields, "description", where, node, required=False, max_len=300)
        _, aliases = reader.text_list(fields, "aliases", where, max_len=50)
        if slug and name:
            yield Topic(slug, name, desc or "", tuple(aliases))


def _questions(
    reader: _Reader,
    top: dict[str, tuple[yaml.Node, yaml.Node]],
    root: yaml.Node,
    pack: str,
    version: str,
) -> Iterator[Question]:
    if "questions" not in top:
        reader.error(root, "pack: missing field 'questions'")
        return
    _, seq = top["questions"]
    if not isinstance(seq, yaml.SequenceNode):
        reader.error(seq, "questions must be a list")
        return
    for node in seq.value:
        reader.check_time()
        question = _question(reader, node, pack, version)
        if question is not None:
            yield question


def _question(reader: _Reader, node: yaml.Node, pack: str, version: str) -> Question | None:
    fields = reader.mapping(node, "question")
    if fields is None:
        return None
    before = len(reader.issues)
    qid = reader.text(fields, "id", "question", node)
    where = f"question '{qid}'" if qid else "question"
    if qid and not _ID_RE.match(qid):
        reader.error(fields["id"][1], f"{where}: id must be lowercase letters, digits and '-'")
    topic = reader.text(fields, "topic", where, node)
    difficulty = reader.text(fields, "difficulty", where, node)
    if difficulty and difficulty not in DIFFICULTIES:
        reader.error(
            fields["difficulty"][1],
            f"{where}: difficulty must be one of {', '.join(DIFFICULTIES)} (got '{difficulty}')",
        )
    kind = reader.text(fields, "kind", where, node)
    if kind and kind not in KINDS:
        reader.error(
            fields["kind"][1], f"{where}: kind must be one of {', '.join(KINDS)} (got '{kind}')"
        )
    prompt = reader.text(fields, "prompt", where, node, max_len=MAX_PROMPT)
    testing = reader.text(fields, "testing", where, node, max_len=MAX_TESTING)
    kp_node, key_points = reader.text_list(fields, "key_points", where, max_len=MAX_KEY_POINT)
    low, high = KEY_POINTS_RANGE
    if kp_node is None:
        reader.error(node, f"{where}: missing field 'key_points'")
    elif isinstance(kp_node, yaml.SequenceNode) and not low <= len(kp_node.value) <= high:
        reader.error(
            kp_node,
            f"{where}: key_points must have {low} to {high} items (got {len(kp_node.value)})",
        )
    fu_node, follow_ups = reader.text_list(fields, "follow_ups", where, max_len=MAX_FOLLOW_UP)
    if isinstance(fu_node, yaml.SequenceNode) and len(fu_node.value) > MAX_FOLLOW_UPS:
        reader.error(fu_node, f"{where}: at most {MAX_FOLLOW_UPS} follow_ups")
    _, tags = reader.text_list(fields, "tags", where, max_len=40)
    extras = parse_extras(reader, fields, where, node)
    graded = parse_graded(reader, fields, where, node)
    known = (
        EXTRA_FIELDS
        | GRADED_FIELDS
        | {
            "id",
            "topic",
            "difficulty",
            "kind",
            "prompt",
            "testing",
            "key_points",
            "follow_ups",
            "tags",
        }
    )
    for key, (key_node, _) in fields.items():
        if key not in known:
            reader.error(key_node, f"{where}: unknown field '{key}'")
    if len(reader.issues) != before:
        return None
    assert qid and topic and difficulty and kind and prompt and testing
    return Question(
        qid,
        topic,
        difficulty,
        kind,
        prompt,
        testing,
        tuple(key_points),
        tuple(follow_ups),
        tuple(tags),
        pack,
        version,
        extras.red_flags,
        extras.rounds,
        extras.signals,
        extras.reviewed,
        extras.solution,
        graded.levels,
        graded.model_answer,
        graded.sources,
    )
