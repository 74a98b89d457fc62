"""Embeds for /leaderboard and /stats. Names are escaped and shortened: they are members' input."""

from __future__ import annotations

from typing import Any

import discord
from discord import ui

from bot.boards.service import Board
from bot.boards.stats import MemberReport
from bot.storage.boards import BoardRow

NAME_MAX = 32
COLOUR = discord.Colour(0x5865F2)
NO_PINGS = discord.AllowedMentions.none()


def clean_name(name: str) -> str:
    if name.startswith("<@") and name[2:-1].isdigit():
        return name  # a fallback mention, not member input
    short = name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(short))


def row_line(row: BoardRow, name: str) -> str:
    streak = f" · 🔥 {row.streak}" if row.streak else ""
    frozen = f" · 🧊 {row.freezes_used}" if row.freezes_used else ""
    return (
        f"**{row.rank}.** {clean_name(name)} · **{row.points}** pts · "
        f"{row.answers} answer{'s' if row.answers != 1 else ''}{streak}{frozen}"
    )


def board_embed(board: Board, names: dict[int, str], hidden: bool) -> discord.Embed:
    lines = [row_line(r, names.get(r.user_id, "a former member")) for r in board.rows]
    if not lines:
        lines = ["Nobody has points on this board yet." if board.page == 0 else "No more ranks."]
    embed = discord.Embed(title=f"Leaderboard · {board.title}", colour=COLOUR)
    embed.description = "\n".join(lines)
    if hidden:
        you = "You are hidden from the boards (`/privacy show` to appear again)."
    elif board.me is None:
        you = "You have no points on this board yet."
    else:
        you = row_line(board.me, names.get(board.me.user_id, "you"))
    embed.add_field(name="You", value=you, inline=False)
    embed.set_footer(
        text=f"Page {board.page + 1} · points, answers, current streak, streak freezes used"
    )
    return embed


def stats_layout(
    report: MemberReport, name: str, signals: list[str], chart: str = "stats.png"
) -> ui.LayoutView:
    """/stats laid out with components (Components V2): the figures, per topic, the mock
    signals if any, and the chart inline (a media gallery of the attached PNG)."""
    rank = f"#{report.rank}" if report.rank else "—"
    head = (
        f"## Stats · {clean_name(name)}\n"
        f"**{report.points}** points · **{report.answers}** daily answers · rank {rank}\n"
        f"Streak: **{report.streak}** now, best **{report.best_streak}** · "
        f"freezes: **{report.freezes}** held, **{report.freezes_used}** used · "
        f"practice: **{report.practice}** question(s)"
    )
    lines = []
    for t in report.topics[:20]:
        grade = f"{t.average_grade:.1f}/4" if t.average_grade is not None else "not graded"
        lines.append(f"{t.name[:40]}: {t.answers} daily, {t.practice} practice, {grade}")
    topics = "\n".join(lines)[:1500] or "Nothing yet: answer the daily question or try /quiz."
    container: ui.Container[Any] = ui.Container(accent_colour=COLOUR)
    container.add_item(ui.TextDisplay(head))
    container.add_item(ui.Separator())
    container.add_item(ui.TextDisplay(f"### Per topic (answers, average self-grade)\n{topics}"))
    if signals:
        container.add_item(ui.TextDisplay("### Mock interview signals\n" + "\n".join(signals)))
    container.add_item(
        ui.MediaGallery(
            discord.MediaGalleryItem(f"attachment://{chart}", description="Points and topics")
        )
    )
    view = ui.LayoutView(timeout=None)
    view.add_item(container)
    return view
