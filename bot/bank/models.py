"""The bank's data: topics, questions, packs, limits, and the errors loading reports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
# Second edition: what a weak answer sounds like, where a question fits in a real interview
# loop, which of the five signals it tests, when its facts were last checked, and a worked
# solution for hands-on questions.
ROUNDS = ("phone-screen", "coding", "system-design", "ml-deep-dive", "behavioural")
SIGNALS = ("production-mindset", "infrastructure", "ml-ops", "automation", "cost")
SOLUTION_LANGUAGES = ("python", "yaml", "json", "sql", "dockerfile", "hcl", "bash", "text")
RED_FLAGS_RANGE = (2, 4)
MAX_RED_FLAG = 200
MAX_SOLUTION_CODE = 3000
MAX_SOLUTION_NOTES = 600
STALE_AFTER_MONTHS = 12
# Third edition: what strong-hire, hire and no-hire answers sound like, an answer spoken as a
# strong candidate would give it, and the sources behind version-sensitive claims.
LEVELS = ("strong", "hire", "no_hire")
MAX_LEVEL = 300
MAX_MODEL_ANSWER = 2000
MAX_SOURCE_CLAIM = 200
MAX_SOURCE_URL = 500
MAX_SOURCES = 10


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
class Solution:
    language: str
    code: str
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Levels:
    """What a strong-hire, a hire and a no-hire answer sound like (a line or two each)."""

    strong: str
    hire: str
    no_hire: str


@dataclass(frozen=True, slots=True)
class Source:
    """Where a version-sensitive claim (a version, default, CVE, price) was checked, and when."""

    url: str
    claim: str
    checked: str  # YYYY-MM


@dataclass(frozen=True, slots=True)
class Retired:
    """A question merged into another: its id is never reused, and history that points at it
    reads the question that replaced it."""

    id: str
    replaced_by: str


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
    red_flags: tuple[str, ...] = ()
    rounds: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    reviewed: str = ""  # YYYY-MM
    solution: Solution | None = None
    levels: Levels | None = None
    model_answer: str = ""
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    version: str
    source: str
    topics: tuple[Topic, ...]
    questions: tuple[Question, ...]
    retired: tuple[Retired, ...] = ()


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
