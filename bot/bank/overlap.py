"""The same question in other words: prompts compared alone miss it, so this compares what a
strong answer says (key points) and the words of the whole question, across topics.

Thresholds were set on the first edition, where the pairs an interviewer named as overlapping
(cicd-015/security-013, cicd-004/security-008, design-002/serving-001, ...) scored highest:
key points at 62-65 (rapidfuzz token_sort_ratio) against at most 61 for distinct questions,
and a word overlap (Jaccard, without stop words) of 0.20-0.21 against at most 0.18.

Run `python -m bot.bank.overlap` to list the closest pairs of the shipped bank.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from bot.bank.models import Question

KEY_POINTS_LIMIT = 62.0
WORDS_LIMIT = 0.19
_STOP = frozenset(
    {"a", "an", "the", "of", "to", "and", "or", "in", "on", "for", "with", "is", "are", "be",
     "by", "it", "its", "as", "at", "from", "that", "this", "which", "what", "how", "why",
     "when", "you", "your", "their", "they", "not", "no", "vs", "than", "into", "per"}
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9][a-z0-9+/.-]*")


@dataclass(frozen=True, slots=True)
class Pair:
    first: str
    second: str
    key_points: float
    words: float

    @property
    def too_close(self) -> bool:
        return self.key_points >= KEY_POINTS_LIMIT or self.words >= WORDS_LIMIT


def _words(q: Question) -> frozenset[str]:
    text = " ".join((q.prompt, q.testing, *q.key_points)).casefold()
    return frozenset(w for w in _WORD.findall(text) if len(w) > 2 and w not in _STOP)


def pairs(questions: Iterable[Question]) -> list[Pair]:
    """Every cross-topic pair, closest first."""
    items = [(q, _words(q), " ".join(q.key_points).casefold()) for q in questions]
    out: list[Pair] = []
    for (a, aw, ak), (b, bw, bk) in combinations(items, 2):
        if a.topic == b.topic:
            continue
        jaccard = len(aw & bw) / max(len(aw | bw), 1)
        out.append(Pair(a.id, b.id, fuzz.token_sort_ratio(ak, bk), jaccard))
    out.sort(key=lambda p: -max(p.key_points / KEY_POINTS_LIMIT, p.words / WORDS_LIMIT))
    return out


def main() -> int:
    from bot.bank import default_content_dir, load_bank

    bank = load_bank([default_content_dir()])
    found = pairs(bank.questions.values())
    print(f"{'first':<16} {'second':<16} {'key pts':>8} {'words':>6}")
    for pair in found[:15]:
        flag = "  too close" if pair.too_close else ""
        scores = f"{pair.key_points:>8.1f} {pair.words:>6.3f}"
        print(f"{pair.first:<16} {pair.second:<16} {scores}{flag}")
    return 1 if any(p.too_close for p in found) else 0


if __name__ == "__main__":
    sys.exit(main())
