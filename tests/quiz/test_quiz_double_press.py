"""Two presses at once through the real client: one effect, and the other press is told.

Both interactions are created before the bot handles either (asyncio.gather on the driver),
as when a member double-clicks or Discord redelivers a press.
"""

from __future__ import annotations

import asyncio

from bot.sandbox.emulator.interactions import Interaction
from bot.sandbox.emulator.layouts import texts
from bot.storage import Store
from tests.conftest import START, BotFactory, World
from tests.quiz.helpers import EPHEMERAL, ask, footer_session, press, refusal
from tests.support.sql import sql


async def outcomes(*inters: Interaction) -> list[str]:
    """What each press got back: the edited card's text, or the ephemeral refusal."""
    out = []
    for inter in inters:
        response = await inter.wait_response()
        if response["type"] == 7:  # the card itself was updated
            shown = texts(response["data"].get("components") or [])
            out.append("updated: " + next((t for t in shown if t.startswith("Graded")), ""))
        else:
            out.append(await refusal(inter))
    return sorted(out)


async def test_good_and_again_pressed_together_grade_once(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        card = await ask(ana, world.channel.id, "quiz", topic="cicd")
        sid = footer_session(card)
        await press(ana, card, f"drill:quiz:notes:{sid}")
        good, again = await asyncio.gather(
            ana.click(card.channel_id, card.id, f"drill:grade:{sid}:3"),
            ana.click(card.channel_id, card.id, f"drill:grade:{sid}:1"),
        )
        told = await outcomes(good, again)
    session = await store.practice.session(sid)
    assert session is not None and session.state == "graded"
    winner = {3: "Good", 1: "Again"}[session.grade or 0]
    assert told[0].startswith(f"You already graded this one ({winner}). It is due <t:")
    assert told[1].startswith(f"updated: Graded **{winner}**")
    srs_card = await store.practice.card(ana.id, session.question_id)
    assert srs_card is not None and srs_card.reviews == 1 and srs_card.last_grade == session.grade
    assert world.emu.errors == []


async def test_two_answer_submits_store_one_answer(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        card = await ask(ana, world.channel.id, "quiz", topic="serving")
        sid = footer_session(card)
        opened = await press(ana, card, f"drill:quiz:answer:{sid}")
        first, second = await asyncio.gather(
            ana.submit_modal(opened, {"answer": "Blue-green with a smoke test."}),
            ana.submit_modal(opened, {"answer": "Canary, then promote."}),
        )
        told = await outcomes(first, second)
    assert told[0] == "You already answered this one; grade yourself instead."
    assert told[1].startswith("updated: ")
    answers = await store.answers.for_session(sid)
    assert len(answers) == 1
    session = await store.practice.session(sid)
    assert session is not None and session.state == "revealed" and not session.notes_only


async def test_notes_and_answer_crossing_take_one_path(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        card = await ask(ana, world.channel.id, "quiz", topic="python")
        sid = footer_session(card)
        opened = await press(ana, card, f"drill:quiz:answer:{sid}")
        notes, submit = await asyncio.gather(
            ana.click(card.channel_id, card.id, f"drill:quiz:notes:{sid}"),
            ana.submit_modal(opened, {"answer": "GIL, threads and processes."}),
        )
        await notes.wait_response()
        await submit.wait_response()
    session = await store.practice.session(sid)
    answers = await store.answers.for_session(sid)
    assert session is not None and session.state == "revealed"
    # Either the answer won (stored, not notes-only) or the notes did (nothing stored).
    assert (len(answers), session.notes_only) in {(1, False), (0, True)}
    if session.notes_only:
        assert "already showed the notes" in await refusal(submit)


async def test_skip_pressed_twice_skips_once(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        card = await ask(ana, world.channel.id, "quiz", topic="iac")
        sid = footer_session(card)
        one, two = await asyncio.gather(
            ana.click(card.channel_id, card.id, f"drill:quiz:skip:{sid}"),
            ana.click(card.channel_id, card.id, f"drill:quiz:skip:{sid}"),
        )
        told = await outcomes(one, two)
    assert told[0] == "You skipped this question; run /quiz for another."
    assert told[1].startswith("updated: ")
    seen = await store.practice.seen_questions(ana.id)
    assert sum(seen.values()) == 2  # the skipped card and exactly one replacement


async def test_two_report_submits_store_one_report(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    ana = world["ana"]
    async with start_bot():
        card = await ask(ana, world.channel.id, "quiz", topic="security")
        sid = footer_session(card)
        opened = await press(ana, card, f"drill:report:{sid}")
        first, second = await asyncio.gather(
            ana.submit_modal(opened, {"reason": "wrong", "detail": "Port is 443."}),
            ana.submit_modal(opened, {"reason": "wrong", "detail": "Port is 443."}),
        )
        told = await outcomes(first, second)
    assert told == [
        "Thanks: reported as **wrong**. The organisers will see it in /drill reports.",
        "You already reported this question; the organisers have it.",
    ]
    (summary,) = await store.practice.report_summary(world.guild.id)
    assert summary.count == 1


async def test_two_daily_grade_presses_make_one_session(
    world: World, store: Store, start_bot: BotFactory, clock
) -> None:
    emu, ben = world.emu, world["ben"]
    await store.guilds.update(
        world.guild.id, world.owner.id, START, channel_id=world.channel.id, post_time="06:00"
    )
    async with start_bot() as bot:
        assert bot.daily is not None
        await bot.jobs.idle()
        posted = await emu.wait_until(lambda: emu.messages(world.channel.id), timeout=5)
        thread = await emu.wait_until(lambda: emu.channel(posted[0].id), timeout=5)
        clock.advance(hours=23, minutes=1)
        await bot.jobs.idle()
        (reveal,) = await emu.wait_until(
            lambda: [m for m in emu.messages(thread.id) if m.components], timeout=5
        )
        post = await store.daily.get(world.guild.id, "2026-03-02")
        assert post is not None
        hard, easy = await asyncio.gather(
            ben.click(thread.id, reveal.id, f"drill:daily:grade:{post.id}:2"),
            ben.click(thread.id, reveal.id, f"drill:daily:grade:{post.id}:4"),
        )
        told = await outcomes(hard, easy)
        for inter in (hard, easy):
            assert (await inter.wait_response())["data"]["flags"] & EPHEMERAL
    session = await store.practice.daily_session(ben.id, post.id)
    assert session is not None and session.grade in (2, 4)
    winner = {2: "Hard", 4: "Easy"}[session.grade]
    assert told[0].startswith(f"Graded **{winner}**")
    assert told[1].startswith(f"You already graded this one ({winner}). It is due <t:")
    rows = await store.db.fetchall(
        *sql(
            "SELECT COUNT(*) FROM quiz_sessions WHERE user_id = ? AND daily_post_id = ?",
            (ben.id, post.id),
        ),
    )
    assert rows[0][0] == 1
    card = await store.practice.card(ben.id, post.question_id)
    assert card is not None and card.reviews == 1
