"""`drillbot content validate|stats`: check packs against the configured content, count the bank.
Split from bot/ops/cli.py (which parses the command line and dispatches here)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.bank import Bank, PackError, load_bank, pack_files
from bot.bank.checks import position, solution_findings, stale_findings
from bot.bank.freshness import source_findings, unsourced_findings
from bot.bank.stats import stats_table
from bot.clock import SystemClock
from bot.ops.preflight import Exit


def _base_for(paths: list[Path], shipped: Path) -> Bank | None:
    """The configured content, minus the files being checked, for packs that add questions to
    shipped topics (content/README.md): they are checked against it without naming it."""
    if not shipped.is_dir():
        return None
    files = pack_files(paths)
    checked = {p.resolve() for p in files}
    # A checked file named like a shipped one is a version of it (a copy of content/ being
    # edited): leaning on the shipped file too would report every id in it twice.
    names = {p.name for p in files}
    rest = [p for p in pack_files([shipped]) if p.resolve() not in checked and p.name not in names]
    if not rest:
        return None
    try:
        return load_bank(rest)
    except PackError as exc:
        # A pack that only adds questions to a topic defined in a file being checked (or a
        # broken one) cannot load without it: lean on the rest of the configured content.
        broken = {issue.source for issue in exc.issues}
        rest = [p for p in rest if str(p) not in broken]
    try:
        return load_bank(rest) if rest else None
    except PackError:
        return None  # broken configured content: check the given packs on their own


def _load(paths: list[Path], shipped: Path) -> tuple[Bank, Bank | None] | None:
    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"{path}: no such file or folder", file=sys.stderr)
        return None
    base = _base_for(paths, shipped)
    try:
        return load_bank(paths, base), base
    except PackError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"{len(exc.issues)} error(s)", file=sys.stderr)
        return None


def validate(paths: list[Path], shipped: Path) -> int:
    loaded = _load(paths, shipped)
    if loaded is None:
        return Exit.FAILED
    bank, base = loaded
    if not bank.questions or (base is not None and len(bank.questions) == len(base.questions)):
        # `run` refuses content without questions; validate says so first, not "ok".
        where = ", ".join(map(str, paths))
        print(f"{where}: no question packs (no *.yaml with questions)", file=sys.stderr)
        return Exit.FAILED
    # Only the packs being checked: the configured content they lean on is not their problem.
    checked = [q for q in bank.questions.values() if base is None or q.id not in base.questions]
    broken = solution_findings(checked)
    for finding in broken:
        print(f"{position(bank, finding.question_id)}: {finding}", file=sys.stderr)
    if broken:
        print(f"{len(broken)} error(s)", file=sys.stderr)
        return Exit.FAILED
    today = SystemClock().now().date()
    for finding in [*stale_findings(checked, today), *source_findings(checked, today)]:
        print(f"{position(bank, finding.question_id)}: warning: {finding}", file=sys.stderr)
    unsourced = unsourced_findings(checked)
    for finding in unsourced:
        print(f"{position(bank, finding.question_id)}: warning: {finding}", file=sys.stderr)
    if unsourced:
        print(
            f"warning: {len(unsourced)} question(s) state a version, CVE or price without sources",
            file=sys.stderr,
        )
    packs, topics = (
        (len(bank.packs) - len(base.packs), len(bank.topics) - len(base.topics))
        if base
        else (len(bank.packs), len(bank.topics))
    )
    against = f" (with {len(base.packs)} pack(s) from {shipped})" if base else ""
    print(f"ok: {packs} pack(s), {topics} topic(s), {len(checked)} question(s){against}")
    return Exit.OK


def stats(paths: list[Path], shipped: Path) -> int:
    loaded = _load(paths, shipped)
    if loaded is None:
        return Exit.FAILED
    print(stats_table(loaded[0]))
    return Exit.OK
