"""A member's message in an open daily thread goes to the answer path as Discord sent it,
without discord.py's Message (issue 25); everything else still goes through discord.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import MappingProxyType, SimpleNamespace
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.clock import FakeClock
from bot.storage import Store
from cogs import answer_payload
from cogs.answer_payload import raw_history, raw_name, shortcut_missing
from tests.conftest import BotFactory, World, eventually
from tests.daily.helpers import ANSWER, configure_world, stored

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def cached(bot: Any, message_id: int) -> bool:
    return any(m.id == message_id for m in bot.cached_messages)


async def test_a_thread_answer_is_stored_without_discord_py_building_a_message(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, "2026-03-02")
        assert post.thread_id is not None
        answer = await world["ana"].send(post.thread_id, ANSWER)
        chatter = await world["ben"].send(world.channel.id, "Lunch anyone?")  # not an answer
        (row,) = await eventually(lambda: store.answers.for_post(post.id))
        await eventually(lambda: cached(bot, chatter.id))  # discord.py parsed the chatter
        assert not cached(bot, answer.id)  # and built nothing for the answer
        thread = bot.get_channel(post.thread_id)
        assert isinstance(thread, discord.Thread) and thread.last_message_id == answer.id
    assert (row.message_id, row.user_id, row.content) == (answer.id, world["ana"].id, ANSWER)
    assert row.created_at == discord.utils.snowflake_time(answer.id)
    assert await store.web.names(world.guild.id, [world["ana"].id]) == {world["ana"].id: "ana"}


async def test_while_someone_waits_for_a_message_the_answer_goes_through_discord_py_once(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, "2026-03-02")
        waiter = asyncio.ensure_future(
            bot.wait_for("message", check=lambda m: m.channel.id == post.thread_id, timeout=5)
        )
        await asyncio.sleep(0)  # the waiter is registered
        first = await world["ana"].send(post.thread_id, ANSWER)
        seen = await waiter
        second = await world["ben"].send(post.thread_id, ANSWER)  # nobody waits: the short cut
        rows = await eventually(lambda: _at_least(store.answers.for_post(post.id), 2), timeout=5)
        assert cached(bot, first.id) and not cached(bot, second.id)
    assert seen.id == first.id
    assert [r.message_id for r in rows] == [first.id, second.id]  # each stored once


async def _at_least(rows: Any, count: int) -> Any:
    found = await rows
    return found if len(found) >= count else None


def test_the_payload_reads_as_discord_py_reads_the_message() -> None:
    author = {"id": "7", "username": "ana_b", "global_name": "Ana B", "bot": False}
    data: dict[str, Any] = {
        "id": "1234567890123456789",
        "channel_id": "5",
        "guild_id": "3",
        "author": author,
        "member": {"nick": None, "roles": []},
        "content": "Canary it.",
        "edited_timestamp": None,
        "message_reference": {"message_id": "99", "channel_id": "5"},
    }
    msg = raw_history(data)
    assert (msg.message_id, msg.user_id, msg.is_bot, msg.content) == (
        1234567890123456789, 7, False, "Canary it."
    )  # fmt: skip
    assert msg.created_at == discord.utils.snowflake_time(1234567890123456789)
    assert (msg.edited_at, msg.reply_to) == (None, 99)
    # Member.display_name: the nickname, else the global name, else the username.
    assert raw_name(data) == "Ana B"
    assert raw_name({**data, "member": {"nick": "Anna"}}) == "Anna"
    assert raw_name({**data, "author": {**author, "global_name": None}}) == "ana_b"
    edited = raw_history({**data, "edited_timestamp": "2026-03-02T08:05:00+00:00"})
    assert edited.edited_at == datetime(2026, 3, 2, 8, 5, tzinfo=UTC)


class _Watcher(commands.Cog):
    def __init__(self) -> None:
        self.events: list[str] = []

    @commands.Cog.listener()
    async def on_socket_event_type(self, event: str) -> None:
        self.events.append(event)


async def test_gateway_event_types_still_reach_a_listening_cog_and_a_waiter(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, "2026-03-02")
        assert post.thread_id is not None
        watcher = _Watcher()
        await bot.add_cog(watcher)
        waiting = asyncio.ensure_future(bot.wait_for("socket_event_type", timeout=5))
        await asyncio.sleep(0)
        await world["ben"].send(post.thread_id, ANSWER)
        assert await waiting == "MESSAGE_CREATE"
        await eventually(lambda: "MESSAGE_CREATE" in watcher.events)


async def test_without_the_internals_it_needs_the_cog_leaves_messages_to_discord_py(
    world: World,
    store: Store,
    start_bot: BotFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As with a discord.py that moved an internal the short cut uses (cogs.daily asks
    # answer_payload.shortcut_missing when it loads).
    monkeypatch.setattr(answer_payload, "shortcut_missing", lambda bot: "Client._listeners")
    await configure_world(store, world)
    clock.set(NINE)
    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, "2026-03-02")
        assert post.thread_id is not None
        answer = await world["ana"].send(post.thread_id, ANSWER)
        (row,) = await eventually(lambda: store.answers.for_post(post.id))
        assert cached(bot, answer.id)  # discord.py's own path
    assert (row.message_id, row.user_id, row.content) == (answer.id, world["ana"].id, ANSWER)
    assert "discord.py has no Client._listeners" in caplog.text


def test_what_the_short_cut_needs_of_discord_py_is_checked_piece_by_piece() -> None:
    async def parse(data: Any) -> None: ...

    state = SimpleNamespace(
        parsers={"MESSAGE_CREATE": parse}, _get_guild_channel=parse, store_user=parse
    )
    bot = SimpleNamespace(_connection=state, _schedule_event=parse, _listeners={})
    assert shortcut_missing(bot) is None
    assert shortcut_missing(SimpleNamespace()) == "ConnectionState.parsers['MESSAGE_CREATE']"
    frozen = SimpleNamespace(**{**vars(state), "parsers": MappingProxyType(state.parsers)})
    assert shortcut_missing(SimpleNamespace(**{**vars(bot), "_connection": frozen})) == (
        "ConnectionState.parsers['MESSAGE_CREATE']"
    )
    del state.store_user
    assert shortcut_missing(bot) == "ConnectionState.store_user"
    state.store_user = parse
    bot._listeners = None
    assert shortcut_missing(bot) == "Client._listeners"


async def test_an_answer_starts_no_task_and_closing_waits_for_its_commit(
    world: World, store: Store, start_bot: BotFactory, clock: FakeClock
) -> None:
    await configure_world(store, world)
    clock.set(NINE)
    started: list[str] = []
    entered, release = asyncio.Event(), asyncio.Event()
    record = store.answers.record

    async def held(answers: Any) -> int:
        entered.set()
        await release.wait()
        return await record(answers)

    async with start_bot() as bot:
        await bot.jobs.idle()
        post = await stored(store, world.guild.id, "2026-03-02")
        assert post.thread_id is not None
        schedule = bot._schedule_event

        def counted(coro: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            started.append(getattr(coro, "__name__", name))
            return schedule(coro, name, *args, **kwargs)

        bot._schedule_event = counted  # type: ignore[method-assign]
        await world["ana"].send(post.thread_id, "First.")
        await eventually(lambda: store.answers.for_post(post.id))
        await eventually(lambda: started == ["_tell_kept"])  # her first: is a freeze untold?
        await world["ana"].send(post.thread_id, "Second.")
        await eventually(lambda: _at_least(store.answers.for_post(post.id), 2))
        assert started == ["_tell_kept"]  # nothing for the second: no task, no read

        store.answers.record = held  # type: ignore[method-assign]
        last = await world["ben"].send(post.thread_id, ANSWER)
        await asyncio.wait_for(entered.wait(), timeout=5)
        closing = asyncio.create_task(bot.close())
        try:
            await eventually(lambda: bot.stopping == "listeners")
            await asyncio.sleep(0.05)
            assert not closing.done()  # the store stays open for the answer being committed
        finally:
            release.set()
        await asyncio.wait_for(closing, timeout=10)
    rows = await store.answers.for_post(post.id)
    assert rows[-1].message_id == last.id
    assert await store.web.names(world.guild.id, [world["ben"].id]) == {world["ben"].id: "ben"}
