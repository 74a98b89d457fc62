"""End to end: the real discord.py client against the emulator, the way drillbot runs."""

from __future__ import annotations

from dataclasses import dataclass, field

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.sandbox.emulator import Emulator
from tests.support.discord_harness import connected

EPHEMERAL = 64


@dataclass
class Seen:
    messages: list[discord.Message] = field(default_factory=list)
    edits: list[discord.RawMessageUpdateEvent] = field(default_factory=list)
    deletes: list[discord.RawMessageDeleteEvent] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Answer", custom_id="answer"
    )

    def __init__(self, seen: Seen) -> None:
        super().__init__(custom_id="quiz:modal")
        self.seen = seen

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.seen.answers.append(self.answer.value)
        await interaction.response.send_message(f"Recorded: {self.answer.value}", ephemeral=True)


class QuizView(discord.ui.View):
    def __init__(self, seen: Seen) -> None:
        super().__init__(timeout=30)
        self.seen = seen

    @discord.ui.button(label="Answer", custom_id="quiz:answer")
    async def answer(self, inter: discord.Interaction, _: discord.ui.Button[QuizView]) -> None:
        await inter.response.send_modal(AnswerModal(self.seen))


def make_bot(seen: Seen, *, message_content: bool = True) -> commands.Bot:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    @bot.tree.command(name="quiz", description="Practise one question")
    @app_commands.describe(topic="Which pack")
    async def quiz(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(
            f"Question on {topic}", view=QuizView(seen), ephemeral=True
        )

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.messages.append(message)

    @bot.event
    async def on_raw_message_edit(payload: discord.RawMessageUpdateEvent) -> None:
        seen.edits.append(payload)

    @bot.event
    async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
        seen.deletes.append(payload)

    return bot


async def test_real_client_full_round_trip(emulator: Emulator) -> None:
    emu = emulator
    guild = emu.create_guild("Study group")
    daily = guild.create_text_channel("daily")
    ana = guild.add_member("ana")
    seen = Seen()
    bot = make_bot(seen)
    async with connected(bot, emu):
        synced = await bot.tree.sync()
        assert [c.name for c in synced] == ["quiz"]

        # slash command answered ephemerally, with a button
        inter = await ana.slash("quiz", {"topic": "cicd"}, channel_id=daily.id)
        response = await inter.wait_response(timeout=5)
        assert response["type"] == 4
        assert response["data"]["flags"] & EPHEMERAL
        assert inter.message is not None and inter.message.content == "Question on cicd"
        assert emu.messages(daily.id) == []  # ephemeral: not in the channel

        # button opens a modal; submitting it reaches on_submit
        click = await ana.click(daily.id, inter.message.id, "quiz:answer")
        assert (await click.wait_response())["type"] == 9
        submit = await ana.submit_modal(click, {"answer": "blue-green"})
        await submit.wait_response()
        assert seen.answers == ["blue-green"]
        assert submit.message is not None and submit.message.content == "Recorded: blue-green"

        # the bot posts a question and opens a thread on it; a member answers there
        channel = bot.get_channel(daily.id)
        assert isinstance(channel, discord.TextChannel)
        question = await channel.send("Daily question")
        thread = await question.create_thread(name="answers")
        assert thread.id == question.id
        answer = await ana.send(thread.id, "Canary first")
        await emu.wait_until(lambda: any(m.id == answer.id for m in seen.messages))
        got = next(m for m in seen.messages if m.id == answer.id)
        assert got.content == "Canary first" and got.channel.id == thread.id

        await ana.edit(thread.id, answer.id, "Canary, then full rollout")
        await emu.wait_until(lambda: any(e.message_id == answer.id for e in seen.edits))
        assert seen.edits[-1].message.content == "Canary, then full rollout"
        await ana.delete(thread.id, answer.id)
        await emu.wait_until(lambda: any(d.message_id == answer.id for d in seen.deletes))

        # a dropped gateway is RESUMEd and the event sent meanwhile is replayed
        await emu.drop_gateway(resume_ok=True)
        late = await ana.send(thread.id, "sent while the bot was away")
        await emu.wait_until(lambda: any(m.id == late.id for m in seen.messages))
        assert emu.gateway.resumes == 1
        replayed = [e["d"].get("id") for e in emu.gateway.replayed if e["t"] == "MESSAGE_CREATE"]
        assert str(late.id) in replayed

        # a 500 and a 429 carrying Via are retried by discord.py
        emu.fail_next("POST /channels", status=500)
        emu.force_429("/messages", retry_after=0.05)
        first = await channel.send("after a 500")
        statuses = [c.status for c in emu.calls if c.route_key.endswith("/messages")]
        assert 500 in statuses and 429 in statuses
        assert emu.message(daily.id, first.id) is not None

        # a permission the bot lacks surfaces as discord.Forbidden
        locked = guild.create_text_channel("locked")
        guild.deny_bot(locked.id, "SEND_MESSAGES")
        await emu.wait_until(lambda: bot.get_channel(locked.id) is not None)
        target = bot.get_channel(locked.id)
        assert isinstance(target, discord.TextChannel)
        with pytest.raises(discord.Forbidden) as forbidden:
            await target.send("nope")
        assert forbidden.value.code == 50013
    assert emu.unknown_calls == []
    assert not emu.connected


async def test_message_content_is_empty_without_the_intent(emulator: Emulator) -> None:
    guild = emulator.create_guild("Study group")
    daily = guild.create_text_channel("daily")
    ana = guild.add_member("ana")
    seen = Seen()
    async with connected(make_bot(seen, message_content=False), emulator):
        sent = await ana.send(daily.id, "secret answer")
        await emulator.wait_until(lambda: any(m.id == sent.id for m in seen.messages))
    assert seen.messages[0].content == ""
