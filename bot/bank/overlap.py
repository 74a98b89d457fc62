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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

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


def _sorted_tokens(q: Question) -> str:
    """token_sort_ratio(a, b) is ratio() of the sorted tokens: sort once per question, not once
    per pair (at 800 questions, 320,000 pairs, this and the matrices below take the check from
    ~11 s of CPU to ~3 s)."""
    return " ".join(sorted(" ".join(q.key_points).casefold().split()))


def _jaccard(word_sets: list[frozenset[str]]) -> np.ndarray:
    """Jaccard similarity of every pair of word sets, as one matrix product."""
    vocab: dict[str, int] = {}
    for words in word_sets:
        for word in words:
            vocab.setdefault(word, len(vocab))
    onehot = np.zeros((len(word_sets), max(len(vocab), 1)), dtype=np.float32)
    for row, words in enumerate(word_sets):
        onehot[row, [vocab[w] for w in words]] = 1.0
    shared = (onehot @ onehot.T).astype(np.float64)  # exact: counts are small integers
    sizes = onehot.sum(axis=1, dtype=np.float64)
    union = sizes[:, None] + sizes[None, :] - shared
    return shared / np.maximum(union, 1.0)


def pairs(questions: Iterable[Question], *, close_only: bool = False) -> list[Pair]:
    """Every cross-topic pair (or only the too-close ones), closest first."""
    items = list(questions)
    if len(items) < 2:
        return []
    texts = [_sorted_tokens(q) for q in items]
    key_points = process.cdist(texts, texts, scorer=fuzz.ratio, dtype=np.float64, workers=1)
    words = _jaccard([_words(q) for q in items])
    topics = np.array([q.topic for q in items])
    closeness = np.maximum(key_points / KEY_POINTS_LIMIT, words / WORDS_LIMIT)
    wanted = np.triu(topics[:, None] != topics[None, :], k=1)
    if close_only:
        wanted &= (key_points >= KEY_POINTS_LIMIT) | (words >= WORDS_LIMIT)
    rows, cols = np.nonzero(wanted)
    order = np.argsort(-closeness[rows, cols], kind="stable")
    return [
        Pair(items[i].id, items[j].id, float(key_points[i, j]), float(words[i, j]))
        for i, j in zip(rows[order].tolist(), cols[order].tolist(), strict=True)
    ]


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


def near_duplicates(
    texts: Sequence[tuple[str, str]], limit: float = 85.0
) -> list[tuple[str, str, float]]:
    """Every pair of ``(id, text)`` whose rapidfuzz ``token_set_ratio`` is at least ``limit``:
    the same answer as scoring all pairs, in a fraction of the time.

    An upper bound of the score is computed for all pairs at once and only pairs that could
    reach ``limit`` are scored. For token sets A and B (intersection I, differences A-B, B-A,
    each joined sorted), token_set_ratio is 100 when I is non-empty and one set holds the
    other, else the largest of: the ratio of sect+ab to sect+ba, i.e. 1 - indel(ab, ba) /
    (len A + len B), where indel is at least the L1 distance of the two sets' character counts
    (an LCS cannot share more of a character than both have); and 2 len(sect) / (len(sect) +
    len A), and the same with B. All three only need, per pair, the shared tokens' count and
    length (matrix products) and the character-count distance (one pass over blocks of rows).
    """
    n = len(texts)
    if n < 2:
        return []
    token_sets = [frozenset(text.split()) for _, text in texts]
    # Only tokens found in two texts or more can be shared: the matrices keep just those.
    seen: Counter[str] = Counter(t for tokens in token_sets for t in tokens)
    vocab = {t: i for i, t in enumerate(t for t, k in seen.items() if k > 1)}
    onehot = np.zeros((n, max(len(vocab), 1)), dtype=np.float32)
    for row, tokens in enumerate(token_sets):
        onehot[row, [vocab[t] for t in tokens if t in vocab]] = 1.0
    lengths = np.zeros(max(len(vocab), 1), dtype=np.float32)
    for token, col in vocab.items():
        lengths[col] = len(token)
    # float32 sums of small integers are exact far beyond these sizes
    shared = (onehot @ onehot.T).astype(np.float64)  # |I|
    shared_chars = ((onehot * lengths) @ onehot.T).astype(np.float64)  # characters of I
    sizes = np.array([len(tokens) for tokens in token_sets], dtype=np.float64)
    joined = np.array([len(" ".join(tokens)) for tokens in token_sets], dtype=np.float64)
    sect = np.where(shared > 0, shared_chars + shared - 1, 0.0)  # len(" ".join(I))
    la, lb = joined[:, None], joined[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        by_sect = np.where(
            shared > 0,
            np.maximum(2 * sect / (sect + la), 2 * sect / (sect + lb)) * 100,
            0.0,
        )
    chars: dict[str, int] = {}
    for tokens in token_sets:
        for token in tokens:
            for c in token:
                chars.setdefault(c, len(chars))
    counts = np.zeros((n, max(len(chars), 1)), dtype=np.float64)
    for row, tokens in enumerate(token_sets):
        for token in tokens:
            for c in token:
                counts[row, chars[c]] += 1
    distance = np.empty((n, n))
    for start in range(0, n, 64):  # blocks of rows keep the n x n x chars array small
        block = counts[start : start + 64, None, :] - counts[None, :, :]
        distance[start : start + 64] = np.abs(block).sum(axis=2)
    by_diff = (1 - distance / np.maximum(la + lb, 1)) * 100
    contains = (shared > 0) & ((shared == sizes[:, None]) | (shared == sizes[None, :]))
    bound = np.where(contains, 100.0, np.maximum(by_diff, by_sect))
    empty = (sizes[:, None] == 0) | (sizes[None, :] == 0)
    maybe = np.triu((bound >= limit - 1e-6) & ~empty, k=1)
    out: list[tuple[str, str, float]] = []
    for i, j in zip(*np.nonzero(maybe), strict=True):
        score = fuzz.token_set_ratio(texts[i][1], texts[j][1])
        if score >= limit:
            out.append((texts[i][0], texts[j][0], score))
    return out
