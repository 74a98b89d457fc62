"""Two real bot processes, one PostgreSQL, 20 guilds split between them by shard, members
answering throughout. Shard 0's process is SIGKILLed right after Discord took its first post,
restarted, SIGKILLed again while members answer, and restarted after the reveal time; members
keep answering while it is down. In the end every guild has exactly one post, every answer is
stored exactly once, and every guild is revealed exactly once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.ops.shards import shard_of
from bot.sandbox.emulator import Emulator
from bot.storage import DailyPost, Store, open_store
from tests.conftest import eventually
from tests.daily.helpers import all_posts, configure, daily_posts
from tests.daily.killable import Killer, bot_process, never, set_clock

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the guilds' post time
TODAY = "2026-03-02"
REVEAL_AFTER = 60  # minutes
COUNT = 2
WAIT = 60.0  # seconds for what two processes on a shared machine do
pytestmark = pytest.mark.timeout(240)  # four processes import discord.py on a shared machine


async def make_groups(emulator: Emulator, store: Store, clock: FakeClock) -> list[Any]:
    """20 guilds on alternating shards: (guild, channel, two members), revealed after 1 h."""
    groups = []
    for i in range(20):
        clock.advance(milliseconds=1)  # snowflakes a millisecond apart: alternate shards
        guild = emulator.create_guild(f"group {i}")
        channel = guild.create_text_channel("daily-question")
        owner = guild.add_member(f"owner{i}", permissions=["MANAGE_GUILD"])
        members = [guild.add_member(f"member{i}{k}") for k in "ab"]
        await configure(store, guild.id, channel.id, owner.id, reveal_after_minutes=REVEAL_AFTER)
        groups.append((guild, channel, members))
    return groups


async def post_of(store: Store, guild_id: int) -> DailyPost | None:
    return await store.daily.get(guild_id, TODAY)


async def all_in_state(store: Store, groups: Iterable[Any], state: str) -> bool:
    for guild, _, _ in groups:
        post = await post_of(store, guild.id)
        if post is None or post.state != state or post.thread_id is None:
            return False
    return True


class Answers:
    """What the members sent, per guild, and whether the database holds each exactly once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sent: dict[int, list[int]] = {}

    async def send(self, groups: Iterable[Any], when: str) -> None:
        for guild, _, members in groups:
            post = await post_of(self.store, guild.id)
            assert post is not None and post.thread_id is not None
            for member in members:
                text = f"{member.name}'s answer, {when}: canary first, then a full rollout."
                message = await member.send(post.thread_id, text)
                self.sent.setdefault(guild.id, []).append(message.id)

    async def stored(self, guild_id: int) -> list[int]:
        post = await post_of(self.store, guild_id)
        assert post is not None
        return [a.message_id for a in await self.store.answers.for_post(post.id)]

    async def all_stored(self) -> bool:
        for guild_id, sent in self.sent.items():
            if sorted(await self.stored(guild_id)) != sorted(sent):
                return False
        return True


async def test_two_shard_processes_on_postgres_survive_sigkills_losing_no_post_answer_or_reveal(
    emulator: Emulator, clock: FakeClock, pg_url: str, tmp_path: Path
) -> None:
    store = await open_store(pg_url)
    try:
        groups = await make_groups(emulator, store, clock)
        clock.set(NINE)
        by_shard = [[g for g in groups if shard_of(g[0].id, COUNT) == s] for s in range(COUNT)]
        assert all(len(by_shard[s]) >= 5 for s in range(COUNT))
        answers = Answers(store)
        paths = {f"/channels/{c.id}/messages" for _, c, _ in by_shard[0]}
        first_post = Killer(lambda call: call.method == "POST" and call.path in paths)
        second, second_clock = Killer(never), tmp_path / "shard1.clock"
        async with bot_process(emulator, pg_url, NINE, second, (COUNT, 1, 1), second_clock):
            # Shard 0's process dies right after its first post reached Discord.
            async with bot_process(emulator, pg_url, NINE, first_post, (COUNT, 0, 0)):
                pass
            await eventually(lambda: all_in_state(store, by_shard[1], "posted"), WAIT)
            await answers.send(by_shard[1], "while shard 0 is down")
            # Its replacement posts the rest and adopts the post it never stored.
            emulator.forget_nonces()
            clock.set(NINE + timedelta(minutes=20))
            replacement = Killer(never)
            async with bot_process(emulator, pg_url, clock.now(), replacement, (COUNT, 0, 0)):
                await eventually(lambda: all_in_state(store, by_shard[0], "posted"), WAIT)
                await answers.send(groups, "with both up")
                await eventually(answers.all_stored, WAIT)
                await answers.send(by_shard[0], "as shard 0 dies")
                replacement.kill_now()  # with answers on their way to the database
            await answers.send(groups, "while shard 0 is down again")
            # Past the reveal time: shard 1's process reveals on its own; shard 0's next
            # replacement reads back what it missed, then reveals.
            clock.set(NINE + timedelta(minutes=REVEAL_AFTER + 10))
            set_clock(second, second_clock, clock.now())
            last = Killer(never)
            async with bot_process(emulator, pg_url, clock.now(), last, (COUNT, 0, 0)):
                await eventually(lambda: all_in_state(store, groups, "revealed"), WAIT)
                last.kill_now()
            second.kill_now()
        killed_in = int(first_post.killed[0].path.split("/")[2])
        for guild, channel, members in groups:
            assert len(daily_posts(emulator, channel.id)) == 1, guild.name
            (row,) = await all_posts(store, guild.id)
            assert row.state == "revealed" and row.thread_id is not None, guild.name
            if channel.id == killed_in:
                assert row.message_id == daily_posts(emulator, channel.id)[0].id  # adopted
            stored = await answers.stored(guild.id)
            assert sorted(stored) == sorted(answers.sent[guild.id]), guild.name  # once each
            assert len(stored) == 6  # two members, three rounds each
            revealed = [
                m for m in emulator.messages(row.thread_id) if "What they're testing" in m.text
            ]
            assert len(revealed) == 1, guild.name
            for member in members:  # scored once: one answered post on the board each
                scopes = await store.boards.member_scopes(guild.id, member.id)
                assert scopes["all"][1] == 1, (guild.name, member.name)
    finally:
        await store.close()
