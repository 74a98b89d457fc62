"""The mock summary's chart: this round's self-ratings on the five signals against the member's
earlier rounds. Drawn on matplotlib's Agg canvas (no pyplot, no global state), so it renders in
a worker thread; colours and size follow the /stats chart (Discord's dark theme)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.bank.models import SIGNALS
from bot.boards.charts import BACKGROUND, BLURPLE, DPI, MUTED, TEXT, _style
from bot.mock.service import Summary

LABELS = {
    "production-mindset": "Production\nmindset",
    "infrastructure": "Infrastructure",
    "ml-ops": "ML ops",
    "automation": "Automation",
    "cost": "Cost",
}


def render_signals(summary: Summary) -> bytes:
    """Bars: this round (blurple) beside the average of earlier rounds (grey), per signal, on
    the 1-4 scale; dots: each earlier round. Signals a round does not test are left empty."""
    fig = Figure(figsize=(8.0, 4.5), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _style(ax, f"Mock {summary.round.name.lower()}: signals, this round and earlier ones")
    xs = range(len(SIGNALS))
    width = 0.38
    now = [summary.ratings.get(s, 0) for s in SIGNALS]
    earlier = [[r[s] for r in summary.previous if s in r] for s in SIGNALS]
    mean = [sum(v) / len(v) if v else 0 for v in earlier]
    ax.bar([x - width / 2 for x in xs], mean, width, color=MUTED, label="earlier rounds (mean)")
    ax.bar([x + width / 2 for x in xs], now, width, color=BLURPLE, label="this round")
    for x, values in zip(xs, earlier, strict=True):
        ax.scatter([x - width / 2] * len(values), values, color=TEXT, s=10, zorder=3)
    ax.set_xticks(list(xs), [LABELS[s] for s in SIGNALS])
    ax.set_ylim(0, 4.9)  # room for the legend above the 4s
    ax.set_yticks([1, 2, 3, 4], ["1 weak", "2 patchy", "3 solid", "4 strong"])
    legend = ax.legend(loc="upper left", fontsize=9, frameon=False, ncols=2)
    for text in legend.get_texts():
        text.set_color(TEXT)
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.16, top=0.88)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()
