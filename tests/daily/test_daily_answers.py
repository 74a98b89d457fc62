"""Answers and the reveal around downtime: backfill on start, edits and deletes, a reveal due
while the bot was down, and a post that could not get a thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.boards.scoring import ANSWER_POINTS, FIRST_BONUS
from bot.clock import FakeClock
from bot.storage import Answer, DailyPost, Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure_world, daily_posts, stored

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
TODAY = "2026-03-02"


async def answers_of(store: Store, post: DailyPost, count: int) -> list[Answer]:
    async def enough() -> list[Answer] | None:
        rows = await store.answers.for_post(post.id, include_deleted=True)
        return rows if len(rows) >= count else None

    rows: list[Answer] = await eventually(enough)
    return rows


async def todays_thread(bot: Any, store: Store, world: World) -> DailyPost:
    """Tick, and return today's post, which must have its answers thread."""
    await bot.jobs.idle()
    post = await stored(store, world.guild.id, TODAY)
    assert post.thread_id is not None
    return post


def reveals(world: World, channel_id: int) -> list[Any]:
    return [m for m in world.emu.messages(channel_id) if "What they're testing" in m.text]


async def test_answers_posted_while_the_bot_is_down_are_backfilled_on_start(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        post = await todays_thread(bot, store, world)
        live = await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
    # Between two runs: nobody hears these on the gateway.
    missed = [
        await world["ben"].send(post.thread_id, "Shadow traffic first, then a small canary."),
        await world["cy"].send(post.thread_id, "Compare offline and online metrics first."),
    ]
    clock.advance(hours=1)
    async with start_bot():
        rows = await answers_of(store, post, 3)
    assert [r.message_id for r in rows] == [live.id, *(m.id for m in missed)]
    assert {r.user_id for r in rows} == {world[n].id for n in ("ana", "ben", "cy")}
    assert rows[2].content == "Compare offline and online metrics first."
    assert all(r.daily_post_id == post.id and r.deleted_at is None for r in rows)


async def test_edits_and_deletes_are_recorded(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        post = await todays_thread(bot, store, world)
        first = await world["ana"].send(post.thread_id, "Canary it.")
        gone = await world["ben"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 2)
        clock.advance(minutes=5)
        await world["ana"].edit(post.thread_id, first.id, ANSWER + " Then widen it.")
        await world["ana"].edit(post.thread_id, first.id, ANSWER + " Then widen it slowly.")
        await world["ben"].delete(post.thread_id, gone.id)

        async def settled() -> bool:
            edited = await store.answers.by_message(first.id)
            deleted = await store.answers.by_message(gone.id)
            return bool(edited and edited.edit_count == 2 and deleted and deleted.deleted_at)

        await eventually(settled)
        clock.advance(hours=23)
        await bot.jobs.idle()
    edited = await store.answers.by_message(first.id)
    assert edited is not None and edited.content.endswith("widen it slowly.")
    assert edited.edited_at == NINE + timedelta(minutes=5)
    deleted = await store.answers.by_message(gone.id)
    assert deleted is not None and deleted.deleted_at == NINE + timedelta(minutes=5)
    # The deleted answer earns nothing; the edited one now counts and is first.
    top = await store.scores.top(world.guild.id)
    assert [(s.user_id, s.points) for s in top] == [(world["ana"].id, ANSWER_POINTS + FIRST_BONUS)]


async def test_edits_and_deletes_made_while_the_bot_is_down_are_caught_up(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        post = await todays_thread(bot, store, world)
        short = await world["ana"].send(post.thread_id, "Canary it.")
        doomed = await world["ben"].send(post.thread_id, ANSWER)
        kept = await world["cy"].send(post.thread_id, "Shadow traffic first, then a canary.")
        await answers_of(store, post, 3)
    # While the bot is down: ana fixes her answer, ben withdraws his.
    await world["ana"].edit(post.thread_id, short.id, ANSWER + " Then widen it.")
    await world["ben"].delete(post.thread_id, doomed.id)
    clock.advance(minutes=30)
    async with start_bot():

        async def caught_up() -> bool:
            gone = await store.answers.by_message(doomed.id)
            return bool(gone and gone.deleted_at)

        await eventually(caught_up)
    edited = await store.answers.by_message(short.id)
    assert edited is not None and edited.content.endswith("Then widen it.")
    assert edited.edit_count == 1 and edited.edited_at == NINE + timedelta(minutes=30)
    untouched = await store.answers.by_message(kept.id)
    assert untouched is not None and untouched.edit_count == 0 and untouched.deleted_at is None


async def test_a_reveal_due_while_the_bot_was_down_happens_on_start(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)  # reveal 23 h after the post
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None and post.reveal_at == NINE + timedelta(hours=23)
        await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
    await world["ben"].send(post.thread_id, "Roll back on SLO burn, not on a gut feeling.")
    clock.set(NINE + timedelta(hours=25))  # Tuesday 10:00 Berlin: reveal and post both due
    async with start_bot() as bot:
        await emu.wait_until(lambda: reveals(world, post.thread_id), timeout=5)
        await bot.jobs.idle()
        await bot.jobs.idle()
    assert len(reveals(world, post.thread_id)) == 1
    revealed = await stored(store, world.guild.id, TODAY)
    assert revealed.state == "revealed"
    thread = emu.channel(post.thread_id)
    assert thread is not None and thread.locked
    # The answer given during the downtime was backfilled before points were given.
    points = {s.user_id: s.points for s in await store.scores.top(world.guild.id)}
    assert points == {world["ana"].id: ANSWER_POINTS + FIRST_BONUS, world["ben"].id: ANSWER_POINTS}
    assert (await stored(store, world.guild.id, "2026-03-03")).state == "posted"
    assert len(daily_posts(emu, world.channel.id)) == 2


async def test_a_refused_thread_leaves_the_post_standing_and_replies_count_as_answers(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world, reveal_after_minutes=60)
    emu.fail_next("/threads", 400)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.state == "posted" and post.thread_id is None
        [question] = daily_posts(emu, world.channel.id)
        notes = [m for m in emu.messages(world.channel.id) if "reply" in m.content.lower()]
        assert len(notes) == 1 and notes[0].author.id == emu.bot_user_id
        assert int(notes[0].message_reference["message_id"]) == question.id
        await world["ana"].send(world.channel.id, ANSWER, reply_to=question.id)
        await world["ben"].send(world.channel.id, "unrelated chatter in the channel")
        await answers_of(store, post, 1)
    # A reply while the bot is down is read back from the channel on start.
    await world["cy"].send(world.channel.id, "Shadow first, then canary.", reply_to=question.id)
    async with start_bot() as bot:
        rows = await answers_of(store, post, 2)
        assert {r.user_id for r in rows} == {world["ana"].id, world["cy"].id}
        clock.advance(hours=1)
        await bot.jobs.idle()
    assert len(reveals(world, world.channel.id)) == 1
    assert (await stored(store, world.guild.id, TODAY)).state == "revealed"
    assert len(daily_posts(emu, world.channel.id)) == 1


async def test_a_rate_limited_thread_leaves_the_post_standing_and_says_so(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    emu.force_429("/threads", retry_after=600)  # longer than the bot will wait
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        [question] = daily_posts(emu, world.channel.id)
        await world["dee"].send(world.channel.id, ANSWER, reply_to=question.id)
        rows = await answers_of(store, post, 1)
    assert post.state == "posted" and post.thread_id is None
    assert rows[0].user_id == world["dee"].id
    assert [c for c in emu.world.channels.values() if c.is_thread] == []
    thread_calls = [c for c in emu.calls if c.path.endswith("/threads")]
    assert [c.status for c in thread_calls] == [429]
    assert len([m for m in emu.messages(world.channel.id) if "thread" in m.content]) == 1
