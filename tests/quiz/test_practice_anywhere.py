"""Practice anywhere: /quiz, /review, /plan and /stats from a DM with the bot and from a server
where drillbot is not installed (the app installed to the member), through the real client and
the emulator; server-only commands stay in servers that installed drillbot and say so."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FakeClock
from bot.sandbox.emulator.contexts import NotOffered, create_elsewhere
from bot.sandbox.emulator.interactions import Interaction, build_command_data
from bot.sandbox.emulator.state import Message
from bot.storage import Store
from tests.conftest import BotFactory, World
from tests.quiz.helpers import EPHEMERAL, button_ids, footer_session, press, refusal, title

ANYWHERE = {"quiz", "review", "plan", "stats"}


async def followup_of(inter: Interaction) -> Message:
    assert (await inter.wait_response())["type"] == 5  # deferred, so never past 3 s
    message = await inter.wait_followup()
    assert message.flags & EPHEMERAL
    return message


async def practise_once(member: Any, question: Message, grade: int) -> int:
    """Answer the question shown, reveal it, grade it; returns its session id."""
    sid = footer_session(question)
    opened = await press(member, question, f"drill:quiz:answer:{sid}")
    assert opened.modal is not None, await refusal(opened)
    submit = await member.submit_modal(opened, {"answer": "Canary, then roll back on drift."})
    assert (await submit.wait_response())["type"] == 7
    graded = await press(member, question, f"drill:grade:{sid}:{grade}")
    assert graded.response is not None and graded.response["type"] == 7, graded.response
    return sid


async def test_synced_commands_say_where_they_run(world: World, start_bot: BotFactory) -> None:
    async with start_bot():
        synced = {c["name"]: c for c in world.emu.commands[None]}
    for name, cmd in synced.items():
        if name in ANYWHERE:
            assert cmd["integration_types"] == [0, 1], name
            assert cmd["contexts"] == [0, 1, 2], name
        else:
            assert cmd["integration_types"] == [0], name
            assert cmd["contexts"] == [0], name
    assert set(synced) >= ANYWHERE


async def test_quiz_and_review_in_a_dm_with_the_bot(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    ana = world["ana"]
    async with start_bot():
        question = await followup_of(await ana.slash_in_dm("quiz", {"topic": "cicd"}))
        assert question.channel_id == world.emu.world.dms[ana.id].id
        assert title(question) == "Practice question"
        sid = await practise_once(ana, question, grade=1)  # Again: due again soon
        clock.advance(days=2)
        review = await followup_of(await ana.slash_in_dm("review"))
        assert title(review) != "" and footer_session(review) != sid
        stats = await followup_of(await ana.slash_in_dm("stats"))
        assert stats.flags & (1 << 15) and not stats.embeds and stats.attachments
    session = await store.practice.session(sid)
    assert session is not None and session.state == "graded" and session.guild_id is None
    again = await store.practice.session(footer_session(review))
    assert again is not None and again.mode == "review" and again.guild_id is None
    assert again.question_id == session.question_id  # the card is the member's, anywhere
    assert world.emu.errors == []


async def test_quiz_and_review_in_a_server_without_drillbot(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    ana = world["ana"]
    # Another server ana is in: drillbot is installed to ana, not to it, and the server keeps
    # external apps' replies private.
    elsewhere = create_elsewhere(world.emu, "Book club", external_replies_private=True)
    async with start_bot() as bot:
        assert elsewhere.id not in {g.id for g in bot.guilds}
        asked = await ana.slash_elsewhere(elsewhere, "quiz", {"topic": "k8s"})
        question = await followup_of(asked)
        assert button_ids(question)[0].startswith("drill:quiz:answer:")
        sid = await practise_once(ana, question, grade=1)
        clock.advance(days=2)
        review = await followup_of(await ana.slash_elsewhere(elsewhere, "review"))
        assert footer_session(review) != sid
    session = await store.practice.session(sid)
    assert session is not None and session.guild_id is None  # the server's state is not ours
    # Nothing went into the server's channel: every reply was private to ana.
    assert world.emu.messages(elsewhere.channel.id) == []
    assert world.emu.errors == []


async def test_plan_in_a_dm(world: World, start_bot: BotFactory) -> None:
    async with start_bot():
        started = await world["ben"].slash_in_dm("plan start", {"weeks": 2})
        reply = await started.wait_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["embeds"]


async def test_server_only_commands_are_not_offered_outside_and_say_so_if_sent(
    world: World, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    elsewhere = create_elsewhere(world.emu, "Book club")
    async with start_bot():
        for name in ("drill status", "leaderboard", "mock start"):
            with pytest.raises(NotOffered):
                await ana.slash_in_dm(name)
            with pytest.raises(NotOffered):
                await ana.slash_elsewhere(elsewhere, name)
        # A client that sends one anyway (an old registration): told, nothing done.
        data = build_command_data(world.emu, 0, "leaderboard", {})
        sent = ana._start(2, elsewhere.channel.id, data)
        said = await refusal(sent)
        assert said.startswith("/leaderboard works in a server where drillbot is installed")
        # Someone else's /stats is a server's business.
        other = await ana.slash_in_dm("stats", {"member": world["ben"].id})
        assert "your own stats only" in (await other.wait_followup()).content
