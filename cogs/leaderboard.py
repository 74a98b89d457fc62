"""/leaderboard with persistent paging, /away, stars (reactions), the Best answer menu, and
/drill season new, /drill week-start and /drill export. Thin glue over bot.boards.service."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.boards.export import MAX_REASON
from bot.boards.service import Board, LeaderboardService, PageTurns
from bot.errors import DrillError
from bot.organiser.service import Organiser
from cogs import board_render as render
from cogs.buttons import Press
from cogs.checks import require_organiser
from cogs.render import mention, refusal

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
Period = Literal["week", "month", "season", "all"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NAME_TTL = 600.0  # seconds a resolved display name is reused
FORMER = "a former member"


class PageButton(
    Press["LeaderboardCog"],
    custom_id="drill:board:{page:\\d{1,4}}:{scope}",
    kind="board.page",
    cog="LeaderboardCog",
    unavailable="Boards are unavailable.",
):
    scope: str
    page: int
    text: str = "Next"
    disabled: bool = False

    def button(self, custom_id: str) -> ui.Button[Any]:
        style = discord.ButtonStyle.secondary
        return ui.Button(label=self.text, style=style, custom_id=custom_id, disabled=self.disabled)

    async def pressed(self, cog: LeaderboardCog, interaction: discord.Interaction) -> None:
        await cog.turn_page(interaction, self.scope, self.page)


def paging_view(board: Board) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(PageButton(board.scope, max(0, board.page - 1), "Previous", board.page == 0))
    view.add_item(PageButton(board.scope, board.page + 1, "Next", not board.has_next))
    return view


class LeaderboardCog(commands.Cog):
    def __init__(self, bot: DrillBot, service: LeaderboardService, organiser: Organiser) -> None:
        self.bot = bot
        self.service = service
        self.organiser = organiser
        self._names: dict[tuple[int, int], tuple[str, float]] = {}
        self._presses = PageTurns()
        self.name_timeout = 3.0  # seconds for one member's name; the board never waits longer
        self._menu = app_commands.ContextMenu(name="Best answer", callback=self.best_answer)
        self._menu.guild_only = True
        self._drill_commands = drill_commands(self)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self._menu)
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            for command in self._drill_commands:
                drill.add_command(command)
        else:
            log.warning("no /drill group: season, week-start and export are not registered")

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self._menu.name, type=self._menu.type)
        drill = self.bot.tree.get_command("drill")
        if isinstance(drill, app_commands.Group):
            for command in self._drill_commands:
                drill.remove_command(command.name)

    # -- display names ----------------------------------------------------------------------
    async def names(self, guild: discord.Guild | None, ids: set[int]) -> dict[int, str]:
        """Display names (nickname first); a member who left shows as 'a former member', one
        whose name Discord did not give in time as a mention (which pings nobody: the embeds
        go out with no allowed mentions)."""
        out: dict[int, str] = {}
        if guild is None:
            return out
        now = time.monotonic()
        for user_id in ids:
            cached = self._names.get((guild.id, user_id))
            if cached and cached[1] > now:
                out[user_id] = cached[0]
                continue
            member = guild.get_member(user_id)
            if member is None:
                try:
                    async with asyncio.timeout(self.name_timeout):
                        member = await guild.fetch_member(user_id)
                except discord.NotFound:
                    out[user_id] = FORMER
                    continue
                except (discord.HTTPException, TimeoutError):
                    # Slow or failing: a mention still renders as the name in Discord.
                    out[user_id] = f"{mention(user_id)}"
                    continue
            out[user_id] = member.display_name
            if len(self._names) > 10_000:
                self._names.clear()
            self._names[guild.id, user_id] = (member.display_name, now + NAME_TTL)
        return out

    async def _show(self, interaction: discord.Interaction, board: Board) -> None:
        ids = {r.user_id for r in board.rows} | ({board.me.user_id} if board.me else set())
        names = await self.names(interaction.guild, ids)
        embed, view = render.board_embed(board, names, board.viewer_hidden), paging_view(board)
        if interaction.type == discord.InteractionType.component:
            await interaction.edit_original_response(
                embed=embed, view=view, allowed_mentions=render.NO_PINGS
            )
        else:
            await interaction.followup.send(
                embed=embed, view=view, ephemeral=True, allowed_mentions=render.NO_PINGS
            )

    # -- commands ---------------------------------------------------------------------------
    @app_commands.command(name="leaderboard", description="The top 10 and your own rank")
    @app_commands.describe(
        period="week, month, season or all (default: week)",
        topic="Only points earned on this topic",
        back="Periods back: 1 = last week/month/season (default 0: the current one)",
    )
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: Period = "week",
        topic: app_commands.Range[str, 1, 100] | None = None,
        back: app_commands.Range[int, 0, 520] = 0,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = board_guild(interaction)
        scope = await self.service.scope_for(guild_id, period, topic, back)
        board = await self.service.board(guild_id, interaction.user.id, scope)
        await self._show(interaction, board)

    @leaderboard.autocomplete("topic")
    async def _topics(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        bank = await self.service.catalog.for_guild(interaction.guild_id)
        return [
            app_commands.Choice(name=f"{t.name} ({t.slug})"[:100], value=t.slug)
            for t in bank.complete_topics(current[:100])
        ][:25]

    async def turn_page(self, interaction: discord.Interaction, scope: str, page: int) -> None:
        message_id = interaction.message.id if interaction.message else 0
        press = self._presses.press(message_id)
        try:
            await interaction.response.defer()  # an update of the board message
            board = await self.service.board(
                board_guild(interaction), interaction.user.id, scope, page
            )
            # Presses on one board may finish out of order: the newest press's page is the one
            # left showing, so an older press that finishes later does not edit at all.
            async with self._presses.turn(message_id):
                if self._presses.is_latest(message_id, press):
                    await self._show(interaction, board)
        except DrillError as exc:
            await interaction.followup.send(refusal(exc), ephemeral=True)
        except Exception:
            log.exception("leaderboard page failed")
            await interaction.followup.send(
                "Something went wrong; it has been logged.", ephemeral=True
            )

    @app_commands.command(name="away", description="Keep your streak while you are away")
    @app_commands.describe(days="Days from today, 1-14 (a few a month)")
    @app_commands.guild_only()
    async def away(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 14]
    ) -> None:
        added, refused, cap = await self.service.away(
            board_guild(interaction), interaction.user.id, days
        )
        parts = []
        if added:
            parts.append(
                f"Away on {len(added)} day(s), {added[0]} to {added[-1]}: your streak is safe."
            )
        if refused:
            parts.append(f"{refused} day(s) refused: at most {cap} away days a month.")
        await interaction.response.send_message(
            " ".join(parts) or "Those days were already marked away.", ephemeral=True
        )

    # -- stars and best answers -------------------------------------------------------------
    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or (self.bot.user and payload.user_id == self.bot.user.id):
            return
        try:
            await self.service.star(
                payload.guild_id, payload.message_id, payload.user_id, str(payload.emoji)
            )
        except Exception:
            log.exception("star on message %s failed", payload.message_id)

    async def best_answer(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await require_organiser(
            self.organiser, interaction, "Only organisers can pick the best answer."
        )
        result = await self.service.mark_best(
            board_guild(interaction), message.id, interaction.user.id
        )
        text = (
            f"Marked as the best answer: +{result.points} points for {mention(result.author_id)}."
            if result.outcome == "awarded"
            else "That member already has the best-answer bonus for this question."
        )
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=render.NO_PINGS
        )

    # -- /drill additions -------------------------------------------------------------------
    async def new_season(self, interaction: discord.Interaction, name: str) -> None:
        season = await self.service.new_season(board_guild(interaction), interaction.user.id, name)
        await interaction.response.send_message(
            f"Season {season.number} **{discord.utils.escape_markdown(season.name)}** starts now."
            " Past seasons stay on `/leaderboard period:season back:1`.",
            ephemeral=True,
            allowed_mentions=render.NO_PINGS,
        )

    async def week_start(self, interaction: discord.Interaction, day: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        chosen = await self.service.set_week_start(
            board_guild(interaction), interaction.user.id, day
        )
        await interaction.followup.send(
            f"Weeks now start on {chosen.capitalize()}.", ephemeral=True
        )

    async def export(
        self, interaction: discord.Interaction, since: str | None, raw_reason: str | None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = board_guild(interaction)
        made = await self.service.export(
            guild_id, limit=interaction.filesize_limit, since=since,
            raw_reason=raw_reason, organiser_id=interaction.user.id,
        )  # fmt: skip
        try:
            raw = (
                " Raw audit: hidden members included; logged in /drill audit." if raw_reason else ""
            )
            await interaction.followup.send(
                f"{made.rows} event(s). Columns are described in docs/commands.md.{raw}",
                file=discord.File(made.path, filename=made.filename),
                ephemeral=True,
            )
        finally:
            made.discard()


def board_guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise DrillError("Use this in a server.")
    return interaction.guild_id


def drill_commands(
    cog: LeaderboardCog,
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """Subcommands for the /drill group (defined in cogs/drill.py), organisers only."""

    async def organisers_only(interaction: discord.Interaction) -> bool:
        await require_organiser(cog.organiser, interaction)
        return True

    season = app_commands.Group(name="season", description="Seasons of the leaderboard")

    @season.command(name="new", description="Start a fresh season board (nothing is deleted)")
    @app_commands.describe(name="e.g. Spring 2026")
    @app_commands.check(organisers_only)
    async def season_new(interaction: discord.Interaction, name: str) -> None:
        await cog.new_season(interaction, name)

    @app_commands.command(name="week-start", description="The weekday weekly boards start on")
    @app_commands.check(organisers_only)
    async def week_start(interaction: discord.Interaction, day: Weekday) -> None:
        await cog.week_start(interaction, day)

    @app_commands.command(name="export", description="CSV of every answer and point event")
    @app_commands.describe(
        since="Only events from this day on, YYYY-MM-DD (for a file too large to upload)",
        raw_reason="Include members hidden from the boards; the reason is audited",
    )
    @app_commands.check(organisers_only)
    async def export(
        interaction: discord.Interaction,
        since: app_commands.Range[str, 1, 10] | None = None,
        raw_reason: app_commands.Range[str, 1, MAX_REASON] | None = None,
    ) -> None:
        await cog.export(interaction, since, raw_reason)

    return [season, week_start, export]


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(LeaderboardCog(bot, bot.app.leaderboard, bot.app.organiser))
    bot.add_dynamic_items(PageButton)
