"""Hostile and large packs through the bank loader: time and peak memory to refuse or accept.

Cases (texts from tests/support/hostile_packs.py):

* alias bomb: 537 bytes, nine levels of nine aliases, the last used as a mapping key. Before
  issue 11 it was accepted and every rebuild cost 2.3 s and 325 MB.
* aliased copies: one question anchored and aliased 10,000 times (~70 KB). Before: 30 s.
* over the cap: a written-out pack of 2,000 questions (450 KB), refused on size.
* full size: 1,100 written-out questions (253 KB, just under the cap), accepted.
* 10,000 repeated ids: each located at its own line by the cross-pack check (linear).

    .venv/bin/python benchmarks/packs.py [--repeat 5]

The last line of output is one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bank import Bank, Pack, PackError, Question, Topic, parse_pack
from tests.support.hostile_packs import (
    alias_bomb,
    aliased_copies,
    big_pack,
    huge_pack,
)


def repeated_ids(count: int = 10_000) -> Callable[[], Any]:
    question = Question("dup-001", "t", "easy", "technical", "Why?", "No.", ("a", "b", "c"))
    text = "\n".join(["pack: p", "version: 1", "questions:"] + ["  - id: dup-001"] * count)
    pack = Pack("p", "1", "p.yaml", (Topic("t", "T"),), (question,) * count)

    def run() -> Any:
        try:
            Bank.from_packs([(pack, text)])
        except PackError as exc:
            return len(exc.issues)
        raise AssertionError("duplicates were not reported")

    return run


def parsing(text: str) -> Callable[[], Any]:
    def run() -> Any:
        pack, issues = parse_pack(text, "bench.yaml")
        return "accepted" if pack is not None and not issues else f"refused ({len(issues)})"

    return run


def measure(work: Callable[[], Any], repeat: int) -> dict[str, Any]:
    times = []
    outcome = None
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = work()
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "outcome": outcome,
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(max(times), 2),
        "peak_mb": round(peak / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cases: dict[str, tuple[int, Callable[[], Any]]] = {}
    for name, text in [
        ("alias_bomb", alias_bomb()),
        ("aliased_copies", aliased_copies()),
        ("over_the_cap", huge_pack()),
        ("full_size", big_pack()),
    ]:
        cases[name] = (len(text.encode()), parsing(text))
    cases["repeated_ids"] = (0, repeated_ids())
    results = {
        name: measure(work, args.repeat) | {"bytes": size} for name, (size, work) in cases.items()
    }
    print(f"{'case':<16}{'bytes':>9}  {'outcome':<16}{'median ms':>10}{'max ms':>9}{'peak MB':>9}")
    for name, r in results.items():
        print(
            f"{name:<16}{r['bytes']:>9}  {r['outcome']!s:<16}{r['median_ms']:>10}"
            f"{r['max_ms']:>9}{r['peak_mb']:>9}"
        )
    summary = {f"{name}_ms": r["median_ms"] for name, r in results.items()}
    summary |= {f"{name}_peak_mb": r["peak_mb"] for name, r in results.items()}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
