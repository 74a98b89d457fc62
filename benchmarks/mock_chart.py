"""How long the mock summary's chart takes to render (issue 15), with 0, 5 and 50 earlier rounds.

    .venv/bin/python benchmarks/mock_chart.py [--out chart.png]

Prints a table and, last, one JSON object of the medians in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot.bank.models import SIGNALS
from bot.mock import ROUNDS_BY_SLUG, Summary
from bot.mock.chart import render_signals

RUNS = 15


def summary(previous: int) -> Summary:
    earlier = tuple({s: 1 + (i + n) % 4 for n, s in enumerate(SIGNALS)} for i in range(previous))
    now = {s: 3 for s in ROUNDS_BY_SLUG["system-design"].signals}
    return Summary(1, ROUNDS_BY_SLUG["system-design"], (), now, earlier)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write one chart here to look at")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    print(f"{'earlier rounds':>15} {'median ms':>10} {'max ms':>8} {'PNG bytes':>10}")
    for previous in (0, 5, 50):
        data = summary(previous)
        render_signals(data)  # warm matplotlib's font cache
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            png = render_signals(data)
            times.append((time.perf_counter() - start) * 1000)
        median = statistics.median(times)
        figures[f"render_ms_{previous}_earlier"] = round(median, 1)
        print(f"{previous:>15} {median:>10.1f} {max(times):>8.1f} {len(png):>10}")
        if args.out and previous == 5:
            args.out.write_bytes(png)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
