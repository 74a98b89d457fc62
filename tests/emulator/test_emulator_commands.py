"""Slash-command shapes through the real client: groups, typed options, attachments,
autocomplete, deferral and follow-ups, message updates, nonce and rate limits."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.sandbox.emulator import Emulator
from tests.support.discord_harness import connected

MESSAGES = ("POST", "/channels/{channel_id}/messages")


class Received:
    def __init__(self) -> None:
        self.setup: tuple[int, str, bytes] | None = None


def make_bot(received: Received) -> commands.Bot:
    intents = discord.Intents(guilds=True, guild_messages=True, message_content=True)
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
    drill = app_commands.Group(name="drill", description="Organiser commands")
    pack = app_commands.Group(name="pack", description="Question packs", parent=drill)

    @drill.command(name="setup", description="Where and when")
    async def setup(
        interaction: discord.Interaction, channel: discord.TextChannel, time: str
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"Daily in {channel.mention} at {time}", ephemeral=True)
        await interaction.edit_original_response(content=f"Set: {channel.name} {time}")

    @pack.command(name="upload", description="Upload a pack")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        received.setup = (file.size, file.filename, data)
        await interaction.response.send_message(f"{len(data)} bytes", ephemeral=True)

    @bot.tree.command(name="quiz", description="Practise")
    async def quiz(interaction: discord.Interaction, topic: str) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Reveal", custom_id="quiz:reveal"))
        await interaction.response.send_message(f"Q on {topic}", view=view)

    @quiz.autocomplete("topic")
    async def topics(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["cicd", "containers", "monitoring"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @bot.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        data = cast(dict[str, Any], interaction.data or {})
        if data.get("custom_id") == "quiz:reveal":
            await interaction.response.edit_message(content="Answer: blue-green", view=None)

    bot.tree.add_command(drill)
    return bot


async def test_groups_attachments_autocomplete_followups_and_updates(emulator: Emulator) -> None:
    emu = emulator
    guild = emu.create_guild("Study group")
    daily = guild.create_text_channel("daily")
    organiser = guild.create_role("organisers")
    ana = guild.add_member("ana", roles=[organiser.id], permissions=["MANAGE_GUILD"])
    received = Received()
    bot = make_bot(received)
    async with connected(bot, emu):
        bot.tree.copy_global_to(guild=discord.Object(guild.id))
        await bot.tree.sync(guild=discord.Object(guild.id))

        inter = await ana.slash(
            "drill setup", {"channel": daily.id, "time": "09:00"}, channel_id=daily.id
        )
        assert (await inter.wait_response())["type"] == 5
        followup = await inter.wait_followup()
        assert followup.content == f"Daily in <#{daily.id}> at 09:00"
        await emu.wait_until(lambda: inter.message is not None and "Set:" in inter.message.content)
        assert inter.message is not None and inter.message.content == "Set: daily 09:00"

        upload = await ana.slash(
            "drill pack upload", {"file": ("pack.yaml", b"questions: []\n")}, channel_id=daily.id
        )
        await upload.wait_response()
        assert received.setup == (14, "pack.yaml", b"questions: []\n")

        choices = await ana.autocomplete("quiz", {"topic": "c"}, focused="topic")
        assert [c["value"] for c in choices] == ["cicd", "containers"]

        quiz = await ana.slash("quiz", {"topic": "cicd"}, channel_id=daily.id)
        await quiz.wait_response()
        assert quiz.message is not None and not quiz.message.ephemeral
        assert [m.id for m in emu.messages(daily.id)] == [quiz.message.id]
        reveal = await ana.click(daily.id, quiz.message.id, "quiz:reveal")
        assert (await reveal.wait_response())["type"] == 7
        assert emu.message(daily.id, quiz.message.id).content == "Answer: blue-green"  # type: ignore[union-attr]

        channel = bot.get_channel(daily.id)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("once", nonce="daily-1")
        again = await channel.send("once", nonce="daily-1")
        assert first.id == again.id

        emu.rate_limits(enabled=True, limits={MESSAGES: (2, 0.3)})
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = await asyncio.gather(*(channel.send(f"n{i}") for i in range(5)))
        assert len({m.id for m in sent}) == 5
        assert loop.time() - started >= 0.3  # the client waited out at least one window
    assert emu.errors == [] and emu.unknown_calls == []
