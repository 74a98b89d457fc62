"""The hooks the ledger scenarios need: Discord's time from a clock, a held route, a member
faster than the bot, a call carried out before its caller dies or hears an error, forgotten
nonces and lost gateway events. Spoken to directly with aiohttp (no discord.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Channel, Emulator, RecordedCall
from bot.sandbox.emulator.snowflake import snowflake_time

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Api:
    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu, self.session = emu, session

    async def call(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bot {self.emu.token}"}
        url = self.emu.api_base + path
        async with self.session.request(method, url, json=json, headers=headers) as resp:
            return resp.status, (await resp.json(content_type=None) if resp.status != 204 else None)


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(emulator, session)


async def test_discords_time_can_follow_a_clock() -> None:
    now = [T0]
    async with Emulator(now=lambda: now[0]) as emu:
        first = emu.ids.next()
        now[0] = T0 + timedelta(hours=5)
        later = emu.ids.next()
        now[0] = T0  # a clock set back: ids stay strictly increasing
        after = emu.ids.next()
    assert snowflake_time(first) == T0
    assert snowflake_time(later) == T0 + timedelta(hours=5)
    assert after > later


async def test_a_held_route_waits_until_released_and_others_do_not(api: Api) -> None:
    guild = api.emu.create_guild("g")
    held, free = guild.create_text_channel("held"), guild.create_text_channel("free")
    hold = api.emu.hold(f"POST /channels/{held.id}/messages")
    path = f"/channels/{held.id}/messages"
    waiting = asyncio.create_task(api.call("POST", path, {"content": "a"}))
    await api.emu.wait_until(lambda: hold.waiting == 1)
    status, _ = await api.call("POST", f"/channels/{free.id}/messages", {"content": "b"})
    assert status == 200 and not waiting.done() and not api.emu.messages(held.id)
    hold.release()
    assert (await waiting)[0] == 200
    assert hold.waiting == 0 and hold.held == 1 and len(api.emu.messages(held.id)) == 1


async def test_a_hold_with_seconds_lets_go_by_itself(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    hold = api.emu.hold(f"POST /channels/{chan.id}/messages", seconds=0.05)
    status, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "a"})
    assert status == 200 and hold.held == 1


async def test_members_can_answer_before_the_thread_call_returns(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    seen: list[int] = []

    async def answer(thread: Channel) -> None:
        await ana.send(thread.id, "first!")
        seen.append(len(api.emu.messages(thread.id)))

    api.emu.on_thread_created(answer)
    _, msg = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "q"})
    status, thread = await api.call(
        "POST", f"/channels/{chan.id}/messages/{msg['id']}/threads", {"name": "t"}
    )
    assert status == 201 and seen == [1]
    assert [m.content for m in api.emu.messages(int(thread["id"]))] == ["first!"]


async def test_after_call_runs_once_discord_did_the_work(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    taken: list[tuple[str, int]] = []

    def hook(call: RecordedCall) -> None:
        taken.append((call.path, len(api.emu.messages(chan.id))))

    api.emu.after_call(hook)
    await api.call("POST", f"/channels/{chan.id}/messages", {"content": "q"})
    assert taken == [(f"/channels/{chan.id}/messages", 1)]


async def test_fail_after_does_the_work_then_answers_an_error(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    api.emu.fail_after(f"POST /channels/{chan.id}/messages", 502)
    status, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "q"})
    assert status == 502 and len(api.emu.messages(chan.id)) == 1
    status, _ = await api.call("POST", f"/channels/{chan.id}/messages", {"content": "q"})
    assert status == 200 and len(api.emu.messages(chan.id)) == 2


async def test_forgotten_nonces_make_a_second_message(api: Api) -> None:
    guild = api.emu.create_guild("g")
    chan = guild.create_text_channel("c")
    body = {"content": "q", "nonce": "n1", "enforce_nonce": True}
    _, first = await api.call("POST", f"/channels/{chan.id}/messages", body)
    _, again = await api.call("POST", f"/channels/{chan.id}/messages", body)
    assert again["id"] == first["id"]
    api.emu.forget_nonces()
    _, third = await api.call("POST", f"/channels/{chan.id}/messages", body)
    assert third["id"] != first["id"] and len(api.emu.messages(chan.id)) == 2


async def test_lost_events_reach_no_client_but_stay_in_history(emulator: Emulator) -> None:
    guild = emulator.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    emulator.lose_events("MESSAGE_CREATE", 1)
    lost = await ana.send(chan.id, "nobody hears this")
    kept = await ana.send(chan.id, "this one is delivered")
    assert [e["id"] for e in emulator.gateway.lost] == [str(lost.id)]
    assert [m.id for m in emulator.messages(chan.id)] == [lost.id, kept.id]
