"""A shard process that starts (or restarts) catches up in its own guilds only: it reads back
the answers of its own open posts, takes over its own half-done reveals and posts or reveals
on a tick in its own guilds, and leaves the other shard process's guilds, threads and reveal
claims alone, however they look in the shared database."""

from __future__ import annotations

import re
from typing import Any

from bot.bank import Bank
from bot.clock import FakeClock
from bot.ops.shards import ShardPlan, shard_of
from bot.sandbox.emulator import Emulator
from bot.storage import Store
from tests.conftest import eventually
from tests.daily.helpers import configure
from tests.daily.test_daily_shards import NINE_BERLIN, shard_bot

LOW, HIGH = ShardPlan(2, 0, 0, sharded=True), ShardPlan(2, 1, 1, sharded=True)
HISTORY = re.compile(r"^/channels/(\d+)/messages$")


async def member_guilds(emulator: Emulator, store: Store, clock: FakeClock) -> list[Any]:
    """Six configured guilds on alternating shards, each with a member: (guild, channel, member)."""
    made = []
    for i in range(6):
        clock.advance(milliseconds=1)  # snowflakes a millisecond apart: alternate shards
        guild = emulator.create_guild(f"group {i}")
        channel = guild.create_text_channel("daily-question")
        owner = guild.add_member(f"owner{i}", permissions=["MANAGE_GUILD"])
        made.append((guild, channel, guild.add_member(f"member{i}")))
        await configure(store, guild.id, channel.id, owner.id)
    assert {shard_of(g.id, 2) for g, _, _ in made} == {0, 1}
    return made


async def post_of(store: Store, guild_id: int) -> Any:
    return await store.daily.get(guild_id, "2026-03-02")


async def test_a_restarted_shard_process_catches_up_in_its_own_guilds_only(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    guilds = await member_guilds(emulator, store, clock)
    ours = [g for g in guilds if LOW.owns(g[0].id)]
    theirs = [g for g in guilds if HIGH.owns(g[0].id)]
    clock.set(NINE_BERLIN)
    async with shard_bot(emulator, store, clock, bank, LOW) as first:
        await first.app.jobs.idle()  # an explicit tick, too, posts in shard 0's guilds only
        await first.app.daily.idle()
        for guild, _, _ in ours:
            await eventually(lambda g=guild: _posted(store, g.id), timeout=10)
        for guild, _, _ in theirs:
            assert await post_of(store, guild.id) is None
    async with shard_bot(emulator, store, clock, bank, HIGH) as second:
        for guild, _, _ in theirs:
            await eventually(lambda g=guild: _posted(store, g.id), timeout=10)
        # Shard 1's process is half-way through a reveal in one of its guilds ...
        busy = await post_of(store, theirs[0][0].id)
        live = second.app.daily.revealer.owner
        assert await store.daily.claim_reveal(busy.id, live, clock.now()) is not None
        # ... and a run of shard 0 that died left one of shard 0's reveals half-done.
        left = await post_of(store, ours[0][0].id)
        assert await store.daily.claim_reveal(left.id, "dead-run", clock.now()) is not None
        # Members answer everywhere while shard 0's process is down; shard 1's stores its own.
        sent = {}
        for guild, _, member in guilds:
            post = await post_of(store, guild.id)
            sent[guild.id] = (await member.send(post.thread_id, f"answer in {guild.name}")).id
        for guild, _, _ in theirs:
            await eventually(lambda g=guild: _stored(store, g.id, sent[g.id]))
        for guild, _, _ in ours:
            assert not await _stored(store, guild.id, sent[guild.id])
        mark = len(emulator.calls)
        async with shard_bot(emulator, store, clock, bank, LOW) as again:
            # Shard 0's replacement reads back the answers given in its guilds meanwhile ...
            for guild, _, _ in ours:
                await eventually(lambda g=guild: _stored(store, g.id, sent[g.id]), timeout=10)
            # ... finishes the reveal its dead predecessor left ...
            await eventually(lambda: _state(store, left.guild_id, "revealed"), timeout=10)
            await again.app.daily.idle()
            await again.app.jobs.idle()
            await again.app.daily.idle()
            # ... and tracks, reads and reveals nothing of shard 1's.
            our_threads = {(await post_of(store, g.id)).thread_id for g, _, _ in ours}
            assert set(again.app.daily.answers.open_threads) <= our_threads
            their_threads = {(await post_of(store, g.id)).thread_id for g, _, _ in theirs}
            read = {int(m[1]) for c in emulator.calls[mark:] if (m := HISTORY.match(c.path))}
            assert _read_histories(emulator.calls[mark:]) and not read & their_threads
            still = await post_of(store, busy.guild_id)
            assert still.state == "posted" and still.reveal_claimed_by == live
            for guild, _, _ in theirs:
                assert (await post_of(store, guild.id)).state == "posted"
        # Shard 1's process finishes its own reveal: its claim was never taken from it.
        assert await second.app.daily.reveal_now(busy.guild_id) is not None
        assert await _state(store, busy.guild_id, "revealed")


def _read_histories(calls: list[Any]) -> bool:
    """The replacement did read thread histories (so the check above is not vacuous)."""
    return any(c.method == "GET" and HISTORY.match(c.path) for c in calls)


async def _posted(store: Store, guild_id: int) -> bool:
    post = await post_of(store, guild_id)
    return post is not None and post.state == "posted" and post.thread_id is not None


async def _state(store: Store, guild_id: int, state: str) -> bool:
    post = await post_of(store, guild_id)
    return post is not None and post.state == state


async def _stored(store: Store, guild_id: int, message_id: int) -> bool:
    post = await post_of(store, guild_id)
    return any(a.message_id == message_id for a in await store.answers.for_post(post.id))
