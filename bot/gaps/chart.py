"""The /drill gaps heatmap: topics and signals against answer rate and self-grade.

Drawn like bot/boards/charts.py (``Figure`` + Agg canvas, no pyplot, so safe in a worker thread via
``asyncio.to_thread``) in Discord's dark-theme colours. A cell's colour is its strength from
0 (red) to 1 (green): the answer rate itself, or (grade - 1) / 3; grey where nothing is known.
The picture names no member.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.boards.charts import BACKGROUND, GREEN, MUTED, PANEL, RED, TEXT, YELLOW
from bot.gaps.service import Area, GapReport

WIDTH, DPI = 10.0, 100  # 1000 px wide; the height follows the number of topics
ROW_INCH = 0.32
STRENGTH = LinearSegmentedColormap.from_list("strength", [RED, YELLOW, GREEN])
COLUMNS = ("Answer rate", "Self-grade")


def _cells(area: Area) -> list[tuple[float | None, str]]:
    rate = (area.rate, f"{area.rate:.0%}") if area.rate is not None else (None, "–")
    grade = ((area.grade - 1) / 3, f"{area.grade:.1f}") if area.grade is not None else (None, "–")
    return [rate, grade]


def _panel(
    fig: Figure, slot: object, title: str, areas: Sequence[Area], weak: set[str], rows: int
) -> None:
    ax = fig.add_subplot(slot)  # type: ignore[call-overload]
    ax.set_facecolor(BACKGROUND)
    ax.set_title(title, color=TEXT, fontsize=12, loc="left", pad=8)
    ax.set_xlim(0, len(COLUMNS))
    ax.set_ylim(rows, 0)  # one row height in both panels
    for y, area in enumerate(areas):
        for x, (value, label) in enumerate(_cells(area)):
            colour = STRENGTH(value) if value is not None else MUTED
            ax.add_patch(
                _rect(x, y, colour, edge=TEXT if f"{area.kind}:{area.key}" in weak else PANEL)
            )
            ax.text(x + 0.5, y + 0.5, label, ha="center", va="center", color="#1e1f22", fontsize=9)
    ax.set_xticks([0.5, 1.5], COLUMNS)
    ax.xaxis.tick_top()
    labels = [
        ("▶ " if f"{a.kind}:{a.key}" in weak else "")
        + textwrap.shorten(a.name, 30, placeholder="…")
        for a in areas
    ]
    ax.set_yticks([y + 0.5 for y in range(len(areas))], labels)
    ax.tick_params(colors=TEXT, labelsize=9, length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _rect(x: int, y: int, colour: object, edge: str) -> Rectangle:
    return Rectangle(
        (x, y), 1, 1, facecolor=colour, edgecolor=edge, linewidth=3 if edge == TEXT else 2
    )


def render_gaps(report: GapReport) -> bytes:
    """PNG bytes: topics on the left, the five signals on the right; the weakest areas are
    outlined and marked with ▶."""
    rows = max(len(report.topics), len(report.signals), 1)
    height = max(3.5, 1.6 + ROW_INCH * rows)
    fig = Figure(figsize=(WIDTH, height), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1, 2, width_ratios=(1, 1), wspace=0.9)
    weak = {f"{a.kind}:{a.key}" for a in report.weakest}
    _panel(fig, grid[0], "Topics", report.topics, weak, rows)
    _panel(fig, grid[1], "Interview signals", report.signals, weak, rows)
    fig.text(
        0.97,
        0.02,
        "red: weak · green: strong · grey: no data · ▶ outlined: the three weakest",
        color=MUTED,
        fontsize=9,
        ha="right",
    )
    fig.suptitle(
        f"Gaps over {report.weeks} week(s), {report.since.isoformat()} to "
        f"{report.until.isoformat()}: {report.posts} post(s), {report.members} member(s)",
        color=TEXT,
        fontsize=13,
        x=0.03,
        ha="left",
    )
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 1.0 / height, bottom=0.3 / height)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()
