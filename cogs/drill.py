"""/drill: organiser controls. Thin glue over bot.organiser.service; layout in cogs/drill_render.py.

Command visibility uses default_permissions (Manage Server), but a server admin can change who
sees the commands, and the organiser role must work without Manage Server: so the cog's
``interaction_check`` decides for every subcommand, before anything runs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import validation
from bot.errors import DrillError
from bot.organiser.service import (
    NOT_ORGANISER,
    PIN_PERMISSION,
    REQUIRED_PERMISSIONS,
    Organiser,
    check_pack_size,
)
from bot.schedule import complete_timezones
from cogs import drill_render as render
from cogs.checks import OrganisersOnly, is_organiser
from cogs.render import refusals, reply

if TYPE_CHECKING:
    from bot.client import DrillBot

log = logging.getLogger(__name__)
Choices = list[app_commands.Choice[str]]


def granted_in(guild: discord.Guild, channel_id: int) -> list[str] | None:
    """The permissions the bot holds in a channel, by discord.py attribute name."""
    channel = guild.get_channel(channel_id)
    if channel is None or guild.me is None:
        return None
    perms = channel.permissions_for(guild.me)
    names = [name for name, _ in REQUIRED_PERMISSIONS] + [PIN_PERMISSION[0], "mention_everyone"]
    return [name for name in names if getattr(perms, name)]


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:  # guild_only makes this unreachable; keep mypy and us honest
        raise DrillError("Use /drill in a server.")
    return interaction.guild


class DrillCog(commands.Cog):
    drill = app_commands.Group(
        name="drill",
        description="Organiser controls for the daily question",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    topics = app_commands.Group(name="topics", description="Topics of the bank", parent=drill)
    pack = app_commands.Group(name="pack", description="This server's question packs", parent=drill)
    question = app_commands.Group(
        name="question", description="Switch single questions on or off", parent=drill
    )

    def __init__(self, bot: DrillBot, organiser: Organiser) -> None:
        self.bot = bot
        self.organiser = organiser

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await is_organiser(self.organiser, interaction):
            log.info("refused /drill for %s in guild %s", interaction.user.id, interaction.guild_id)
            raise OrganisersOnly(NOT_ORGANISER)
        return True

    # -- schedule ---------------------------------------------------------------------------
    @drill.command(name="setup", description="Where and when the daily question is posted")
    @app_commands.describe(
        channel="The channel for the daily question (needed the first time)",
        time="24-hour HH:MM in the timezone below, e.g. 09:00 (needed the first time)",
        timezone="IANA timezone, e.g. Europe/Berlin or UTC (needed the first time)",
        weekdays="e.g. mon-fri, mon,wed,fri, daily, weekends (default: every day)",
        reveal="When notes are revealed: a delay like 23h or 90m, or 'next' (next post)",
        focus="auto: the daily rotation favours the group's weakest topics (see /drill gaps)",
        answers="blind: answers by a button, hidden until the reveal; thread: in the open thread",
        discussion="Blind: how long the thread stays open after the reveal, e.g. 12h, or 0",
        nudge="Ping nudge_role in the thread this long before the reveal, e.g. 2h; off stops it",
        nudge_role="The role pinged once before the reveal (default 2h before)",
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        time: str | None = None,
        timezone: str | None = None,
        weekdays: str | None = None,
        reveal: str | None = None,
        focus: Literal["auto", "off"] | None = None,
        answers: Literal["thread", "blind"] | None = None,
        discussion: str | None = None,
        nudge: str | None = None,
        nudge_role: discord.Role | None = None,
    ) -> None:
        async with refusals(interaction):
            result = await self.organiser.setup(
                guild_of(interaction).id,
                interaction.user.id,
                channel_id=channel.id if channel else None,
                time=time,
                timezone=timezone,
                weekdays=weekdays,
                reveal=reveal,
                granted=granted_in(channel.guild, channel.id) if channel else None,
                focus=focus,
                answers=answers,
                discussion=discussion,
                nudge=nudge,
                nudge_role=nudge_role.id if nudge_role else None,
            )
            await reply(interaction, render.setup_text(result))

    @setup.autocomplete("timezone")
    async def _timezones(self, _interaction: discord.Interaction, current: str) -> Choices:
        zones = [z for z in complete_timezones(current[:64]) if validation.is_place(z)]
        return [app_commands.Choice(name=z, value=z) for z in zones]

    @drill.command(name="organisers", description="Set (or clear) the organiser role")
    @app_commands.describe(role="Members with this role may use /drill; leave out to clear")
    async def organisers(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        async with refusals(interaction):
            guild = guild_of(interaction)
            changed = await self.organiser.set_organiser_role(
                guild.id, interaction.user.id, role.id if role else None
            )
            who = f"{role.mention} and members with Manage Server" if role else "Manage Server only"
            await reply(
                interaction,
                f"Organisers: {who}." + ("" if changed else " (unchanged)"),
                allowed_mentions=discord.AllowedMentions.none(),
            )

    @drill.command(name="pin", description="Pin each day's question (and unpin the day before's)")
    @app_commands.describe(on="True: pin today's question; False: stop pinning")
    async def pin(self, interaction: discord.Interaction, on: bool) -> None:
        async with refusals(interaction):
            guild = guild_of(interaction)
            result = await self.organiser.set_pinning(
                guild.id, interaction.user.id, on, lambda cid: granted_in(guild, cid)
            )
            await reply(interaction, render.pin_text(result))

    @drill.command(name="ping", description="Ping a role with each daily question (or nobody)")
    @app_commands.describe(role="The role to ping; leave out to stop pinging")
    async def ping(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        async with refusals(interaction):
            guild = guild_of(interaction)
            me = guild.me.guild_permissions if guild.me is not None else None
            result = await self.organiser.set_ping_role(
                guild.id,
                interaction.user.id,
                role.id if role else None,
                mentionable=role.mentionable if role else True,
                may_mention_all=me.mention_everyone if me is not None else True,
            )
            await reply(interaction, render.ping_text(result))

    @drill.command(name="pause", description="Stop posting until /drill resume")
    async def pause(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            changed = await self.organiser.set_paused(
                guild_of(interaction).id, interaction.user.id, True
            )
            text = (
                "Paused: no daily questions until `/drill resume`."
                if changed
                else "Already paused."
            )
            await reply(interaction, text)

    @drill.command(name="resume", description="Start posting again")
    async def resume(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            changed = await self.organiser.set_paused(
                guild_of(interaction).id, interaction.user.id, False
            )
            text = "Resumed: the daily question is back on schedule." if changed else "Not paused."
            await reply(interaction, text)

    @drill.command(name="post-now", description="Post today's question now, if none yet")
    async def post_now(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            post, outcome = await self.organiser.post_now(
                guild_of(interaction).id, interaction.user.id
            )
            await reply(interaction, render.post_now_text(post, outcome))

    @drill.command(name="reveal-now", description="Reveal the notes of the open question now")
    async def reveal_now(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            post = await self.organiser.reveal_now(guild_of(interaction).id, interaction.user.id)
            await reply(interaction, render.reveal_now_text(post))

    @drill.command(name="status", description="Schedule, today's question, permissions, bank")
    async def status(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            guild = guild_of(interaction)
            status = await self.organiser.status(guild.id, lambda cid: granted_in(guild, cid))
            embed = render.status_embed(status, status.settings.organiser_role_id)
            await reply(interaction, embed=embed)

    @drill.command(name="audit", description="The last 20 changes to this server's settings")
    async def audit(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            entries = await self.organiser.audit(guild_of(interaction).id)
            await reply(interaction, embed=render.audit_embed(entries))

    @drill.command(name="reports", description="Questions members reported")
    async def reports(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            lines = await self.organiser.reports(guild_of(interaction).id)
            await reply(interaction, embed=render.reports_embed(lines))

    # -- topics -----------------------------------------------------------------------------
    async def _topic_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        found = await self.organiser.complete_topics(interaction.guild_id, current)
        return [app_commands.Choice(name=f"{t.name} ({t.slug})"[:100], value=t.slug) for t in found]

    @topics.command(name="enable", description="Let a topic's questions be posted")
    @app_commands.describe(topic="Topic name, slug or alias")
    async def topic_enable(self, interaction: discord.Interaction, topic: str) -> None:
        await self._set_topic(interaction, topic, True)

    @topics.command(name="disable", description="Stop posting a topic's questions")
    @app_commands.describe(topic="Topic name, slug or alias")
    async def topic_disable(self, interaction: discord.Interaction, topic: str) -> None:
        await self._set_topic(interaction, topic, False)

    topic_enable.autocomplete("topic")(_topic_choices)
    topic_disable.autocomplete("topic")(_topic_choices)

    async def _set_topic(self, interaction: discord.Interaction, text: str, on: bool) -> None:
        async with refusals(interaction):
            topic, changed = await self.organiser.set_topic(
                guild_of(interaction).id, interaction.user.id, text, on
            )
            state = "enabled" if on else "disabled"
            note = "" if changed else " (it already was)"
            await reply(interaction, f"Topic **{topic.name}** (`{topic.slug}`) is {state}{note}.")

    @topics.command(name="list", description="Topics with daily questions used and left")
    async def topic_list(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            coverage = await self.organiser.coverage(guild_of(interaction).id)
            await reply(interaction, embed=render.topics_embed(coverage))

    # -- questions --------------------------------------------------------------------------
    async def _question_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        if interaction.guild_id is None:
            return []
        found = await self.organiser.complete_questions(interaction.guild_id, current)
        return [app_commands.Choice(name=q, value=q) for q in found]

    @question.command(name="disable", description="Never post this question in this server")
    @app_commands.describe(id="The question id, e.g. cicd-003 (see /drill reports)")
    async def question_disable(self, interaction: discord.Interaction, id: str) -> None:
        await self._set_question(interaction, id, False)

    @question.command(name="enable", description="Allow a disabled question again")
    @app_commands.describe(id="The question id, e.g. cicd-003")
    async def question_enable(self, interaction: discord.Interaction, id: str) -> None:
        await self._set_question(interaction, id, True)

    question_disable.autocomplete("id")(_question_choices)
    question_enable.autocomplete("id")(_question_choices)

    async def _set_question(self, interaction: discord.Interaction, qid: str, on: bool) -> None:
        async with refusals(interaction):
            changed = await self.organiser.set_question(
                guild_of(interaction).id, interaction.user.id, qid, on
            )
            state = "enabled" if on else "disabled"
            note = "" if changed else " (it already was)"
            await reply(interaction, f"Question `{qid.strip().lower()}` is {state}{note}.")

    # -- packs ------------------------------------------------------------------------------
    @pack.command(name="import", description="Add (or replace) a YAML question pack")
    @app_commands.describe(file="The pack's .yaml file (at most 256 KiB)")
    async def pack_import(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        async with refusals(interaction):
            check_pack_size(file.size)  # before downloading anything
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                data = await file.read()
            except discord.HTTPException as exc:
                raise DrillError("I could not download that file; try uploading it again.") from exc
            result = await self.organiser.import_pack(
                guild_of(interaction).id, interaction.user.id, file.filename, data
            )
            await reply(interaction, render.pack_imported_text(result))

    @pack.command(name="list", description="Packs imported for this server")
    async def pack_list(self, interaction: discord.Interaction) -> None:
        async with refusals(interaction):
            packs = await self.organiser.packs(guild_of(interaction).id)
            await reply(interaction, embed=render.packs_embed(packs))

    @pack.command(name="remove", description="Remove one of this server's packs")
    @app_commands.describe(name="The pack's name (see /drill pack list)")
    async def pack_remove(self, interaction: discord.Interaction, name: str) -> None:
        async with refusals(interaction):
            removed = await self.organiser.remove_pack(
                guild_of(interaction).id, interaction.user.id, name
            )
            await reply(
                interaction, f"Removed pack **{removed.name}** ({removed.questions} question(s))."
            )

    @pack_remove.autocomplete("name")
    async def _pack_names(self, interaction: discord.Interaction, current: str) -> Choices:
        # Autocomplete skips interaction_check: only organisers learn the pack names.
        if interaction.guild_id is None or not await is_organiser(self.organiser, interaction):
            return []
        packs = await self.organiser.packs(interaction.guild_id)
        return [
            app_commands.Choice(name=p.name, value=p.name)
            for p in packs
            if current.lower() in p.name.lower()
        ][:25]


async def setup(bot: DrillBot) -> None:
    await bot.add_cog(DrillCog(bot, bot.app.organiser))
