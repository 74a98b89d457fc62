"""Turn core results into embeds. No decisions here, only layout within Discord's limits."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, cast

import discord

from bot.bank import Question
from bot.errors import WHEN, DrillError
from bot.storage import Award
from bot.storage.streaks import KeptStreak

log = logging.getLogger(__name__)

# Replies ping nobody unless pinging is their point (the daily post's role ping sets its own).
NO_PINGS = discord.AllowedMentions.none()
CONTENT_LIMIT = 2000

DIFFICULTY_COLOUR = {"easy": 0x2ECC71, "medium": 0xF1C40F, "hard": 0xE74C3C}
TESTING_HEADING = "What they're testing"


def fit(text: str, limit: int = CONTENT_LIMIT) -> str:
    """Shorten to Discord's limit: a longer message is refused and the member sees nothing."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def reply(
    interaction: discord.Interaction, content: str | None = None, **kwargs: Any
) -> None:
    """An ephemeral answer, as the response or a follow-up, within limits and pinging nobody."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    kwargs.setdefault("ephemeral", True)
    if content is not None:
        kwargs["content"] = fit(content)
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


@contextlib.asynccontextmanager
async def refusals(interaction: discord.Interaction) -> AsyncIterator[None]:
    """A DrillError becomes one ephemeral sentence sent from here (shortened, no pings), so
    it does not reach the tree's generic handler. Anything else still does."""
    try:
        yield
    except DrillError as exc:
        try:
            await reply(interaction, refusal(exc))
        except discord.HTTPException:
            log.warning("could not send a refusal for interaction %s", interaction.id)


@contextlib.asynccontextmanager
async def guarded(interaction: discord.Interaction, what: str) -> AsyncIterator[None]:
    """For component presses and modal submits (they do not pass through the command tree's
    error handler): a refusal from the core becomes one ephemeral sentence, and anything else
    is logged and answered, so a press never crashes and never goes unanswered."""
    try:
        async with refusals(interaction):
            yield
    except Exception:
        log.exception("%s interaction failed", what)
        with contextlib.suppress(discord.HTTPException):
            await reply(interaction, "Something went wrong; it has been logged.")


def ts(when: datetime, style: str = "R") -> str:
    """A Discord timestamp: shown in each reader's own timezone. The one place the bot writes
    one: the core hands over datetimes (bot/ holds no Discord markup, tests/test_shape.py)."""
    return f"<t:{int(when.timestamp())}:{style}>"


def mention(user_id: int | None) -> str:
    """A member's mention (pings only where a message's allowed_mentions say so)."""
    return f"<@{user_id}>"


def refusal(exc: DrillError) -> str:
    """A refusal from the core as the member reads it: its moment, if any, in their time zone."""
    return exc.text.replace(WHEN, ts(exc.when)) if exc.when is not None else str(exc)


def bullets(items: Sequence[str], limit: int = 1024) -> str:
    text = "\n".join(f"• {item}" for item in items)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_embed(question: Question, topic_name: str, *, title: str) -> discord.Embed:
    embed = discord.Embed(
        title=title[:256],
        description=question.prompt,
        colour=DIFFICULTY_COLOUR.get(question.difficulty, 0x5865F2),
    )
    embed.add_field(name="Topic", value=topic_name, inline=True)
    embed.add_field(name="Difficulty", value=question.difficulty.title(), inline=True)
    return embed


NOTES_BUDGET = 4000  # of a message's 6,000 embed characters: leaves room for the question


def notes_embed(
    question: Question, topic_name: str, *, footer: str = "", budget: int = NOTES_BUDGET
) -> discord.Embed:
    """What they're testing, key points, red flags, follow-ups and the worked solution. Within
    ``budget`` characters: a long solution is cut with a visible note, never silently."""
    embed = discord.Embed(
        title=TESTING_HEADING,
        description=question.testing,
        colour=DIFFICULTY_COLOUR.get(question.difficulty, 0x5865F2),
    )
    embed.add_field(
        name="Key points of a strong answer", value=bullets(question.key_points), inline=False
    )
    if question.red_flags:
        embed.add_field(
            name="Red flags: a weak answer…", value=bullets(question.red_flags), inline=False
        )
    if question.follow_ups:
        embed.add_field(
            name="Follow-up questions", value=bullets(question.follow_ups), inline=False
        )
    embed.set_footer(text=(footer or f"{topic_name} · {question.id} v{question.version}")[:2048])
    if question.solution is not None:
        embed.description = question.testing + solution_block(question, room=budget - len(embed))
    return embed


def solution_block(question: Question, *, room: int) -> str:
    """The worked solution as a code block that fits ``room`` characters (or a pointer)."""
    solution = question.solution
    assert solution is not None
    head = "\n\n**Worked solution**\n"
    notes = f"\n{solution.notes}" if solution.notes else ""
    fence = f"```{solution.language}\n"
    code = solution.code.replace("```", "ʼʼʼ")  # a fence inside the code would end the block
    full = f"{head}{fence}{code}\n```{notes}"
    if len(full) <= room:
        return full
    cut_note = f"\n(cut to fit Discord: the full solution is {question.id} in the bank)"
    keep = room - len(head) - len(fence) - len("\n```") - len(cut_note) - 1
    if keep < 200:
        return f"{head}Too long to show here: see {question.id} in the question bank."
    return f"{head}{fence}{code[:keep]}…\n```{cut_note}"


def awards_line(awards: Sequence[Award]) -> str:
    totals: dict[int, int] = {}
    for award in awards:
        totals[award.user_id] = totals.get(award.user_id, 0) + award.points
    parts = [
        f"{mention(user)} +{points}"
        for user, points in sorted(totals.items(), key=lambda item: -item[1])
    ]
    text = ", ".join(parts)
    return text if len(text) <= 1024 else text[:1020] + " …"


def data_of(interaction: discord.Interaction) -> dict[str, Any]:
    """The interaction's raw data (custom id, modal rows) as a plain dict, whatever its kind."""
    return cast(dict[str, Any], interaction.data or {})


def modal_values(interaction: discord.Interaction) -> dict[str, str]:
    """Text inputs of a modal submission by custom id, in either row shape Discord sends."""
    out: dict[str, str] = {}
    rows: list[Any] = list(data_of(interaction).get("components", []))
    while rows:
        row = rows.pop()
        if isinstance(row.get("component"), dict):
            rows.append(row["component"])
        rows.extend(row.get("components") or [])
        if "custom_id" in row and isinstance(row.get("value"), str):
            out[row["custom_id"]] = row["value"]
    return out


def kept_text(kept: Sequence[KeptStreak]) -> str:
    lines = [
        f"A streak freeze covered the daily question of {k.local_date} you missed and kept "
        f"your {k.streak}-day streak."
        for k in kept
    ]
    return "\n".join(lines)[:1900] + "\nAnswer 7 days in a row to earn another (2 at most)."
