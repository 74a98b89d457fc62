"""The /stats chart: a PNG drawn with matplotlib's Agg canvas, no pyplot and no display.

``Figure`` + ``FigureCanvasAgg`` keep no global state, so rendering is safe in a worker thread
(``render_stats`` is called through ``asyncio.to_thread``). Colours follow Discord's dark theme.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.boards.stats import MemberReport

BACKGROUND = "#313338"  # Discord dark theme, message area
PANEL = "#2b2d31"
TEXT = "#dbdee1"
MUTED = "#949ba4"
BLURPLE = "#5865f2"
GREEN = "#57f287"
YELLOW = "#fee75c"
RED = "#ed4245"
WIDTH, HEIGHT, DPI = 10.0, 5.0, 100  # 1000 x 500 px: sharp in an embed, well under 1 MB


def _style(ax: object, title: str) -> None:
    ax.set_facecolor(PANEL)  # type: ignore[attr-defined]
    ax.set_title(title, color=TEXT, fontsize=12, loc="left", pad=10)  # type: ignore[attr-defined]
    ax.tick_params(colors=MUTED, labelsize=9)  # type: ignore[attr-defined]
    for side, spine in ax.spines.items():  # type: ignore[attr-defined]
        spine.set_visible(side in ("left", "bottom"))
        spine.set_color(MUTED)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _grade_colour(grade: float) -> str:
    return RED if grade < 2 else YELLOW if grade < 3 else GREEN


def render_stats(report: MemberReport, name: str) -> bytes:
    """Two panels: daily answers and practice per week (last 12), and mastery per topic
    (average self-grade, 1 Again ... 4 Easy). Returns PNG bytes."""
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.15, 1), wspace=0.45)
    weeks = fig.add_subplot(grid[0])
    _style(weeks, "Activity, last 12 weeks")
    xs = range(len(report.weeks))
    daily = [w.answers for w in report.weeks]
    practice = [w.practice for w in report.weeks]
    weeks.bar(xs, daily, color=BLURPLE, label="daily answers")
    weeks.bar(xs, practice, bottom=daily, color=GREEN, label="practice")
    weeks.set_xticks(list(xs), [w.start[5:] for w in report.weeks], rotation=45, ha="right")
    weeks.yaxis.set_major_locator(MaxNLocator(integer=True))
    weeks.set_ylim(0, max([d + p for d, p in zip(daily, practice, strict=True)] + [1]) * 1.15)
    legend = weeks.legend(loc="upper left", fontsize=9, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)

    mastery = fig.add_subplot(grid[1])
    _style(mastery, "Mastery by topic (self-grade)")
    graded = [t for t in report.topics if t.average_grade is not None][:10]
    if graded:
        labels = [textwrap.shorten(t.name, 24, placeholder="…") for t in graded]
        values = [t.average_grade or 0.0 for t in graded]
        ys = range(len(graded))
        mastery.barh(ys, values, height=0.6, color=[_grade_colour(v) for v in values])
        mastery.set_yticks(list(ys), labels)
        # Room for six bars at least, top down: one topic is a bar, not a wall.
        mastery.set_ylim(max(len(graded), 6) - 0.5, -0.5)
        for y, topic in zip(ys, graded, strict=True):
            mastery.text(
                (topic.average_grade or 0) + 0.05,
                y,
                f"{topic.average_grade:.1f}",
                va="center",
                color=TEXT,
                fontsize=9,
            )
    else:
        mastery.set_yticks([])
        mastery.text(
            2.5,
            0.5,
            "No self-graded practice yet:\ntry /quiz",
            ha="center",
            va="center",
            color=MUTED,
            fontsize=11,
        )
    mastery.set_xlim(0, 4.4)
    mastery.set_xticks([1, 2, 3, 4], ["Again", "Hard", "Good", "Easy"])
    fig.suptitle(
        textwrap.shorten(f"{name}: {report.points} points, {_count(report.answers, 'answer')}", 90),
        color=TEXT,
        fontsize=14,
        x=0.06,
        ha="left",
    )
    fig.subplots_adjust(left=0.06, right=0.97, top=0.82, bottom=0.2)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()
