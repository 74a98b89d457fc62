"""The demo's sample answers, written from the question they answer (issue 22.12).

Each is built from the question's own reference key points, so it answers what was asked:
a strong answer joins three or four key points in a member's own words, a partial one one or
two, a weak one is a single short sentence that touches the first key point only. Nothing is
written for one question: a different day's question gets answers of its own.

``Answered`` keeps what the demo sent (question, level, text) so a test can check each answer
against its question's key points.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.bank import Bank
from bot.bank.models import Question

Level = Literal["strong", "partial", "weak"]
# How each member opens and joins their points: the same facts in different voices.
VOICES = {
    "ana": ("", "I'd start here: ", "Then ", "After that, ", "Finally, "),
    "ben": ("", "Mainly, ", "Also, ", "And ", "Last, "),
    "cy": ("My take, in order.", "First, ", "Next, ", "On top of that, ", "And to close, "),
    "dee": ("A few things matter here.", "First, ", "Second, ", "Third, ", "Plus, "),
    "eve": ("", "To me, ", "Then ", "Also ", "Lastly, "),
}
_DEFAULT_VOICE = VOICES["ana"]
_ID = re.compile(r"[a-z][a-z0-9]*-\d{3}")


@dataclass
class Answered:
    """Every sample answer the demo sent, with its question and level."""

    items: list[tuple[Question, Level, str]] = field(default_factory=list)

    def note(self, question: Question, level: Level, text: str) -> str:
        self.items.append((question, level, text))
        return text


def question_in(footer: str, bank: Bank) -> Question:
    """The bank question a post, card or mock step names in its footer (e.g. "… · data-048")."""
    for candidate in _ID.findall(footer):
        if candidate in bank.questions:
            return bank.questions[candidate]
    raise LookupError(f"no question id in {footer!r}")


def clause(point: str) -> str:
    """A key point as part of a sentence: no full stop, a lower-case start unless the first
    word is a name or an acronym (CDC, MLflow, p99 stay as written)."""
    text = point.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if first in ("A", "An") or (first[:1].isupper() and first[1:].islower()):
        text = text[:1].lower() + text[1:]
    return text


def points(question: Question, start: int, count: int) -> list[str]:
    """``count`` distinct key points from ``start`` on (wrapping round), in the bank's order."""
    keys = question.key_points
    count = min(count, len(keys))
    return [keys[(start + i) % len(keys)] for i in range(count)]


def sample(
    question: Question, level: Level, who: str = "ana", start: int = 0, count: int = 4
) -> str:
    """A member's answer to ``question`` at ``level``, in their voice: ``count`` (3 or 4) key
    points for a strong one, from the ``start``-th on."""
    intro, *joins = VOICES.get(who, _DEFAULT_VOICE)
    if level == "weak":
        first = question.key_points[start % len(question.key_points)]
        gist = re.split(r"[,;:(]| - ", clause(first))[0]
        words = re.findall(r"[A-Za-z0-9][\w'./-]*", gist)[:5]
        return f"Not sure, maybe {' '.join(words)}? I'll read the reveal."
    chosen = points(question, start, count if level == "strong" else 2)
    if level == "partial" and who in ("cy", "eve"):
        chosen = chosen[:1]
    sentences = [intro] if intro else []
    sentences += [join + clause(point) + "." for join, point in zip(joins, chosen, strict=False)]
    return " ".join(sentences)[:1900]  # a Discord message holds 2,000 characters


def follow_up_answer(question: Question, who: str, step: int) -> str:
    """An answer to a mock round's follow-up: a key point the first answer may have left out."""
    rest: Sequence[str] = question.key_points[2:] or question.key_points
    point = rest[step % len(rest)]
    return f"{VOICES.get(who, _DEFAULT_VOICE)[2]}{clause(point)}, which is where I would look."
