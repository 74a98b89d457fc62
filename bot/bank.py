"""The question bank: YAML packs validated into frozen dataclasses.

Every error names ``file:line:column`` (from PyYAML node marks) and the field, and every error
in a file is reported, not just the first. Values are read from the node tree rather than from
``safe_load`` output so that positions survive and ``yes``/``1.0`` are rejected where text is
expected instead of silently becoming ``True``/``1.0``.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:  # the C loader is several times faster on a 250-question bank
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DIFFICULTIES = ("easy", "medium", "hard")
KINDS = ("technical", "design", "behavioural", "coding")
# Discord limits (embed description 4,096, field value 1,024) with room for our own framing.
MAX_PROMPT = 1000
MAX_TESTING = 600
MAX_KEY_POINT = 200
MAX_FOLLOW_UP = 200
KEY_POINTS_RANGE = (3, 7)
MAX_FOLLOW_UPS = 5
MAX_PACK_BYTES = 256 * 1024
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_STR = "tag:yaml.org,2002:str"


def normalise(text: str) -> str:
    """Fold case and drop punctuation so `CI/CD`, `ci-cd` and `cicd` meet."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    topic: str
    difficulty: str
    kind: str
    prompt: str
    testing: str
    key_points: tuple[str, ...]
    follow_ups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pack: str = ""
    version: str = "1"


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    version: str
    source: str
    topics: tuple[Topic, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class PackIssue:
    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class PackError(Exception):
    """One or more packs are invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[PackIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class UnknownTopic(LookupError):
    def __init__(self, text: str, suggestions: Sequence[Topic]) -> None:
        self.text = text
        self.suggestions = list(suggestions)
        names = ", ".join(f"`{t.slug}` ({t.name})" for t in self.suggestions)
        hint = f" Did you mean {names}?" if names else ""
        super().__init__(f"No topic matches '{text}'.{hint}")


class _Reader:
    """Walks one file's node tree, collecting issues instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[PackIssue] = []

    def error(self, node: yaml.Node | None, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        self.issues.append(PackIssue(self.source, line, col, message))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
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


def _compose(text: str, source: str) -> tuple[yaml.Node | None, list[PackIssue]]:
    try:
        return yaml.compose(text, Loader=_Loader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [PackIssue(source, line, col, f"YAML syntax error: {problem}")]
    except yaml.YAMLError as exc:
        return None, [PackIssue(source, 1, 1, f"YAML error: {exc}")]


def parse_pack(text: str, source: str) -> tuple[Pack | None, list[PackIssue]]:
    """Parse and validate one pack's text.

    Returns the valid part of the pack (None if the file is unreadable as a pack) and every
    issue; callers must treat any issue as failure. The partial pack lets cross-pack checks
    (unknown topics, duplicate ids) run too, so one pass reports everything.
    """
    root, issues = _compose(text, source)
    if issues:
        return None, issues
    reader = _Reader(source)
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
    pack = Pack(name or "", version or "1", source, tuple(topics), tuple(questions))
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
    known = {
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
    )


def _token(needle: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")


def _issue_at(
    pack: Pack, text: str, needle: str, message: str, *, after: str | None = None, nth: int = 1
) -> PackIssue:
    """Best-effort position for cross-pack issues: the ``nth`` line holding ``needle`` as a
    whole token, counted from the first line holding ``after``, so that a clash points at the
    second claim (its own topic's alias, a repeated id) rather than at the first."""
    lines = text.splitlines()
    start = 0
    if after is not None:
        mark = _token(after)
        start = next((n for n, line in enumerate(lines) if mark.search(line)), 0)
    pattern, seen = _token(needle), 0
    for number, line in enumerate(lines[start:], start=start + 1):
        match = pattern.search(line)
        if match:
            seen += 1
            if seen == nth:
                return PackIssue(pack.source, number, match.start() + 1, message)
    return PackIssue(pack.source, 1, 1, message)


@dataclass
class Bank:
    """All topics and questions, indexed for lookup. Build with ``Bank.from_packs``."""

    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    packs: list[Pack] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_packs(cls, packs: Iterable[tuple[Pack, str]], base: Bank | None = None) -> Bank:
        """Merge packs (with their source text, for error positions) over ``base``.

        Raises PackError listing every cross-pack problem: duplicate ids, unknown topics,
        topics defined twice and aliases claimed by two topics.
        """
        bank = (
            Bank(dict(base.topics), dict(base.questions), list(base.packs), dict(base._keys))
            if base
            else Bank()
        )
        issues: list[PackIssue] = []
        pending = list(packs)
        for pack, text in pending:
            slugs_here: Counter[str] = Counter()
            for topic in pack.topics:
                slugs_here[topic.slug] += 1
                if topic.slug in bank.topics:
                    issues.append(
                        _issue_at(
                            pack,
                            text,
                            f"slug: {topic.slug}",
                            f"topic '{topic.slug}' is already defined",
                            nth=slugs_here[topic.slug],
                        )
                    )
                    continue
                bank.topics[topic.slug] = topic
                for key in (topic.slug, topic.name, *topic.aliases):
                    norm = normalise(key)
                    owner = bank._keys.get(norm)
                    if owner is not None and owner != topic.slug:
                        issues.append(
                            _issue_at(
                                pack,
                                text,
                                key,
                                f"topic '{topic.slug}': alias '{key}' is "
                                f"already used by topic '{owner}'",
                                after=f"slug: {topic.slug}",
                            )
                        )
                    elif norm:
                        bank._keys[norm] = topic.slug
        for pack, text in pending:
            ids_here: Counter[str] = Counter()
            for q in pack.questions:
                ids_here[q.id] += 1
                if q.id in bank.questions:
                    issues.append(
                        _issue_at(
                            pack,
                            text,
                            f"id: {q.id}",
                            f"question '{q.id}': id is already used "
                            f"(pack '{bank.questions[q.id].pack}')",
                            nth=ids_here[q.id],
                        )
                    )
                elif q.topic not in bank.topics:
                    issues.append(
                        _issue_at(
                            pack,
                            text,
                            f"id: {q.id}",
                            f"question '{q.id}': unknown topic '{q.topic}'",
                            nth=ids_here[q.id],
                        )
                    )
                else:
                    bank.questions[q.id] = q
            bank.packs.append(pack)
        if issues:
            raise PackError(issues)
        return bank

    # -- lookup -----------------------------------------------------------------------------
    def by_topic(self, slug: str) -> list[Question]:
        return [q for q in self.questions.values() if q.topic == slug]

    def resolve_topic(self, text: str) -> Topic:
        """Slug, name, alias, unique prefix or a close misspelling; else UnknownTopic."""
        norm = normalise(text)
        if norm in self._keys:
            return self.topics[self._keys[norm]]
        prefixed = {slug for key, slug in self._keys.items() if norm and key.startswith(norm)}
        if len(prefixed) == 1:
            return self.topics[prefixed.pop()]
        close = difflib.get_close_matches(norm, list(self._keys), n=1, cutoff=0.8)
        if close and len(norm) >= 4:
            return self.topics[self._keys[close[0]]]
        raise UnknownTopic(text, self.suggest_topics(text))

    def suggest_topics(self, text: str, limit: int = 3) -> list[Topic]:
        norm = normalise(text)
        scored: dict[str, float] = {}
        for key, slug in self._keys.items():
            ratio = difflib.SequenceMatcher(None, norm, key).ratio()
            if norm and (key.startswith(norm) or norm in key):
                ratio = max(ratio, 0.9)
            scored[slug] = max(scored.get(slug, 0.0), ratio)
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        return [self.topics[slug] for slug, score in ranked[:limit] if score >= 0.4]

    def complete_topics(self, text: str, limit: int = 25) -> list[Topic]:
        """Autocomplete: everything for empty input, else matches best first."""
        if not normalise(text):
            return sorted(self.topics.values(), key=lambda t: t.name.casefold())[:limit]
        try:
            first = [self.resolve_topic(text)]
        except UnknownTopic:
            first = []
        rest = [t for t in self.suggest_topics(text, limit) if t not in first]
        return (first + rest)[:limit]


def pack_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to their ``*.yaml``/``*.yml`` files (sorted), keep files as given."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"}))
        else:
            out.append(path)
    return out


def load_bank(paths: Iterable[Path], base: Bank | None = None) -> Bank:
    """Load every pack under ``paths``; raise PackError with all issues of all files."""
    issues: list[PackIssue] = []
    parsed: list[tuple[Pack, str]] = []
    for path in pack_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(PackIssue(str(path), 1, 1, f"cannot read: {exc}"))
            continue
        pack, found = parse_pack(text, str(path))
        issues.extend(found)
        if pack is not None:
            parsed.append((pack, text))
    try:
        bank = Bank.from_packs(parsed, base)
    except PackError as exc:
        issues.extend(exc.issues)
    if issues:
        raise PackError(sorted(issues, key=lambda i: (i.source, i.line, i.column)))
    return bank


def default_content_dir() -> Path:
    """The packaged ``content/`` folder."""
    import content  # the package holding the YAML packs

    return Path(content.__file__).resolve().parent
