"""Layout of the /drill replies. No decisions here, only text and embeds within Discord's limits
(content 2,000; embed description 4,096, field value 1,024)."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import schedule
from bot.organiser.service import (
    Announce,
    PackImport,
    ReportLine,
    SetupResult,
    Status,
    TopicCoverage,
)
from bot.storage import AuditEntry, DailyPost, GuildPack, GuildSettings
from cogs.render import mention, ts

COLOUR = 0x5865F2
WARN = "⚠️"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lines_within(lines: Sequence[str], limit: int) -> str:
    """Join whole lines up to ``limit`` characters, saying how many were left out."""
    out: list[str] = []
    used = 0
    for n, line in enumerate(lines):
        more = f"… and {len(lines) - n} more"
        if used + len(line) + 1 + len(more) > limit:
            out.append(more)
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out) or "—"


def schedule_line(settings: GuildSettings) -> str:
    where = f"<#{settings.channel_id}>" if settings.channel_id else "no channel"
    return (
        f"{where} at **{settings.post_time} {settings.timezone}**, "
        f"{schedule.format_weekdays(settings.weekdays)}; notes revealed "
        f"{schedule.format_reveal(settings.reveal_after_minutes)}"
        + ("; answers **blind**" if settings.answer_mode == "blind" else "")
    )


def missing_line(channel_id: int | None, missing: Sequence[str]) -> str:
    return (
        f"{WARN} I am missing these permissions in <#{channel_id}>: **{', '.join(missing)}**. "
        "Grant them to my role in that channel, or the daily question cannot be posted."
    )


def setup_text(result: SetupResult) -> str:
    settings = result.settings
    parts = [f"Saved. The daily question goes to {schedule_line(settings)}."]
    if result.next_post is not None:
        parts.append(f"Next post: {ts(result.next_post, 'F')} ({ts(result.next_post)}).")
    if settings.paused:
        parts.append("The schedule is **paused**: run `/drill resume` to start posting.")
    if settings.focus == "auto":
        parts.append(
            "Focus **auto**: from the next post the rotation favours the group's weakest topics "
            "(`/drill gaps`), never the same topic two days running."
        )
    if settings.answer_mode == "blind":
        parts.append(
            "Answers are **blind**: from the next post members answer with its *Answer* button, "
            "nobody sees the answers until the reveal, then they are posted together in a thread "
            f"that stays open {schedule.format_duration(settings.discussion_minutes)}."
        )
    if settings.nudge_role_id is not None:
        parts.append(
            f"Nudge: <@&{settings.nudge_role_id}> is pinged once in the thread "
            f"{settings.nudge_hours}h before the reveal (`nudge:off` stops it)."
        )
    if result.missing:
        parts.append(missing_line(settings.channel_id, result.missing))
    return clip("\n".join(parts), 2000)


def pin_text(result: Announce) -> str:
    on = result.settings.pin_posts
    text = (
        "Each day's question is pinned, and the day before's unpinned."
        if on
        else "Daily questions are no longer pinned."
    )
    if not result.changed:
        text += " (unchanged)"
    if result.missing:
        where = f"<#{result.settings.channel_id}>" if result.settings.channel_id else "the channel"
        text += f"\n{WARN} I need **{', '.join(result.missing)}** in {where} to pin."
    return text


def ping_text(result: Announce) -> str:
    role = result.settings.ping_role_id
    text = f"Each daily question pings <@&{role}>." if role else "Daily questions ping nobody."
    if not result.changed:
        text += " (unchanged)"
    if result.missing:
        text += (
            f"\n{WARN} That role is not mentionable and I lack **{', '.join(result.missing)}**:"
            " make the role mentionable, or nobody is pinged."
        )
    return text


def jump(post: DailyPost) -> str:
    where = post.thread_id or post.channel_id
    return f"https://discord.com/channels/{post.guild_id}/{post.channel_id}/{post.message_id}" + (
        f" (answers in <#{where}>)" if post.thread_id else ""
    )


def post_now_text(post: DailyPost | None, outcome: str) -> str:
    if post is None:
        return clip(f"Nothing was posted: {outcome}.", 2000)
    if post.state == "pending":
        why = post.last_error or outcome
        return clip(
            f"{WARN} Today's question (`{post.question_id}`) is claimed but could not be "
            f"posted yet: {why}. I will keep trying; fix the problem and run "
            "`/drill post-now` again.",
            2000,
        )
    if outcome == "posted":
        return f"Posted today's question (`{post.question_id}`): {jump(post)}"
    return (
        f"Today's question was already posted (`{post.question_id}`, {post.state}): "
        f"{jump(post)}. There is one daily question a day."
    )


def reveal_now_text(post: DailyPost) -> str:
    return f"Revealed the notes for {post.local_date} (`{post.question_id}`); answers are closed."


def coverage_line(c: TopicCoverage) -> str:
    state = "" if c.enabled else " · **disabled**"
    return f"`{c.slug}` {c.used} used · {c.left} left{state}"


def status_embed(status: Status, organiser_role_id: int | None) -> discord.Embed:
    settings = status.settings
    embed = discord.Embed(title="Daily question status", colour=COLOUR)
    if not settings.configured:
        embed.description = "Not set up yet: run `/drill setup`."
    else:
        paused = "\n**Paused**: nothing is posted until `/drill resume`." if settings.paused else ""
        embed.description = clip(schedule_line(settings) + "." + paused, 4096)
        embed.add_field(
            name="Next posts",
            value="\n".join(f"{ts(p, 'F')} ({ts(p)})" for p in status.next_posts) or "none",
            inline=False,
        )
        reveal = status.next_reveal
        embed.add_field(
            name="Next reveal", value=f"{ts(reveal, 'F')} ({ts(reveal)})" if reveal else "none"
        )
        embed.add_field(name=f"Today ({status.today.local_date})", value=today_text(status))
        if not status.typed_answers:
            embed.add_field(
                name="Answers",
                value=f"{WARN} By the **Answer** button only: Discord refused the Message "
                "Content intent, so messages typed in the thread cannot be read. Turn it on in "
                "the developer portal and restart to take typed answers again.",
                inline=False,
            )
        embed.add_field(
            name="Permissions",
            value=clip(
                "All present."
                if not status.missing
                else f"{WARN} Missing: **{', '.join(status.missing)}**",
                1024,
            ),
            inline=False,
        )
    embed.add_field(
        name="Bank coverage (daily questions used / left)",
        value=lines_within([coverage_line(c) for c in status.coverage], 1024),
        inline=False,
    )
    role = f"<@&{organiser_role_id}>" if organiser_role_id else "none (Manage Server only)"
    embed.add_field(name="Organiser role", value=role, inline=False)
    ping = f"<@&{settings.ping_role_id}>" if settings.ping_role_id else "nobody"
    pinned = "pinned" if settings.pin_posts else "not pinned"
    embed.add_field(name="Daily post", value=f"{pinned} · pings {ping}", inline=False)
    return embed


def today_text(status: Status) -> str:
    today = status.today
    words = {
        "off-day": "No post today (not a posting day).",
        "paused": "Paused: no post today.",
        "scheduled": f"Scheduled for {ts(today.post_at, 'R')}." if today.post_at else "Scheduled.",
        "due": "Due but not posted yet: check the permissions, or run `/drill post-now`.",
        "starts-later": "No post today: set up after today's time, it starts with the next one.",
        "pending": f"Claimed, not posted yet: {today.last_error or 'retrying'}.",
        "posted": f"Posted `{today.question_id}`; answers are open.",
        "revealed": f"`{today.question_id}` posted and revealed.",
    }
    text = words.get(today.state, today.state)
    if today.state in {"posted", "revealed"}:
        text += f"\n{today.answers} answer(s) from {today.members} member(s) so far."
    return clip(text, 1024)


def topics_embed(coverage: Sequence[TopicCoverage]) -> discord.Embed:
    lines = [
        f"{'✅' if c.enabled else '⛔'} **{c.name}** (`{c.slug}`): {c.used} used, {c.left} left"
        for c in coverage
    ]
    embed = discord.Embed(
        title="Topics", description=lines_within(lines, 4000), colour=COLOUR
    ).set_footer(
        text="Used: posted as a daily question at least once. /drill topics enable|disable"
    )
    return embed


def pack_imported_text(result: PackImport) -> str:
    pack = result.pack
    verb = f"Replaced v{result.replaced.version} with" if result.replaced else "Imported"
    topics = f" New topics: {', '.join(f'`{t}`' for t in result.topics)}." if result.topics else ""
    return clip(
        f"{verb} pack **{pack.name}** v{pack.version}: {pack.questions} question(s), "
        f"for this server only.{topics}",
        2000,
    )


def packs_embed(packs: Sequence[GuildPack]) -> discord.Embed:
    lines = [
        f"**{p.name}** v{p.version} · {p.questions} question(s) · by {mention(p.uploaded_by)} "
        f"{ts(p.uploaded_at)}"
        for p in packs
    ]
    return discord.Embed(
        title="This server's packs",
        description=lines_within(lines, 4000) if lines else "No packs imported yet.",
        colour=COLOUR,
    ).set_footer(text="The shipped packs are always there. /drill pack import file:<yaml>")


def reports_embed(lines: Sequence[ReportLine]) -> discord.Embed:
    embed = discord.Embed(title="Reported questions (newest first)", colour=COLOUR)
    if not lines:
        embed.description = "No reports yet."
        return embed
    for n, line in enumerate(lines[:10]):
        if len(embed) > 4800:  # ten long reports could pass the 6,000-character embed cap
            embed.add_field(name="…", value=f"{len(lines) - n} more not shown", inline=False)
            break
        s = line.summary
        flag = " · **disabled**" if line.disabled else ""
        topic = line.topic_name or "no longer in the bank"
        detail = f"\n> {clip(s.latest_detail, 150)}" if s.latest_detail else ""
        embed.add_field(
            name=clip(f"{s.question_id} · {s.count} report(s){flag.replace('**', '')}", 256),
            value=clip(
                f"{topic} · {', '.join(s.reasons)} · last {ts(s.last_at)}\n"
                f"{clip(line.prompt, 150)}{detail}",
                1024,
            ),
            inline=False,
        )
    embed.set_footer(text="Disable one here: /drill question disable id:<question id>")
    return embed


def audit_embed(entries: Sequence[AuditEntry]) -> discord.Embed:
    lines = [
        f"{ts(e.at, 'f')} {mention(e.user_id)} {e.action}: "
        f"{clip(e.old_value or '—', 60)} → {clip(e.new_value or '—', 60)}"
        for e in entries
    ]
    return discord.Embed(
        title="Audit log (last 20)",
        description=lines_within(lines, 4000) if lines else "Nothing changed yet.",
        colour=COLOUR,
    )
