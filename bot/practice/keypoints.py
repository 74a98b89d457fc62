"""Feedback on key points, without any network service.

The checklist: the member ticks the key points their answer covered, and the ticks become the
suggested self-grade they confirm (all covered: Good; at least half: Hard; fewer: Again), so the
spaced-repetition schedule is fed by something firmer than a feeling.

The hint: for each key point, whether the answer's words cover it — content words reduced to a
crude stem, matched exactly or nearly (rapidfuzz, for typos and inflections), each weighted by
how rare it is among the bank's key points, so "model" or "data" count for little and "p99" or
"reduce-scatter" for much. A key point whose weighted words are less than ``COVERED`` present is
shown as "you may have missed: …". It is a hint, never points: it reads words, not meaning, and a
keyword salad fools it (measured on a labelled sample: benchmarks/keypoint_hint.py). Questions
where it did worse than chance on that sample are in ``HINT_OFF`` and get no hint.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

COVERED = 0.5  # share of a key point's (weighted) words the answer must have
NEAR = 88  # rapidfuzz ratio at which two stems count as the same word
AGAIN, HARD, GOOD = 1, 2, 3
# Measured on tests/fixtures/keypoint_sample.yaml (benchmarks/keypoint_hint.py): questions where
# the hint's flags were no better than chance (true-positive rate <= false-positive rate). None
# of the ten: overall precision 0.79, recall 0.79 (random flags: precision 0.63), with
# cicd-041 and behavioural-020 closest to chance (TPR 0.90 vs FPR 0.83, 0.70 vs 0.67).
HINT_OFF: frozenset[str] = frozenset()

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOP = frozenset(
    """a about after again against all also an and any are as at be because been before being
    both but by can could did do does doing each either eg etc even every few for from further
    get gets had has have having how i if in into is it its itself just less like may might
    more most much must my no nor not now of off on once one only or other our out over own
    per same should so some such than that the their them then there these they this those
    through to too under until up use used uses using very via was we were what when where
    whether which while who whom why will with within without would you your""".split()  # noqa: SIM905
)
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A crude stem: enough to match "partitions" with "partitioned", nothing cleverer."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """The content words of a text, stemmed, in order (repeats kept)."""
    return [
        stem(w)
        for w in _WORD.findall(text.lower())
        if w not in _STOP and (len(w) >= 3 or any(c.isdigit() for c in w))
    ]


def weights(key_points: Iterable[str]) -> dict[str, float]:
    """Inverse document frequency of each stem over a corpus of key points (the bank's)."""
    docs = [set(terms(k)) for k in key_points]
    df = Counter(t for d in docs for t in d)
    n = max(len(docs), 1)
    return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}


def coverage(answer: str, point: str, idf: Mapping[str, float] | None = None) -> float:
    """The weighted share of the key point's words found (exactly or nearly) in the answer."""
    wanted = set(terms(point))
    if not wanted:
        return 1.0
    # rapidfuzz (~3 MB resident, 41 modules) loads with the first answer graded, not at start.
    from rapidfuzz import fuzz, process

    have = set(terms(answer))
    default = max(idf.values(), default=1.0) if idf else 1.0
    total = found = 0.0
    for term in wanted:
        weight = idf.get(term, default) if idf else 1.0
        total += weight
        if term in have or (
            have and process.extractOne(term, have, scorer=fuzz.ratio, score_cutoff=NEAR)
        ):
            found += weight
    return found / total if total else 1.0


def missed(
    answer: str, key_points: Sequence[str], idf: Mapping[str, float] | None = None
) -> list[int]:
    """The key points (indexes) the answer's words do not cover."""
    return [i for i, point in enumerate(key_points) if coverage(answer, point, idf) < COVERED]


def hint_shown(question_id: str) -> bool:
    return question_id not in HINT_OFF


def suggested_grade(ticked: int, total: int) -> int:
    """The self-grade the ticks suggest: all covered, Good; at least half, Hard; else Again."""
    if total <= 0:
        return GOOD
    if ticked >= total:
        return GOOD
    if 2 * ticked >= total:
        return HARD
    return AGAIN
