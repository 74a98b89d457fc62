"""Check key points through the real client and the emulator: the checklist modal (Discord's
check boxes, validated by the emulator as Discord does), the hint, and the ticks turning into
the suggested grade the member confirms."""

from __future__ import annotations

from typing import Any

from bot.practice import keypoints
from bot.storage import Store
from tests.conftest import START, BotFactory, World, eventually
from tests.quiz.helpers import ask, footer_session, press, refusal


def checkbox_groups(modal: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        row["component"]
        for row in modal["components"]
        if row["type"] == 18 and row["component"]["type"] == 22
    ]


async def test_ticks_become_the_suggested_grade_the_member_confirms(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    emu, ana = world.emu, world["ana"]
    async with start_bot() as bot:
        question = await ask(ana, world.channel.id, "quiz", topic="cicd")
        sid = footer_session(question)
        opened = await press(ana, question, f"drill:quiz:answer:{sid}")
        await (await ana.submit_modal(opened, {"answer": "Canary first."})).wait_response()
        revealed = emu.message(question.channel_id, question.id)
        assert revealed is not None

        check = await press(ana, revealed, f"drill:check:quiz:{sid}")
        assert check.modal is not None
        assert check.modal["custom_id"] == f"drill:check:modal:quiz:{sid}"
        session = await store.practice.session(sid)
        assert session is not None
        key_points = bot.app.catalog.base.questions[session.question_id].key_points
        (group,) = checkbox_groups(check.modal)
        assert [o["value"] for o in group["options"]] == [str(i) for i in range(len(key_points))]
        assert all(len(o["label"]) <= 100 for o in group["options"])
        hint = next(row["content"] for row in check.modal["components"] if row["type"] == 10)
        assert "You may have missed" in hint  # two words cannot cover every key point

        half = [str(i) for i in range((len(key_points) + 1) // 2)]
        submitted = await ana.submit_modal(check, {"points0": half})
        text = await refusal(submitted)
        assert f"You ticked **{len(half)} of {len(key_points)}** key points" in text
        assert "suggested grade **Hard**" in text
        offer = await submitted.wait_followup() if submitted.message is None else submitted.message
        labels = {c["custom_id"]: c["label"] for row in offer.components for c in row["components"]}
        assert labels[f"drill:grade:{sid}:2"] == "Hard (suggested)"
        confirmed = await press(ana, offer, f"drill:grade:{sid}:2")
        assert confirmed.response is not None
    graded = await store.practice.session(sid)
    assert graded is not None and graded.grade == keypoints.HARD
    assert emu.errors == []


async def test_all_ticked_suggests_good_and_none_again() -> None:
    assert keypoints.suggested_grade(5, 5) == keypoints.GOOD
    assert keypoints.suggested_grade(3, 5) == keypoints.HARD
    assert keypoints.suggested_grade(2, 5) == keypoints.AGAIN
    assert keypoints.suggested_grade(0, 4) == keypoints.AGAIN
    assert keypoints.suggested_grade(2, 4) == keypoints.HARD


async def test_under_the_daily_reveal_the_hint_reads_the_members_thread_answer(
    world: World, store: Store, start_bot: BotFactory, clock: Any
) -> None:
    emu, ben = world.emu, world["ben"]
    await store.guilds.update(
        world.guild.id, world.owner.id, START, channel_id=world.channel.id, post_time="06:00"
    )
    async with start_bot() as bot:
        await bot.jobs.idle()
        posted = await emu.wait_until(lambda: emu.messages(world.channel.id), timeout=5)
        thread = await emu.wait_until(lambda: emu.channel(posted[0].id), timeout=5)
        post = await store.daily.get(world.guild.id, "2026-03-02")
        assert post is not None
        key_points = bot.app.catalog.base.questions[post.question_id].key_points
        await ben.send(thread.id, "Everything: " + " ".join(key_points))

        async def stored() -> bool:
            return bool(await store.answers.for_post(post.id))

        await eventually(stored)
        clock.advance(hours=23, minutes=1)
        await bot.jobs.idle()
        reveal = (
            await emu.wait_until(
                lambda: [m for m in emu.messages(thread.id) if m.components], timeout=5
            )
        )[0]
        check = await press(ben, reveal, f"drill:check:daily:{post.id}")
        assert check.modal is not None
        hint = next(row["content"] for row in check.modal["components"] if row["type"] == 10)
        assert "they touch every key point" in hint  # his answer has every key point's words
        every = [str(i) for i in range(len(key_points))]
        submitted = await ben.submit_modal(check, {"points0": every})
        assert "suggested grade **Good**" in await refusal(submitted)
        offer = submitted.message
        assert offer is not None
        confirmed = await press(ben, offer, f"drill:daily:grade:{post.id}:3")
        assert "Graded **Good**" in await refusal(confirmed)
