"""Threads, history, pins, reactions, members and DMs through the real client."""

from __future__ import annotations

import datetime as dt

import discord
import pytest
from discord.ext import commands

from bot.sandbox.emulator import DriverError, Emulator
from tests.support.discord_harness import connected


def make_bot(events: list[str]) -> commands.Bot:
    intents = discord.Intents(
        guilds=True, guild_messages=True, message_content=True, guild_reactions=True, members=True
    )
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    @bot.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        events.append(f"reaction {payload.emoji} by {payload.user_id}")

    @bot.event
    async def on_member_update(before: discord.Member, after: discord.Member) -> None:
        events.append(f"roles {len(before.roles)}->{len(after.roles)}")

    @bot.event
    async def on_raw_thread_update(payload: discord.RawThreadUpdateEvent) -> None:
        events.append(f"thread archived={payload.data['thread_metadata']['archived']}")

    return bot


async def test_thread_lifecycle_history_pins_reactions_and_members(emulator: Emulator) -> None:
    emu = emulator
    guild = emu.create_guild("Study group")
    daily = guild.create_text_channel("daily")
    ana = guild.add_member("ana")
    role = guild.create_role("regulars")
    events: list[str] = []
    bot = make_bot(events)
    async with connected(bot, emu):
        channel = bot.get_channel(daily.id)
        assert isinstance(channel, discord.TextChannel)
        question = await channel.send("Q1")
        thread = await question.create_thread(name="Q1 answers", auto_archive_duration=1440)
        first = await ana.send(thread.id, "one")
        cutoff = discord.utils.snowflake_time(first.id) - dt.timedelta(milliseconds=1)
        second = await ana.send(thread.id, "two")
        later = [m.id async for m in thread.history(after=first, limit=None)]
        assert later == [second.id]
        by_time = [m.id async for m in thread.history(after=cutoff, limit=None)]
        assert by_time == [first.id, second.id]

        await thread.edit(archived=True)
        assert emu.channel(thread.id).archived  # type: ignore[union-attr]
        with pytest.raises(DriverError):
            await ana.edit(thread.id, first.id, "changed")
        await ana.send(thread.id, "three")  # unarchives
        await emu.wait_until(lambda: "thread archived=False" in events)
        await thread.edit(locked=True)
        assert emu.channel(thread.id).locked  # type: ignore[union-attr]

        await question.pin()
        pins = [m.id async for m in channel.pins()]
        assert pins == [question.id]
        await question.add_reaction("👍")
        await ana.react(daily.id, question.id, "👍")
        await emu.wait_until(lambda: f"reaction 👍 by {ana.id}" in events)
        assert emu.message(daily.id, question.id).reactions["👍"] == {  # type: ignore[union-attr]
            emu.bot_user_id,
            ana.id,
        }

        guild.set_roles(ana, [role.id])
        await emu.wait_until(lambda: "roles 1->2" in events)

        side = await channel.create_thread(name="side", type=discord.ChannelType.public_thread)
        active = await bot.get_guild(guild.id).active_threads()  # type: ignore[union-attr]
        assert {t.id for t in active} == {thread.id, side.id}
        await side.edit(archived=True)
        archived = [t.id async for t in channel.archived_threads()]
        assert archived == [side.id]

        user = await bot.fetch_user(ana.id)
        dm = await user.send("hello")
        assert emu.messages(dm.channel.id)[0].content == "hello"
    assert emu.errors == [] and emu.unknown_calls == []
