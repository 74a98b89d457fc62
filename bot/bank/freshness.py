"""Are a question's version-sensitive facts backed and recent? Warnings for `content validate`,
never errors: a source checked more than a year ago, and a question whose text states a
version, a CVE or a price but carries no ``sources``.

Spotting a version in prose is a heuristic. It looks for what the bank actually writes:
``Terraform 1.11``, ``PyTorch 2.10``, ``vLLM 0.6``, ``v1beta2``, ``@v4``, ``1.2.3``,
``since 1.11``, ``CVE-2026-24747``, ``GHSA-63cw-57p8-fm3p``, and ``$0.40`` or ``2.22 dollars``
where the text prices a real offer. It leaves alone what only looks like one: scores and
thresholds (``scored 0.91``, ``drift 0.3``), units (``1.5x``, ``2.5 GB``, ``99.9%``), licences
(``Apache 2.0``), a model's own ``v2`` and a scenario's budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from bot.bank.checks import Finding, months_since
from bot.bank.models import STALE_AFTER_MONTHS, Question

_CVE = re.compile(r"\b(?:CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3})\b", re.IGNORECASE)
_PRICE = re.compile(
    r"[$€£]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|dollars?|cents)\b"
)
# A figure is a price claim only where the text prices something real (a cloud's list price, a
# provider's per-token rate); a scenario's budget ("costs 400,000 dollars a month") is not.
_PRICED = re.compile(
    r"\b(?:list prices?|on-demand|spot prices?|priced|pricing|price sheet|prices? as of|"
    r"as of 20\d\d|AWS|GCP|Azure|Google Cloud|OpenAI|Anthropic|Bedrock|Vertex|SageMaker|"
    r"per (?:1M|million) (?:input |output )?tokens)\b",
    re.IGNORECASE,
)
# 1.2.3 (not an address: 10.0.0.1), optionally v-prefixed.
_TRIPLE = re.compile(r"(?<![\w.])v?\d+\.\d+\.\d+(?![\w]|\.\d)")
# v1beta2, v2alpha1, v1.2, and an action pinned by tag (@v4).
_API = re.compile(r"(?<![\w-])v\d+(?:alpha|beta)\d*\b|(?<![\w.-])v\d+\.\d+\b|@v\d+\b")
# A word followed by a number: "Terraform 1.11", "since 1.11", "KFP v2", "cgroup v2".
_UNIT = r"(?:%|x\b|[kKMGT]i?B\b|ms\b|s\b|seconds?\b|minutes?\b|hours?\b|days?\b|GPUs?\b|pp\b)"
_NAMED = re.compile(
    rf"(?<![\w.-])(?P<word>[A-Za-z][\w+-]*)\s+(?P<num>v?\d+(?:\.\d+)?)\+?(?![\w%]|\.\d)(?!\s?{_UNIT})"
)
# Words that take a version number after them whatever the case.
_VERSION_WORDS = frozenset({"version", "versions", "release", "since", "until", "before"})
# Lower-case tools the bank names with a version.
_LOWER_TOOLS = frozenset(
    {"numpy", "pandas", "pgvector", "torch", "cgroup", "cgroups", "provider", "uv", "pip",
     "kubectl", "helm", "transformers", "sglang", "vllm", "airflow", "kueue", "ray", "pydantic"}
)  # fmt: skip
# Capitalised words that precede numbers which are no tool versions.
_NOT_TOOLS = frozenset(
    {"cpu", "gpu", "tpu", "auc", "f1", "true", "false", "apache", "mit", "bsd", "gpl", "lgpl",
     "mpl", "cc", "http", "tls", "ssl", "ipv4", "ipv6", "p50", "p90", "p95", "p99", "top", "at",
     "about", "around", "roughly", "under", "over", "only", "each", "every", "step", "phase",
     "stage", "day", "week", "month", "year", "q1", "q2", "q3", "q4", "table", "figure"}
)  # fmt: skip


def _named(match: re.Match[str]) -> bool:
    word, num = match.group("word"), match.group("num")
    lower = word.casefold()
    if lower in _NOT_TOOLS:
        return False
    if num.startswith("v"):  # a bare "v2": only after a tool's name (KFP v2, Trainer v2)
        return (
            lower in _LOWER_TOOLS
            or (word.isupper() and len(word) > 1)
            or _camel(word)
            or (word[0].isupper() and not _starts_sentence(match))  # not "Backfill v2 ..."
        )
    if "." not in num:
        return False
    if lower in _LOWER_TOOLS or _camel(word):
        return True
    major = int(num.split(".", 1)[0])
    if lower in _VERSION_WORDS:
        return major >= 1
    return word[0].isupper() and major >= 1


def _starts_sentence(match: re.Match[str]) -> bool:
    before = match.string[: match.start()].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?:;\n"


def _camel(word: str) -> bool:
    """PyTorch, MLflow, vLLM, SGLang: a capital after the first letter."""
    return any(c.isupper() for c in word[1:]) and not word.isupper()


def version_claims(text: str) -> list[str]:
    """The version numbers, CVE ids and prices ``text`` states, in order of appearance."""
    found: list[tuple[int, str]] = []
    patterns = (_CVE, _PRICE, _TRIPLE, _API) if _PRICED.search(text) else (_CVE, _TRIPLE, _API)
    for pattern in patterns:
        found.extend((m.start(), m.group(0).strip()) for m in pattern.finditer(text))
    found.extend((m.start(), m.group(0)) for m in _NAMED.finditer(text) if _named(m))
    seen: dict[str, str] = {}  # one per claim, whatever its case ("Pydantic v2", "pydantic v2")
    for _, claim in sorted(found):
        seen.setdefault(claim.casefold(), claim)
    return list(seen.values())


def question_text(q: Question) -> str:
    """Everything a member or interviewer reads as prose (not the worked code)."""
    parts = [q.prompt, q.testing, *q.key_points, *q.follow_ups, *q.red_flags, q.model_answer]
    if q.levels is not None:
        parts += [q.levels.strong, q.levels.hire, q.levels.no_hire]
    if q.solution is not None:
        parts.append(q.solution.notes)
    return "\n".join(p for p in parts if p)


def unsourced_findings(questions: Iterable[Question]) -> list[Finding]:
    """Questions that state a version, CVE or price and carry no ``sources``."""
    out: list[Finding] = []
    for q in questions:
        if q.sources:
            continue
        claims = version_claims(question_text(q))
        if claims:
            shown = ", ".join(f"'{c}'" for c in claims[:3])
            more = f" and {len(claims) - 3} more" if len(claims) > 3 else ""
            out.append(Finding(q.id, f"states {shown}{more} but has no sources"))
    return out


def source_findings(questions: Iterable[Question], today: date) -> list[Finding]:
    """Sources checked more than a year ago (or in the future), one finding per source."""
    out: list[Finding] = []
    for q in questions:
        for source in q.sources:
            age = months_since(source.checked, today)
            if age is None:
                continue
            if age > STALE_AFTER_MONTHS:
                out.append(
                    Finding(
                        q.id, f"source checked {source.checked}, {age} months ago: {source.url}"
                    )
                )
            elif age < 0:
                out.append(Finding(q.id, f"source checked {source.checked} is in the future"))
    return out
