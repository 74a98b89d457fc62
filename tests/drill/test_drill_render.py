"""The /drill replies stay inside Discord's size limits however much there is to show."""

from __future__ import annotations

from datetime import timedelta

from bot.organiser.service import ReportLine, TopicCoverage
from bot.storage import AuditEntry, ReportSummary
from cogs import drill_render as render
from tests.conftest import START


def test_ten_long_reports_fit_one_embed() -> None:
    lines = [
        ReportLine(
            ReportSummary(f"q-{n:03d}", 99, START, ("wrong", "unclear", "duplicate"), "d" * 900),
            "A topic with a long name " * 4,
            "p" * 1000,
            n % 2 == 0,
        )
        for n in range(10)
    ]
    embed = render.reports_embed(lines)
    assert len(embed) <= 6000
    assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)


def test_many_topics_and_audit_rows_are_cut_with_a_count() -> None:
    coverage = [TopicCoverage(f"topic-{n:02d}", "T" * 90, True, 40, 1, 39) for n in range(80)]
    assert len(render.topics_embed(coverage).description or "") <= 4096
    field = render.lines_within([render.coverage_line(c) for c in coverage], 1024)
    assert len(field) <= 1024 and field.endswith("more")
    entries = [
        AuditEntry(n, 1, 2, "set something", "o" * 500, "n" * 500, START + timedelta(minutes=n))
        for n in range(20)
    ]
    assert len(render.audit_embed(entries).description or "") <= 4096
