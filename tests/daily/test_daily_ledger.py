"""No answer lost while a post is being finished, and the reveal counts what the thread shows:
members faster than the bot, a pin Discord sits on, a gateway that loses events, answers
after the deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.boards.scoring import ANSWER_POINTS, FIRST_BONUS
from bot.clock import FakeClock
from bot.daily.answers import PARKED_THREADS
from bot.sandbox.emulator import Channel, Message
from bot.storage import Answer, DailyPost, Store
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure, configure_world, daily_posts, stored

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
REVEAL = NINE + timedelta(hours=23)
TODAY = "2026-03-02"
QUICK = ("ana", "ben", "cy")


async def answers_of(store: Store, post: DailyPost, count: int) -> list[Answer]:
    async def enough() -> list[Answer] | None:
        rows = await store.answers.for_post(post.id, include_deleted=True)
        return rows if len(rows) >= count else None

    rows: list[Answer] = await eventually(enough)
    return rows


def reveal_in(world: World, channel_id: int) -> Message:
    found = [m for m in world.emu.messages(channel_id) if "What they're testing" in m.text]
    assert len(found) == 1, f"{len(found)} reveals"
    return found[0]


async def test_members_answering_the_instant_the_thread_appears_are_stored_and_counted(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    sent: list[Message] = []

    async def answer_at_once(thread: Channel) -> None:
        # Before Discord has even answered the bot's "create thread" call.
        for name in QUICK:
            sent.append(await world[name].send(thread.id, f"{ANSWER} ({name})"))

    world.emu.on_thread_created(answer_at_once)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None and len(sent) == 3
        rows = await answers_of(store, post, 3)
        assert sorted(r.message_id for r in rows) == sorted(m.id for m in sent)
        clock.set(REVEAL)
        await bot.jobs.idle()
    assert post.thread_id is not None
    assert "3 members answered" in reveal_in(world, post.thread_id).text
    points = {s.user_id: s.points for s in await store.scores.top(world.guild.id)}
    assert set(points) == {world[n].id for n in QUICK}
    assert sum(points.values()) == 3 * ANSWER_POINTS + FIRST_BONUS


async def test_answers_while_discord_sits_on_the_pin_are_stored_at_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world, pin_posts=True)
    pin = emu.hold(f"PUT /channels/{world.channel.id}/messages/pins/")
    async with start_bot() as bot:
        clock.set(NINE)
        ticking = bot.loop.create_task(bot.jobs.idle())  # the alarm's run
        try:
            await emu.wait_until(lambda: pin.waiting == 1, what="(the pin was not called)")
            post = await stored(store, world.guild.id, TODAY)
            assert post.thread_id is not None
            sent = [await world[n].send(post.thread_id, f"{ANSWER} ({n})") for n in QUICK]
            # Stored while the pin is still held: the thread was tracked before pinning.
            rows = await answers_of(store, post, 3)
            assert pin.waiting == 1 and not ticking.done()
            assert sorted(r.message_id for r in rows) == sorted(m.id for m in sent)
        finally:
            pin.release()
            await ticking
        assert emu.message(world.channel.id, post.message_id or 0).pinned
        clock.set(REVEAL)
        await bot.jobs.idle()
    assert "3 members answered" in reveal_in(world, post.thread_id).text


async def test_the_reveal_reads_back_answers_the_gateway_never_delivered(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        heard = await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
        emu.lose_events("MESSAGE_CREATE", 2)  # a gap no RESUME replays
        clock.advance(minutes=10)
        unheard = [await world[n].send(post.thread_id, f"{ANSWER} ({n})") for n in ("ben", "cy")]
        assert len(emu.gateway.lost) == 2
        clock.set(REVEAL)
        await bot.jobs.idle()
    rows = await store.answers.for_post(post.id)
    assert [r.message_id for r in rows] == [heard.id, *(m.id for m in unheard)]
    assert "3 members answered" in reveal_in(world, post.thread_id).text
    points = {s.user_id: s.points for s in await store.scores.top(world.guild.id)}
    assert points == {
        world["ana"].id: ANSWER_POINTS + FIRST_BONUS,
        world["ben"].id: ANSWER_POINTS,
        world["cy"].id: ANSWER_POINTS,
    }


async def test_an_answer_lost_between_two_delivered_ones_is_read_back_at_the_reveal(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    """The reveal reconciles the whole thread since the post, not what follows the last
    stored answer: a lost message older than a delivered one still counts."""
    emu = world.emu
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        first = await world["ana"].send(post.thread_id, f"{ANSWER} (ana)")
        await answers_of(store, post, 1)
        emu.lose_events("MESSAGE_CREATE", 1)  # no reconnect: nothing replays it
        lost = await world["ben"].send(post.thread_id, f"{ANSWER} (ben)")
        assert len(emu.gateway.lost) == 1
        last = await world["cy"].send(post.thread_id, f"{ANSWER} (cy)")
        await answers_of(store, post, 2)
        clock.set(REVEAL)
        await bot.jobs.idle()
    rows = await store.answers.for_post(post.id)
    assert sorted(r.message_id for r in rows) == sorted([first.id, lost.id, last.id])
    assert "3 members answered" in reveal_in(world, post.thread_id).text
    points = {s.user_id: s.points for s in await store.scores.top(world.guild.id)}
    assert points[world["ben"].id] == ANSWER_POINTS


async def test_a_reconnect_reads_back_a_reply_lost_between_two_delivered_ones(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    """A post without a thread (Discord refused it) collects replies: the catch-up after a
    reconnect reads the channel since the post, not after the last stored reply."""
    emu = world.emu
    await configure_world(store, world)
    emu.force_429("/threads", retry_after=600)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is None
        [question] = daily_posts(emu, world.channel.id)
        chan = world.channel.id
        first = await world["ana"].send(chan, f"{ANSWER} (ana)", reply_to=question.id)
        emu.lose_events("MESSAGE_CREATE", 1)
        lost = await world["ben"].send(chan, f"{ANSWER} (ben)", reply_to=question.id)
        last = await world["cy"].send(chan, f"{ANSWER} (cy)", reply_to=question.id)
        await answers_of(store, post, 2)
        await bot.daily.backfill()  # what on_resumed and on_ready run
        rows = await answers_of(store, post, 3)
    assert sorted(r.message_id for r in rows) == sorted([first.id, lost.id, last.id])


async def test_a_thread_whose_every_answer_was_deleted_while_away_records_the_deletions(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    """What bounds the reconciliation is when the read began, not the newest message read:
    an empty thread still deletes the answers stored before it."""
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        only = await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
    await world["ana"].delete(post.thread_id, only.id)  # nobody hears it: the bot is down
    clock.advance(hours=1)
    async with start_bot():

        async def deleted() -> bool:
            rows = await store.answers.for_post(post.id, include_deleted=True)
            return rows[0].deleted_at is not None

        await eventually(deleted)
    assert await store.answers.for_post(post.id) == []


async def test_an_answer_after_the_reveal_time_is_stored_but_not_scored(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        on_time = await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
    # The bot is down over the deadline; ben answers an hour late, in the still-open thread.
    clock.set(REVEAL + timedelta(hours=1))
    late = await world["ben"].send(post.thread_id, ANSWER + " (late)")
    async with start_bot() as bot:
        await bot.jobs.idle()
    rows = {r.message_id: r for r in await store.answers.for_post(post.id)}
    assert set(rows) == {on_time.id, late.id}  # stored ...
    assert rows[late.id].created_at > REVEAL
    top = await store.scores.top(world.guild.id)  # ... but not scored, nor counted
    assert [(s.user_id, s.points) for s in top] == [(world["ana"].id, ANSWER_POINTS + FIRST_BONUS)]
    assert "1 member answered" in reveal_in(world, post.thread_id).text


async def test_reveal_now_scores_answers_up_to_now_and_not_after(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
        clock.advance(hours=2)
        revealed: Any = await bot.daily.reveal_now(world.guild.id)
        assert revealed is not None
    after = await stored(store, world.guild.id, TODAY)
    assert after.state == "revealed" and after.reveal_at == NINE + timedelta(hours=2)
    assert "1 member answered" in reveal_in(world, post.thread_id).text


async def test_a_pin_held_in_one_guild_does_not_hold_other_guilds(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world, pin_posts=True)
    other = emu.create_guild("Second group")
    other_channel = other.create_text_channel("daily-question")
    await configure(store, other.id, other_channel.id, other.owner.id, pin_posts=True)
    third = emu.create_guild("Third group")
    third_channel = third.create_text_channel("daily-question")
    await configure(store, third.id, third_channel.id, third.owner.id, time="18:00")
    # Discord sits on the first guild's pin as it would on a 30 s rate limit.
    pin = emu.hold(f"PUT /channels/{world.channel.id}/messages/pins/", seconds=30)
    async with start_bot() as bot:
        clock.set(NINE)
        ticking = bot.loop.create_task(bot.jobs.idle())  # the alarm's run
        try:
            await emu.wait_until(lambda: pin.waiting == 1, what="(the pin was not called)")
            # The second guild posts on time, and an organiser's post-now in a third guild
            # is answered, while the first guild's pin is still held.
            await emu.wait_until(
                lambda: daily_posts(emu, other_channel.id), what="(second guild waited)"
            )
            posted, outcome = await asyncio.wait_for(bot.daily.post_now(third.id), 5)
            assert outcome == "posted" and posted is not None
            assert pin.waiting == 1 and not ticking.done()
        finally:
            pin.release()
            await ticking
    assert len(daily_posts(emu, world.channel.id)) == 1
    assert len(daily_posts(emu, other_channel.id)) == 1
    assert len(daily_posts(emu, third_channel.id)) == 1


async def test_two_runs_revealing_at_once_send_one_reveal_and_award_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    # The per-guild lock is in-process; the claim in the database is what keeps this safe.
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.thread_id is not None
        await world["ana"].send(post.thread_id, ANSWER)
        await answers_of(store, post, 1)
        daily = bot.daily
        twin = type(daily)(daily.store, daily.catalog, daily.publisher, daily.clock, daily.writer)
        clock.set(REVEAL)
        guild_id = world.guild.id
        await asyncio.gather(
            daily.run_guild(guild_id), twin.run_guild(guild_id), twin.reveal_now(guild_id)
        )
        await bot.jobs.idle()
    reveal_in(world, post.thread_id)  # exactly one
    assert (await stored(store, world.guild.id, TODAY)).state == "revealed"
    top = await store.scores.top(world.guild.id)
    assert [(s.user_id, s.points) for s in top] == [(world["ana"].id, ANSWER_POINTS + FIRST_BONUS)]


async def test_a_reveal_claimed_by_another_run_is_left_to_it(store: Store) -> None:
    post, _ = await store.daily.claim(
        guild_id=1,
        local_date=TODAY,
        question_id="cicd-001",
        topic="cicd",
        channel_id=2,
        nonce="n",
        scheduled_for=NINE,
        reveal_at=REVEAL,
        now=NINE,
    )
    await store.daily.mark_posted(post.id, 3, 3, NINE)
    first, second = await asyncio.gather(
        store.daily.claim_reveal(post.id, "run-a", NINE + timedelta(hours=1)),
        store.daily.claim_reveal(post.id, "run-b", NINE + timedelta(hours=1)),
    )
    assert (first is None) != (second is None)
    winner = first or second
    assert winner is not None and winner.reveal_at == NINE + timedelta(hours=1)
    # The winner may retry its own claim; the loser may not take it while the winner runs.
    assert await store.daily.claim_reveal(post.id, winner.reveal_claimed_by or "", REVEAL)
    loser = "run-b" if winner.reveal_claimed_by == "run-a" else "run-a"
    assert await store.daily.claim_reveal(post.id, loser, REVEAL) is None
    # A new run (after a crash) takes it over, keeping the first claim's time.
    assert await store.daily.take_over_reveals("run-c") == 1
    taken = await store.daily.claim_reveal(post.id, "run-c", REVEAL)
    assert taken is not None and taken.reveal_claimed_at == NINE + timedelta(hours=1)
    assert [p.id for p in await store.daily.due_reveals(NINE)] == [post.id]
    assert [p.id for p in await store.daily.due_reveals(NINE, guild_id=1)] == [post.id]
    assert await store.daily.due_reveals(NINE, guild_id=2) == []
    await store.daily.mark_revealed(post.id, REVEAL)
    assert await store.daily.claim_reveal(post.id, "run-c", REVEAL) is None


async def test_a_shard_process_takes_over_only_the_reveals_it_names(store: Store) -> None:
    ids = []
    for guild_id in (1, 2, 3):
        post, _ = await store.daily.claim(
            guild_id=guild_id,
            local_date=TODAY,
            question_id="cicd-001",
            topic="cicd",
            channel_id=guild_id * 10,
            nonce=f"n{guild_id}",
            scheduled_for=NINE,
            reveal_at=REVEAL,
            now=NINE,
        )
        await store.daily.mark_posted(post.id, guild_id * 10 + 1, guild_id * 10 + 2, NINE)
        assert await store.daily.claim_reveal(post.id, f"run-{guild_id}", NINE)
        ids.append(post.id)
    assert await store.daily.take_over_reveals("new-run", []) == 0
    assert await store.daily.take_over_reveals("new-run", [ids[0], ids[2]]) == 2
    owners = [(await store.daily.by_id(i)).reveal_claimed_by for i in ids]  # type: ignore[union-attr]
    assert owners == ["new-run", "run-2", "new-run"]


async def test_members_own_threads_under_the_daily_channel_are_not_answers_and_stay_bounded(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        for i in range(PARKED_THREADS + 10):
            side = world.guild.create_thread(world.channel.id, f"side {i}", owner=world["eve"])
            await world["eve"].send(side.id, "x" * 2000)
        last = await world["ana"].send(post.thread_id or 0, ANSWER)

        async def answer_stored() -> bool:
            return await store.answers.by_message(last.id) is not None

        await eventually(answer_stored)
        assert bot.daily.answers.parked <= PARKED_THREADS
    assert [a.message_id for a in await store.answers.for_post(post.id)] == [last.id]


async def test_a_thread_discord_opened_while_the_call_failed_gets_its_answers_and_the_reveal(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    emu.fail_after(f"POST /channels/{world.channel.id}/messages/", 502)  # the thread call
    async with start_bot() as bot:
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        assert post.state == "posted" and post.thread_id is None  # the bot thinks it has none
        (thread,) = [c for c in emu.world.channels.values() if c.is_thread]
        sent = [await world[n].send(thread.id, f"{ANSWER} ({n})") for n in QUICK]
        clock.set(REVEAL)
        await bot.jobs.idle()
    revealed = await stored(store, world.guild.id, TODAY)
    assert revealed.state == "revealed" and revealed.thread_id == thread.id
    rows = await store.answers.for_post(post.id)
    assert sorted(r.message_id for r in rows) == sorted(m.id for m in sent)
    assert "3 members answered" in reveal_in(world, thread.id).text
    assert emu.channel(thread.id).locked  # type: ignore[union-attr]


async def test_answers_edited_and_deleted_the_instant_the_thread_appears_are_kept_as_left(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    emu = world.emu
    await configure_world(store, world)
    sent: dict[str, Message] = {}
    async with start_bot() as bot:

        def parked(count: int) -> Callable[[], bool]:
            return lambda: bot.daily.answers.parked == count

        async def answer_edit_delete(thread: Channel) -> None:
            # All while the bot still waits for Discord to answer its "create thread" call.
            sent["ana"] = await world["ana"].send(thread.id, "Canary it.")
            await emu.wait_until(parked(1), what="(the bot did not keep ana's answer)")
            await world["ana"].edit(thread.id, sent["ana"].id, ANSWER)
            sent["ben"] = await world["ben"].send(thread.id, ANSWER + " (withdrawn)")
            await world["ben"].delete(thread.id, sent["ben"].id)
            sent["cy"] = await world["cy"].send(thread.id, ANSWER + " (cy)")
            await emu.wait_until(parked(3), what="(the bot did not keep ben's and cy's)")

        emu.on_thread_created(answer_edit_delete)
        clock.set(NINE)
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, TODAY)
        rows = {r.message_id: r for r in await answers_of(store, post, 3)}
        assert rows[sent["ana"].id].content == ANSWER and rows[sent["ana"].id].edit_count == 1
        assert rows[sent["ben"].id].deleted_at is not None
        assert rows[sent["cy"].id].deleted_at is None
        clock.set(REVEAL)
        await bot.jobs.idle()
    assert post.thread_id is not None
    assert "2 members answered" in reveal_in(world, post.thread_id).text
    points = {s.user_id: s.points for s in await store.scores.top(world.guild.id)}
    assert points == {world["ana"].id: ANSWER_POINTS + FIRST_BONUS, world["cy"].id: ANSWER_POINTS}
