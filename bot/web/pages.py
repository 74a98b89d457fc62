"""The pages as HTML strings: server-rendered, no script. Every value from outside (names,
titles) goes through ``escape``; the one stylesheet is /web.css (bot/web/style.py).

Links between pages are relative (``./``, ``me``, ``gaps``, ``?period=...``) so the site works
behind a proxy under any path. Tables have captions and header cells; each chart's numbers
are also in a table under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from html import escape
from urllib.parse import urlencode

from bot.boards.service import PERIODS
from bot.gaps.service import SIGNAL_NAMES, Area, GapReport
from bot.storage.boards import BoardRow
from bot.web import charts
from bot.web.service import BoardPage, Progress, Viewer

PERIOD_NAMES = {"week": "Week", "month": "Month", "season": "Season", "all": "All time"}
NOBODY = "a member"  # a member whose name the bot has not seen (never their id)
REFUSED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">
<title>Link not valid</title></head>
<body><h1>This link is not valid</h1>
<p>It may have expired, been replaced, or the board may be off. Run <code>/board</code> in the
server for a new link.</p></body></html>
"""


def _layout(viewer: Viewer, here: str, title: str, body: str) -> str:
    tabs = [("./", "Boards", "board"), ("me", "My progress", "me")]
    if viewer.grant.organiser:
        tabs.append(("gaps", "Gaps", "gaps"))
    nav = " ".join(
        f'<a href="{href}"{" aria-current=page" if key == here else ""}>{name}</a>'
        for href, name, key in tabs
    )
    guild = escape(viewer.guild_name or "Your study group")
    until = datetime.fromtimestamp(viewer.grant.expires, UTC).strftime("%d %B %Y, %H:%M UTC")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="robots" content="noindex"><link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="../../web.css">'
        f"<title>{escape(title)} · {guild}</title></head><body>"
        f'<header><p class="guild">{guild}</p>'
        f'<nav class="pages" aria-label="Pages">{nav}</nav></header>'
        f"<main>{body}</main>"
        f"<footer>This link is yours and works until {until}; it shows only what the bot"
        " shows in the server. Run <code>/board</code> for a fresh one.</footer>"
        "</body></html>\n"
    )


def _row(row: BoardRow, names: dict[int, str], me: bool) -> str:
    return _row_html(row, names.get(row.user_id, NOBODY), me)


# A board's rows and its period and topic choices are the same for every viewer of the same
# board, so each is laid out once and kept (keyed by its values: a changed row, name or topic
# list is a new key). Only the viewer's own row differs (``me``). Issue 29: the layout was a
# fifth of a page's handler time.
@lru_cache(maxsize=4096)
def _row_html(row: BoardRow, name: str, me: bool) -> str:
    you = ' <span class="you">(you)</span>' if me else ""
    attrs = ' class="me" aria-current="true"' if me else ""
    return (
        f'<tr{attrs}><td class="num">{row.rank}</td>'
        f'<th scope="row">{escape(name)}{you}</th>'
        f'<td class="num">{row.points}</td><td class="num">{row.answers}</td>'
        f'<td class="num">{row.streak}</td></tr>'
    )


def _query(**values: object) -> str:
    return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "", 0)})


@lru_cache(maxsize=256)
def _choices(period: str, topic: str | None, topics: tuple[tuple[str, str], ...]) -> str:
    """The period links and the topic form of a board page."""
    periods = " ".join(
        f'<a href="{escape(_query(period=p, topic=topic))}"'
        f"{' aria-current=page' if p == period else ''}>{PERIOD_NAMES[p]}</a>"
        for p in PERIODS
    )
    options = "".join(
        f'<option value="{escape(slug)}"{" selected" if slug == topic else ""}>'
        f"{escape(name)}</option>"
        for slug, name in topics
    )
    return (
        f'<nav class="periods" aria-label="Period">{periods}</nav>'
        '<form class="topic" method="get">'
        f'<input type="hidden" name="period" value="{escape(period)}">'
        '<label for="topic">Topic</label><select id="topic" name="topic">'
        f'<option value="">All topics</option>{options}</select>'
        "<button type=submit>Show</button></form>"
    )


def board_page(viewer: Viewer, data: BoardPage) -> str:
    board, me_id = data.board, viewer.grant.user_id
    rows = [_row(r, data.names, r.user_id == me_id) for r in board.rows]
    if board.me is not None and all(r.user_id != me_id for r in board.rows):
        rows.append('<tr class="gap"><td colspan="5">…</td></tr>')
        rows.append(_row(board.me, data.names, True))
    if board.rows:
        table = (
            '<div class="scroll"><table><caption>'
            f"{escape(board.title)}: rank, member, points, answers and current streak"
            '</caption><thead><tr><th scope="col" class="num">Rank</th><th scope="col">Member'
            '</th><th scope="col" class="num">Points</th><th scope="col" class="num">Answers'
            '</th><th scope="col" class="num">Streak</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
    else:
        table = '<p class="note">Nobody has points on this board yet.</p>'
    notes = []
    if board.viewer_hidden:
        notes.append(
            '<p class="note">You are hidden from the boards, so your row is shown to nobody,'
            " you included. <code>/leaderboard show</code> brings it back.</p>"
        )
    pager = []
    if board.page > 0:
        prev = _query(period=data.period, topic=data.topic, page=board.page - 1)
        pager.append(f'<a rel="prev" href="{escape(prev)}">← Higher places</a>')
    if board.has_next:
        nxt = _query(period=data.period, topic=data.topic, page=board.page + 1)
        pager.append(f'<a rel="next" href="{escape(nxt)}">Lower places →</a>')
    nav = f'<nav class="pager" aria-label="Board pages">{"".join(pager)}</nav>' if pager else ""
    body = (
        f"<h1>{escape(board.title)}</h1>{_choices(data.period, data.topic, data.topics)}"
        f"{''.join(notes)}{table}{nav}"
    )
    return _layout(viewer, "board", f"Board · {board.title}", body)


def _short(day: str | date) -> str:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.day} {d:%b}"


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    cols = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        f'<tr><th scope="row">{escape(str(r[0]))}</th>'
        + "".join(f'<td class="num">{escape(str(c))}</td>' for c in r[1:])
        + "</tr>"
        for r in rows
    )
    return (
        f'<details><summary>The numbers</summary><div class="scroll"><table><caption>'
        f"{escape(caption)}</caption><thead><tr>{cols}</tr></thead><tbody>{body}</tbody>"
        "</table></div></details>"
    )


def progress_page(viewer: Viewer, data: Progress) -> str:
    r = data.report
    figures = [
        ("Points", r.points),
        ("Answers", r.answers),
        ("Current streak", f"{r.streak} day(s)"),
        ("Best streak", f"{r.best_streak} day(s)"),
        ("Rank, all time", f"#{r.rank}" if r.rank else "–"),
        ("Practice questions", r.practice),
    ]
    dl = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(str(v))}</dd></div>" for k, v in figures)
    weeks = [_short(w.start) for w in r.weeks]
    week_chart = charts.stacked_bars(
        weeks,
        [
            ("daily answers", [w.answers for w in r.weeks]),
            ("practice", [w.practice for w in r.weeks]),
        ],
        "Answers per week",
        f"Daily answers and practice questions in each of the last {len(weeks)} weeks.",
    )
    week_table = _table(
        "Answers per week",
        ("Week of", "Daily answers", "Practice"),
        ((w.start, w.answers, w.practice) for w in r.weeks),
    )
    graded = [t for t in r.topics if t.practice or t.answers]
    if graded:
        grade_chart = charts.hbars(
            [(t.name, t.average_grade) for t in graded],
            4.0,
            "Self-grades per topic",
            "Average self-grade per topic, from 1 (Again) to 4 (Easy).",
        )
        grade_table = _table(
            "Self-grades per topic",
            ("Topic", "Daily answers", "Practice", "Average self-grade"),
            (
                (
                    t.name,
                    t.answers,
                    t.practice,
                    f"{t.average_grade:.1f}" if t.average_grade else "–",
                )
                for t in graded
            ),
        )
        grades = grade_chart + grade_table
    else:
        grades = '<p class="note">No topics yet: <code>/quiz</code> asks one in private.</p>'
    body = (
        f"<h1>My progress{' · ' + escape(data.name) if data.name else ''}</h1>"
        f'<dl class="figures">{dl}</dl>'
        f"<h2>Answers per week</h2>{week_chart}{week_table}"
        f"<h2>Self-grades per topic</h2>{grades}"
        f"<h2>Mock interview signals</h2>{_mock_section(data)}"
    )
    return _layout(viewer, "me", "My progress", body)


def _mock_section(data: Progress) -> str:
    rounds = [p for p in data.rounds if p.ratings]
    if not rounds:
        return '<p class="note">No rated mock rounds yet: <code>/mock start</code> runs one.</p>'
    signals = [s for s in SIGNAL_NAMES if any(s in p.ratings for p in rounds)]
    labels = [_short(p.started_at.date()) for p in rounds]
    chart = charts.lines(
        labels,
        [(SIGNAL_NAMES[s], [p.ratings.get(s) for p in rounds]) for s in signals],
        1,
        4,
        "Mock interview signals over time",
        "Your self-rating of each signal, 1 to 4, in each rated mock round, oldest first.",
    )
    table = _table(
        "Mock interview self-ratings per round",
        ("Round", *(SIGNAL_NAMES[s] for s in signals)),
        (
            (f"{lab} · {p.round.name}", *(p.ratings.get(s, "–") for s in signals))
            for lab, p in zip(labels, rounds, strict=True)
        ),
    )
    return chart + table


def _cells(area: Area) -> list[tuple[float | None, str]]:
    rate = (area.rate, f"{area.rate:.0%}") if area.rate is not None else (None, "–")
    grade = ((area.grade - 1) / 3, f"{area.grade:.1f}") if area.grade is not None else (None, "–")
    return [rate, grade]


def gaps_page(viewer: Viewer, report: GapReport, names: dict[int, str]) -> str:
    parts = [
        f"<h1>Gaps · the last {report.weeks} week(s)</h1>"
        f"<p>{report.posts} daily question(s) from {_short(report.since)} to"
        f" {_short(report.until)}, {report.members} active member(s). Green is strong,"
        " red is weak, grey is not known yet.</p>"
    ]
    if report.weakest:
        weakest = ", ".join(escape(a.name) for a in report.weakest)
        parts.append(f'<p class="note">Weakest now: {weakest}.</p>')
    for title, areas in (("Topics", report.topics), ("Signals", report.signals)):
        parts.append(f"<h2>{title}</h2>")
        if not areas:
            parts.append('<p class="note">Nothing to show yet.</p>')
            continue
        parts.append(
            charts.heatmap(
                ("Answer rate", "Self-grade"),
                [(a.name, _cells(a)) for a in areas],
                f"{title}: answer rate and self-grade",
                f"One row per {title.lower()[:-1]}: the share of active members who answered"
                " its questions, and the average self-grade from 1 to 4.",
            )
        )
        parts.append(
            _table(
                f"{title}: answer rate and self-grade",
                (title[:-1], "Posts", "Answers", "Answer rate", "Self-grade", "Ask"),
                (
                    (
                        a.name,
                        a.posts,
                        a.answers,
                        f"{a.rate:.0%}" if a.rate is not None else "–",
                        f"{a.grade:.1f}" if a.grade is not None else "–",
                        names.get(a.ask, NOBODY) if a.ask is not None else "",
                    )
                    for a in areas
                ),
            )
        )
    return _layout(viewer, "gaps", "Gaps", "".join(parts))
