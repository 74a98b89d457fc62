"""SVG charts for the web pages: text, not pictures, so they scale on a phone, follow the
page's light or dark theme (colours come from CSS classes) and can be read by a screen reader
(each has a title and a description; the page puts the numbers in a table beside it).

Every label is escaped here; callers pass plain text.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from html import escape

W = 640  # viewBox width; the CSS makes it as wide as the column
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 16, 40
HEAT = ((0.0, (0xD9, 0x48, 0x3B)), (0.5, (0xE8, 0xB9, 0x3B)), (1.0, (0x3B, 0xA5, 0x5C)))


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(kind: str, height: int, title: str, desc: str) -> list[str]:
    ident = f"{kind}-{zlib.crc32((title + desc).encode()):08x}"
    return [
        f'<svg class="chart {kind}" viewBox="0 0 {W} {height}" role="img"'
        f' aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]


def _y_axis(out: list[str], top: float, bottom: float, ticks: Sequence[tuple[float, str]]) -> None:
    for value, label in ticks:
        y = bottom - (bottom - top) * value
        out.append(
            f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{_num(y)}" y2="{_num(y)}"/>'
        )
        out.append(
            f'<text class="tick" x="{PAD_L - 6}" y="{_num(y + 4)}" text-anchor="end">'
            f"{escape(label)}</text>"
        )


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    title: str,
    desc: str,
    height: int = 220,
) -> str:
    """Columns stacked from ``series`` (name, one value per label), e.g. answers per week."""
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = max(max(totals, default=0), 1)
    step = max(1, -(-top // 4))
    ceiling = step * 4
    bottom, upper = height - PAD_B, PAD_T
    out = _open("bars", height, title, desc)
    _y_axis(out, upper, bottom, [(i / 4, str(step * i)) for i in range(5)])
    slot = (W - PAD_L - PAD_R) / max(len(labels), 1)
    width = slot * 0.7
    for i, label in enumerate(labels):
        x = PAD_L + slot * i + (slot - width) / 2
        y = float(bottom)
        for k, (name, values) in enumerate(series):
            value = values[i]
            if value:
                h = (bottom - upper) * value / ceiling
                y -= h
                out.append(
                    f'<rect class="s{k}" x="{_num(x)}" y="{_num(y)}" width="{_num(width)}"'
                    f' height="{_num(h)}"><title>{escape(label)}: {value} {escape(name)}</title>'
                    "</rect>"
                )
        if i % 2 == len(labels) % 2 or len(labels) <= 6:  # every other label fits a phone
            out.append(
                f'<text class="tick" x="{_num(x + width / 2)}" y="{bottom + 16}"'
                f' text-anchor="middle">{escape(label)}</text>'
            )
    out.append(_legend([name for name, _ in series], height - 8))
    out.append("</svg>")
    return "".join(out)


def _legend(names: Sequence[str], y: int) -> str:
    parts = []
    x = PAD_L
    for k, name in enumerate(names):
        parts.append(f'<rect class="s{k}" x="{x}" y="{y - 9}" width="10" height="10"/>')
        parts.append(f'<text class="legend" x="{x + 14}" y="{y}">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    return "".join(parts)


def hbars(rows: Sequence[tuple[str, float | None]], top: float, title: str, desc: str) -> str:
    """One horizontal bar per row (e.g. average self-grade per topic, out of ``top``)."""
    row_h, label_w = 26, 230
    height = PAD_T + row_h * max(len(rows), 1) + 8
    out = _open("hbars", height, title, desc)
    span = W - label_w - PAD_R - 40
    for i, (label, value) in enumerate(rows):
        y = PAD_T + row_h * i
        short = label if len(label) <= 26 else label[:25] + "…"
        out.append(
            f'<text class="tick" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(short)}</text>"
        )
        if value is None:
            out.append(f'<text class="muted" x="{label_w}" y="{y + 17}">not graded</text>')
            continue
        width = span * value / top
        out.append(
            f'<rect class="s0" x="{label_w}" y="{y + 4}" width="{_num(width)}"'
            f' height="{row_h - 8}"/>'
        )
        out.append(
            f'<text class="value" x="{_num(label_w + width + 6)}" y="{y + 17}">{value:.1f}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    low: float,
    high: float,
    title: str,
    desc: str,
    height: int = 240,
) -> str:
    """One line per series over ``labels`` (e.g. mock self-ratings 1-4 per round); a gap
    where a series has no value."""
    bottom, upper = height - PAD_B - 16, PAD_T
    out = _open("lines", height, title, desc)
    _y_axis(
        out,
        upper,
        bottom,
        [((v - low) / (high - low), _num(v)) for v in range(int(low), int(high) + 1)],
    )
    n = len(labels)
    step = (W - PAD_L - PAD_R - 20) / max(n - 1, 1)

    def at(i: int, v: float) -> tuple[float, float]:
        x = PAD_L + 10 + step * i if n > 1 else (W + PAD_L) / 2
        return x, bottom - (bottom - upper) * (v - low) / (high - low)

    for k, (name, values) in enumerate(series):
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{_num(at(i, v)[0])},{_num(at(i, v)[1])}" for i, v in points)
            out.append(f'<polyline class="line s{k}" points="{path}"/>')
        for i, v in points:
            x, y = at(i, v)
            out.append(
                f'<circle class="s{k}" cx="{_num(x)}" cy="{_num(y)}" r="4">'
                f"<title>{escape(name)}, {escape(labels[i])}: {_num(v)}</title></circle>"
            )
    for i, label in enumerate(labels):
        if n <= 8 or i % max(1, n // 6) == 0:
            x, _ = at(i, low)
            out.append(
                f'<text class="tick" x="{_num(x)}" y="{bottom + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    out.append(_legend([name for name, _ in series], height - 8))
    out.append("</svg>")
    return "".join(out)


def heat_colour(value: float) -> str:
    """Red (0, weak) through amber to green (1, strong)."""
    value = min(1.0, max(0.0, value))
    for (a, ca), (b, cb) in itertools.pairwise(HEAT):
        if value <= b:
            t = (value - a) / (b - a)
            rgb = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
            return "#" + "".join(f"{c:02x}" for c in rgb)
    return "#3ba55c"


def heatmap(
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[tuple[float | None, str]]]],
    title: str,
    desc: str,
) -> str:
    """A grid of cells, each a strength 0..1 (None: nothing known) with its own label."""
    row_h, label_w, head = 28, 250, 28
    cell_w = (W - label_w - PAD_R) / max(len(columns), 1)
    height = head + row_h * max(len(rows), 1) + 6
    out = _open("heat", height, title, desc)
    for j, name in enumerate(columns):
        x = label_w + cell_w * j + cell_w / 2
        out.append(
            f'<text class="tick" x="{_num(x)}" y="18" text-anchor="middle">{escape(name)}</text>'
        )
    for i, (label, cells) in enumerate(rows):
        y = head + row_h * i
        short = label if len(label) <= 28 else label[:27] + "…"
        out.append(
            f'<text class="tick" x="{label_w - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(short)}</text>"
        )
        for j, (value, text) in enumerate(cells):
            x = label_w + cell_w * j
            fill = f' fill="{heat_colour(value)}"' if value is not None else ""
            cls = "cell" if value is not None else "cell empty"
            out.append(
                f'<rect class="{cls}" x="{_num(x + 1)}" y="{y + 1}" width="{_num(cell_w - 2)}"'
                f' height="{row_h - 2}"{fill}/>'
            )
            out.append(
                f'<text class="cell-text" x="{_num(x + cell_w / 2)}" y="{y + 18}"'
                f' text-anchor="middle">{escape(text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
