"""/plan start, /plan today and /plan stop. Thin: parse, call PlanService, render.

Discord does not let /plan take options and subcommands at once, so today's view is
`/plan today` rather than a bare `/plan`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.plan.reminders import Reminders, Send
from bot.plan.rules import MAX_WEEKS, PlanDay
from bot.plan.service import PlanService, Started, Today
from cogs.anywhere import ANY_INSTALL, EVERYWHERE, home_guild

if TYPE_CHECKING:
    from bot.client import DrillBot

NO_PINGS = discord.AllowedMentions.none()
log = logging.getLogger(__name__)


def _day(day: PlanDay) -> str:
    mock = f" · mock **{day.mock}**" if day.mock else ""
    return (
        f"{day.day:%a %d %b}: {', '.join(f'`{t}`' for t in day.topics)} · "
        f"{day.quiz} quiz · {day.review} review{mock}"
    )


def started_embed(started: Started) -> discord.Embed:
    days: Sequence[PlanDay] = started.days
    embed = discord.Embed(
        title=f"Your plan: {len(days)} days to {started.interview:%A %d %B %Y}",
        description="Replaces your previous plan. " if started.replaced else "",
        colour=0x5865F2,
    )
    for phase in dict.fromkeys(d.phase for d in days):
        mine = [d for d in days if d.phase == phase]
        lines = [_day(d) for d in mine[:7]]
        if len(mine) > 7:
            lines.append(f"… and {len(mine) - 7} more days like these")
        embed.add_field(name=phase, value="\n".join(lines)[:1024], inline=False)
    embed.set_footer(text="/plan today shows today's items and progress · /plan stop ends it")
    return embed


def today_embed(view: Today) -> discord.Embed:
    embed = discord.Embed(
        title=f"{view.days_left} days to your interview ({view.interview:%d %b})", colour=0x5865F2
    )
    if view.today is None:
        embed.description = "The plan is over: good luck in the interview!"
    else:
        p = view.today
        tick = "✅" if p.mock_done else "⬜"
        lines = [
            f"**Topics:** {', '.join(f'`{t}`' for t in p.plan.topics)} ({p.plan.phase})",
            f"{'✅' if p.quiz_done >= p.plan.quiz else '⬜'} /quiz on these topics: "
            f"{p.quiz_done}/{p.plan.quiz}",
            f"{'✅' if p.review_done >= p.plan.review else '⬜'} /review: "
            f"{p.review_done}/{p.plan.review}",
        ]
        if p.plan.mock:
            lines.append(f"{tick} /mock start round:{p.plan.mock}")
        embed.description = "\n".join(lines)
    late = view.behind
    if not late.nothing:
        mocks = f", mock rounds: {', '.join(late.mocks)}" if late.mocks else ""
        embed.add_field(
            name="Behind",
            value=f"{late.quiz} quiz and {late.review} review questions{mocks}",
            inline=False,
        )
    if view.next_mock is not None:
        embed.add_field(
            name="Next mock round",
            value=f"{view.next_mock.mock} on {view.next_mock.day:%a %d %b}",
            inline=False,
        )
    return embed


class PlanCog(commands.Cog):
    plan = app_commands.Group(
        name="plan",
        description="Your study plan before an interview",
        allowed_contexts=EVERYWHERE,  # a member's own plan: also in DMs (cogs/anywhere.py)
        allowed_installs=ANY_INSTALL,
    )

    def __init__(self, service: PlanService, reminders: Reminders) -> None:
        self.service = service
        self.reminders = reminders

    @plan.command(name="start", description="Start (or replace) your study plan")
    @app_commands.describe(
        interview_date="The interview's date, YYYY-MM-DD (default: in three weeks)",
        weeks="Or: how many weeks to plan for",
        remind_at="A daily DM with the day's items at this time, HH:MM (off if left out)",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        interview_date: app_commands.Range[str, 1, 10] | None = None,
        weeks: app_commands.Range[int, 1, MAX_WEEKS] | None = None,
        remind_at: app_commands.Range[str, 1, 5] | None = None,
    ) -> None:
        started = await self.service.start(
            home_guild(interaction), interaction.user.id, interview_date, weeks, remind_at
        )
        self.reminders.changed()
        await interaction.response.send_message(
            embed=started_embed(started), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @plan.command(name="today", description="Today's items, their progress and what is behind")
    async def today(self, interaction: discord.Interaction) -> None:
        view = await self.service.today(interaction.user.id)
        await interaction.response.send_message(embed=today_embed(view), ephemeral=True)

    @plan.command(name="stop", description="Stop your study plan")
    async def stop(self, interaction: discord.Interaction) -> None:
        await self.service.stop(interaction.user.id)
        self.reminders.changed()
        await interaction.response.send_message("Your study plan is stopped.", ephemeral=True)


def dm_sender(bot: commands.Bot) -> Send:
    async def send(user_id: int, today: Today) -> bool:
        """False only when the member cannot get DMs (closed or blocked): never retried."""
        try:
            user = bot.get_user(user_id) or await bot.fetch_user(user_id)
            await user.send(
                "Your study plan for today:", embed=today_embed(today), allowed_mentions=NO_PINGS
            )
        except discord.Forbidden:
            return False
        except discord.HTTPException as exc:
            log.warning("plan reminder to %s failed (%s); not retried", user_id, exc.status)
        return True

    return send


async def setup(bot: DrillBot) -> None:
    bot.app.reminders.plug(dm_sender(bot))
    await bot.add_cog(PlanCog(bot.app.plan, bot.app.reminders))
