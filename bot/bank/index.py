"""Merge packs into a ``Bank`` (cross-pack checks) and look topics up by alias or fuzzily."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.bank.models import Pack, PackError, PackIssue, Question, Topic, UnknownTopic, normalise
from bot.bank.parse import parse_pack


def _token(needle: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")


# `id: x` and `slug: x` as whole tokens: what cross-pack issues point at.
_FIELD_RE = re.compile(r"(?<![\w-])(?:id|slug): [\w-]+")
# Aliases are located by scanning the text; past this many, they point at line 1.
_MAX_SCANNED = 50


class _Locator:
    """Best-effort positions for cross-pack issues in one pack's text.

    ``id:``/``slug:`` lines are indexed once, so reporting n duplicate ids costs O(text),
    not O(n * text): 10,000 repeats of one id took 30 s the quadratic way.
    """

    def __init__(self, pack: Pack, text: str) -> None:
        self.pack = pack
        self.text = text
        self.scans = 0
        self._fields: dict[str, list[tuple[int, int]]] | None = None

    def _index(self) -> dict[str, list[tuple[int, int]]]:
        if self._fields is None:
            fields: dict[str, list[tuple[int, int]]] = {}
            for number, line in enumerate(self.text.splitlines(), start=1):
                seen: set[str] = set()
                for match in _FIELD_RE.finditer(line):
                    if match.group(0) not in seen:  # the first on a line, as a scan finds
                        seen.add(match.group(0))
                        fields.setdefault(match.group(0), []).append((number, match.start() + 1))
            self._fields = fields
        return self._fields

    def field(self, needle: str, message: str, *, nth: int = 1) -> PackIssue:
        """The ``nth`` line holding ``needle`` (an ``id: x``/``slug: x`` token)."""
        spots = self._index().get(needle, [])
        line, column = spots[nth - 1] if len(spots) >= nth else (1, 1)
        return PackIssue(self.pack.source, line, column, message)

    def scan(self, needle: str, message: str, *, after: str) -> PackIssue:
        """The first line holding ``needle`` as a whole token, counted from the first line
        holding ``after``, so that a clash points at the second claim (its own topic's
        alias) rather than at the first. Bounded: each scan reads the whole text."""
        self.scans += 1
        if self.scans > _MAX_SCANNED:
            return PackIssue(self.pack.source, 1, 1, message)
        lines = self.text.splitlines()
        mark = _token(after)
        start = next((n for n, line in enumerate(lines) if mark.search(line)), 0)
        pattern = _token(needle)
        for number, line in enumerate(lines[start:], start=start + 1):
            match = pattern.search(line)
            if match:
                return PackIssue(self.pack.source, number, match.start() + 1, message)
        return PackIssue(self.pack.source, 1, 1, message)


@dataclass
class Bank:
    """All topics and questions, indexed for lookup. Build with ``Bank.from_packs``."""

    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    packs: list[Pack] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)
    retired: dict[str, str] = field(default_factory=dict)  # retired id -> id that replaced it

    @classmethod
    def from_packs(cls, packs: Iterable[tuple[Pack, str]], base: Bank | None = None) -> Bank:
        """Merge packs (with their source text, for error positions) over ``base``.

        Raises PackError listing every cross-pack problem: duplicate ids, unknown topics,
        topics defined twice and aliases claimed by two topics.
        """
        bank = (
            Bank(
                dict(base.topics),
                dict(base.questions),
                list(base.packs),
                dict(base._keys),
                dict(base.retired),
            )
            if base
            else Bank()
        )
        issues: list[PackIssue] = []
        pending = list(packs)
        for pack, text in pending:
            where = _Locator(pack, text)
            slugs_here: Counter[str] = Counter()
            for topic in pack.topics:
                slugs_here[topic.slug] += 1
                if topic.slug in bank.topics:
                    issues.append(
                        where.field(
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
                            where.scan(
                                key,
                                f"topic '{topic.slug}': alias '{key}' is "
                                f"already used by topic '{owner}'",
                                after=f"slug: {topic.slug}",
                            )
                        )
                    elif norm:
                        bank._keys[norm] = topic.slug
        for pack, text in pending:
            where = _Locator(pack, text)
            ids_here: Counter[str] = Counter()
            for q in pack.questions:
                ids_here[q.id] += 1
                if q.id in bank.questions:
                    issues.append(
                        where.field(
                            f"id: {q.id}",
                            f"question '{q.id}': id is already used "
                            f"(pack '{bank.questions[q.id].pack}')",
                            nth=ids_here[q.id],
                        )
                    )
                elif q.topic not in bank.topics:
                    issues.append(
                        where.field(
                            f"id: {q.id}",
                            f"question '{q.id}': unknown topic '{q.topic}'",
                            nth=ids_here[q.id],
                        )
                    )
                else:
                    bank.questions[q.id] = q
            bank.packs.append(pack)
        issues.extend(_retire(bank, pending))
        if issues:
            raise PackError(issues)
        return bank

    # -- lookup -----------------------------------------------------------------------------
    def lookup(self, question_id: str) -> Question | None:
        """The question for an id from history: an active one, or the question a retired id
        was merged into (followed through chains of merges)."""
        seen: set[str] = set()
        while question_id not in self.questions and question_id in self.retired:
            if question_id in seen:
                return None
            seen.add(question_id)
            question_id = self.retired[question_id]
        return self.questions.get(question_id)

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


def _retire(bank: Bank, packs: list[tuple[Pack, str]]) -> list[PackIssue]:
    """Record retired ids; a retired id may not be active, and must lead to a question."""
    issues: list[PackIssue] = []
    # One locator per pack: its scans are bounded, however many retired ids clash.
    where = {id(pack): _Locator(pack, text) for pack, text in packs}
    for pack, _ in packs:
        for old in pack.retired:
            if old.id in bank.questions:
                message = f"retired '{old.id}': the id is still used by a question"
                issues.append(where[id(pack)].scan(old.id, message, after="retired:"))
            else:
                bank.retired[old.id] = old.replaced_by
    for pack, _ in packs:
        for old in pack.retired:
            if old.id in bank.retired and bank.lookup(old.id) is None:
                message = f"retired '{old.id}': replaced_by '{old.replaced_by}' is no question"
                issues.append(where[id(pack)].scan(old.id, message, after="retired:"))
    return issues


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
