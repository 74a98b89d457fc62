"""Blind answers through the real client and the emulator: a whole blind day, a crash in the
middle of publishing, long answers split, and a mode switch between days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.boards import scoring
from bot.clock import FakeClock
from bot.storage import Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.blind_helpers import (
    ANSWERS,
    BEN_EDIT,
    HEADER,
    NINE,
    REVEAL,
    TODAY,
    answer,
    blind_post,
    idle,
    modal_default,
    posted,
    published,
    revealed,
    reveals,
)
from tests.daily.helpers import configure_world, daily_posts, stored
from tests.drill.conftest import reply_to
from tests.leaderboard.test_member_flow import best_answer
from tests.quiz.helpers import button_ids, press, refusal


async def points(store: Store, world: World, name: str) -> int:
    stats = await store.scores.stats(world.guild.id, world[name].id)
    return stats.points if stats else 0


async def test_a_blind_day_with_five_members_one_editing_one_late(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind", discussion_minutes=120)
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        assert post.mode == "blind" and post.thread_id is None
        assert button_ids(message) == [f"drill:blind:answer:{post.id}"]
        assert "Press **Answer**. Nobody sees your answer until the reveal" in message.text
        assert _threads(world) == []  # no thread before the reveal
        for minute, (name, text) in enumerate(ANSWERS.items(), start=1):
            clock.set(NINE + timedelta(minutes=minute))
            reply = await answer(world[name], message, post.id, text)
            assert reply.startswith("Stored. Nobody sees it until the reveal")
            # Stored at once, before the reveal ever reads it.
            assert len(await store.answers.for_post(post.id)) == minute
        # Ben changes his mind: the modal opens with his answer, the edit replaces it.
        opened = await press(world["ben"], message, f"drill:blind:answer:{post.id}")
        assert modal_default(opened) == ANSWERS["ben"]
        edited = await world["ben"].submit_modal(opened, {"answer": BEN_EDIT})
        assert (await refusal(edited)).startswith("Your answer is updated")
        rows = await store.answers.for_post(post.id)
        assert len(rows) == 4 and {r.user_id for r in rows} == {world[n].id for n in ANSWERS}
        assert next(r for r in rows if r.user_id == world["ben"].id).content == BEN_EDIT
        # Nothing of any answer is visible anywhere before the reveal.
        visible = [m.content for ms in world.emu.world.messages.values() for m in ms.values()]
        assert not any(text[:30] in c for text in ANSWERS.values() for c in visible)

        clock.set(REVEAL)
        done = await revealed(store, post)
        assert done.thread_id is not None
        answers = published(world, done.thread_id)
        assert [HEADER.match(m.content).group(3) for m in answers] == [  # type: ignore[union-attr]
            str(world[n].id) for n in ANSWERS
        ]
        assert BEN_EDIT in answers[1].content and ANSWERS["ben"] not in answers[1].content
        sends = [
            c.json
            for c in world.emu.calls
            if c.method == "POST" and c.path == f"/channels/{done.thread_id}/messages"
        ]
        # Named by mention, never pinged: every send allows no mentions at all.
        assert sends and all(c["allowed_mentions"] == {"parse": []} for c in sends)
        [notes] = reveals(world, done.thread_id)
        assert notes.id > answers[-1].id  # the notes come after every answer
        until = int((REVEAL + timedelta(minutes=120)).timestamp())
        assert f"open for discussion until <t:{until}:t>" in notes.text
        assert not world.emu.world.channels[done.thread_id].locked  # open for discussion

        # Scored as in thread mode: 10 each, +3 for the first to answer.
        want = scoring.ANSWER_POINTS + scoring.FIRST_BONUS
        assert await points(store, world, "ana") == want
        assert await points(store, world, "ben") == scoring.ANSWER_POINTS

        # Eve is late: stored, not scored, not published. Ben cannot change his any more.
        late = await answer(world["eve"], message, post.id, "Late but keen: canary plus rollback.")
        assert "not scored or posted" in late
        assert len(await store.answers.for_post(post.id)) == 5
        assert await points(store, world, "eve") == 0
        again = await answer(world["ben"], message, post.id, "One more try after the reveal")
        assert "can no longer change" in again
        assert len(published(world, done.thread_id)) == 4

        # A star on a published answer counts for its author, not for the bot.
        await world["cy"].react(done.thread_id, answers[0].id, "⭐")
        await eventually(lambda: _equals(points(store, world, "ana"), want + scoring.STAR_POINTS))

        # After the discussion time, the thread is locked.
        await idle(bot)
        clock.set(clock.now() + timedelta(minutes=121))
        await eventually(lambda: world.emu.world.channels[done.thread_id].locked, timeout=10)
    assert world.emu.errors == []


def _threads(world: World) -> list[Any]:
    return [c for c in world.emu.world.channels.values() if c.is_thread]


async def _equals(value: Any, want: int) -> bool:
    return bool(await value == want)


async def test_a_crash_in_the_middle_of_publishing_resumes_without_doubles(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    long_answer = ("Long answer paragraph. " * 40 + "\n\n") * 8  # ~7,400 characters
    long_answer = long_answer[:3990]
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        for name, text in ANSWERS.items():
            await answer(world[name], message, post.id, text if name != "cy" else long_answer)
    # The next run dies right after Discord took the fourth message of the answers.
    real = store.blind.mark_sent
    sent: list[int] = []

    async def dies_after_four(post_id: int, seq: int, part: int, message_id: int) -> None:
        sent.append(message_id)
        if len(sent) == 4:
            raise RuntimeError("process killed after Discord took the message")
        await real(post_id, seq, part, message_id)

    monkeypatch.setattr(store.blind, "mark_sent", dies_after_four)
    clock.set(REVEAL)
    async with start_bot() as bot:
        await eventually(lambda: len(sent) >= 4, timeout=15)
        await eventually(lambda: not bot.app.daily_job.running)
    monkeypatch.setattr(store.blind, "mark_sent", real)
    world.emu.forget_nonces()  # a long outage: only the thread's history tells what went out
    clock.set(REVEAL + timedelta(minutes=10))
    async with start_bot():
        done = await revealed(store, post)
    assert done.thread_id is not None
    keys = [_key(m.content) for m in published(world, done.thread_id)]
    # cy's answer is in three parts: 1, 2, 3.1, 3.2, 3.3, 4 — each once, in order.
    assert keys == [(1, 1), (2, 1), (3, 1), (3, 2), (3, 3), (4, 1)]
    assert len(reveals(world, done.thread_id)) == 1
    plan = await store.blind.plan(post.id)
    assert all(row.message_id is not None for row in plan)
    assert await points(store, world, "ana") == scoring.ANSWER_POINTS + scoring.FIRST_BONUS
    assert world.emu.errors == []


def _key(content: str) -> tuple[int, int]:
    match = HEADER.match(content)
    assert match is not None
    return int(match.group(1)), int(match.group(4) or 1)


async def test_long_answers_are_split_within_discords_limit_and_lose_nothing(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    code = "```python\n" + "\n".join(f"    step_{i} = run(step_{i - 1})" for i in range(90))
    text = ("Why: " + "reasons " * 150 + "\n\n" + code + "\n```\nDone.")[:4000]
    one_word = "x" * 4000  # no place to cut: a hard cut, still labelled
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        await answer(world["ana"], message, post.id, text)
        await answer(world["ben"], message, post.id, one_word)
        clock.set(REVEAL)
        done = await revealed(store, post)
        assert done.thread_id is not None
        # Best answer on the last part of ben's answer: ben gets it, not the bot that posted it.
        before = await points(store, world, "ben")
        last = published(world, done.thread_id)[-1]
        marked = await reply_to(best_answer(world, world.owner, last))
        assert marked.content == (
            f"Marked as the best answer: +{scoring.BEST_POINTS} points for <@{world['ben'].id}>."
        )
        assert await points(store, world, "ben") == before + scoring.BEST_POINTS
    parts = published(world, done.thread_id)
    assert all(len(m.content) <= 2000 for m in parts)
    by_author: dict[int, list[str]] = {}
    for m in parts:
        match = HEADER.match(m.content)
        assert match is not None and match.group(4) is not None  # both are split: labelled
        by_author.setdefault(int(match.group(3)), []).append(m.content.split("\n", 1)[1])
    for member, original in ((world["ana"], text), (world["ben"], one_word)):
        pieces = by_author[member.id]
        assert len(pieces) >= 3
        assert _letters("".join(pieces)) == _letters(original)
    # Every piece of the code answer keeps its code block balanced.
    assert all(p.count("```") % 2 == 0 for p in by_author[world["ana"].id])
    assert world.emu.errors == []


def _letters(text: str) -> str:
    return "".join(c for c in text if not c.isspace() and c != "`").replace("python", "")


async def test_mode_switched_between_days_applies_from_the_next_post(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, reveal_after_minutes=60)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        monday = await stored(store, world.guild.id, TODAY)
        assert monday.mode == "thread" and monday.thread_id is not None
        # Switched after Monday's post: Monday stays a thread day.
        await store.guilds.update(world.guild.id, world.owner.id, NINE, answer_mode="blind")
        await world["ana"].send(monday.thread_id, "An answer in Monday's open thread, counted.")
        clock.set(NINE + timedelta(hours=1))
        await revealed(store, monday)
        assert len(await store.answers.for_post(monday.id)) == 1
        await idle(bot)  # the run that revealed replans before the clock moves on
        clock.set(NINE + timedelta(days=1))
        tuesday = await eventually(lambda: store.daily.get(world.guild.id, "2026-03-03"))
        await idle(bot)
        tuesday = await eventually(lambda: posted(store, tuesday))
        assert tuesday.mode == "blind" and tuesday.thread_id is None
        [_, tue_msg] = daily_posts(world.emu, world.channel.id)
        assert button_ids(tue_msg) == [f"drill:blind:answer:{tuesday.id}"]
        # A reply to the blind post in the channel is not taken as an answer.
        await world["ben"].send(world.channel.id, "replying in the open", reply_to=tue_msg.id)
        await store.guilds.update(world.guild.id, world.owner.id, NINE, answer_mode="thread")
        await answer(world["ana"], tue_msg, tuesday.id, "Blind on Tuesday, whatever the switch.")
        clock.set(NINE + timedelta(days=1, hours=1))
        tue_done = await revealed(store, tuesday)
        assert [a.user_id for a in await store.answers.for_post(tuesday.id)] == [world["ana"].id]
        assert tue_done.thread_id is not None and len(published(world, tue_done.thread_id)) == 1
        await idle(bot)
        clock.set(NINE + timedelta(days=2))
        wednesday = await eventually(lambda: store.daily.get(world.guild.id, "2026-03-04"))
        await idle(bot)
        wednesday = await store.daily.by_id(wednesday.id)
        assert wednesday is not None
        assert wednesday.mode == "thread" and wednesday.thread_id is not None
    assert world.emu.errors == []


async def test_presses_that_do_not_fit_get_a_clear_refusal(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world, answer_mode="blind")
    clock.set(NINE)
    async with start_bot() as bot:
        post, message = await blind_post(bot, store, world)
        opened = await press(world["ana"], message, f"drill:blind:answer:{post.id}")
        blank = await world["ana"].submit_modal(opened, {"answer": "   \n  "})
        assert "empty answer was not stored" in await refusal(blank)
        # A forged button for a post of another server (or none) changes nothing.
        forged = await world["ana"].submit_modal(opened, {"answer": "x" * 30})
        assert (await refusal(forged)).startswith("Stored.")
        assert len(await store.answers.for_post(post.id)) == 1
    assert world.emu.errors == []


async def test_organisers_switch_to_blind_with_setup_and_bad_input_changes_nothing(
    world: World, store: Store, start_bot: BotFactory
) -> None:
    from tests.drill.conftest import run

    chan = world.channel.id
    first = {"channel": chan, "time": "09:00", "timezone": "Europe/Berlin"}
    async with start_bot():
        await run(world.owner, "drill setup", first, channel_id=chan)
        reply = await run(
            world.owner, "drill setup", {"answers": "blind", "discussion": "2h"}, channel_id=chan
        )
        assert "Answers are **blind**" in reply.content and "for 2h" in reply.content
        for bad, says in (("forever", "is not a discussion time"), ("999h", "at most 7 days")):
            refused = await run(world.owner, "drill setup", {"discussion": bad}, channel_id=chan)
            assert says in refused.content
        hostile = await run(
            world.owner, "drill setup", {"discussion": "@everyone " * 500}, channel_id=chan
        )
        assert len(hostile.content) <= 2000 and "@everyone" not in hostile.content
        member = await run(world["ana"], "drill setup", {"answers": "thread"}, channel_id=chan)
        assert "organisers" in member.content.lower()
    saved = await store.guilds.get(world.guild.id)
    assert saved is not None and saved.answer_mode == "blind" and saved.discussion_minutes == 120
