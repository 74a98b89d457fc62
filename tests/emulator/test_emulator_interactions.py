"""Interaction callbacks and follow-up webhooks at the protocol level (no discord.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import DriverError, Emulator
from bot.sandbox.emulator.gateway import Session


async def post(session: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, Any]:
    async with session.post(url, json=body) as resp:
        return resp.status, (await resp.json() if resp.status != 204 else None)


async def test_component_deferred_update_then_edit_original(emulator: Emulator) -> None:
    emu = emulator
    guild = emu.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    emu.commands[None] = [{"id": "1", "name": "quiz", "type": 1, "options": []}]
    posted = await guild.owner.send(chan.id, "board")
    posted.components = [{"type": 1, "components": [{"type": 2, "custom_id": "x", "style": 1}]}]
    click = await ana.click(chan.id, posted.id, "x")
    base = f"{emu.api_base}/interactions/{click.id}/{click.token}/callback?with_response=1"
    async with aiohttp.ClientSession() as session:
        status, body = await post(session, base, {"type": 6})
        # No message yet: Discord leaves response_message_id out.
        assert status == 200 and "response_message_id" not in body["interaction"]
        status, body = await post(session, base, {"type": 6})
        assert (status, body["code"]) == (400, 40060)
        hook = f"{emu.api_base}/webhooks/{emu.application_id}/{click.token}/messages/@original"
        async with session.patch(hook, json={"content": "updated"}) as resp:
            assert resp.status == 200
        assert click.message is not None and click.message.content == "updated"
        async with session.delete(hook) as resp:
            assert resp.status == 204
    assert click.message is None
    assert emu.messages(chan.id) == []


async def test_late_first_response_is_unknown_interaction(emulator: Emulator) -> None:
    emu = emulator
    guild = emu.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    emu.commands[None] = [{"id": "1", "name": "quiz", "type": 1, "options": []}]
    inter = await ana.slash("quiz", channel_id=chan.id)
    inter.created_at -= 3.5  # as if the bot took 3.5 s
    url = f"{emu.api_base}/interactions/{inter.id}/{inter.token}/callback"
    async with aiohttp.ClientSession() as session:
        status, body = await post(session, url, {"type": 4, "data": {"content": "late"}})
    assert (status, body["code"]) == (404, 10062)


async def test_mentions_of_the_bot_keep_content_without_the_intent(emulator: Emulator) -> None:
    guild = emulator.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    msg = await ana.send(chan.id, f"<@{emulator.bot_user_id}> help")
    data: dict[str, Any] = {
        "author": {"id": str(ana.id)},
        "guild_id": "1",
        "content": msg.content,
        "mentions": [],
    }
    session = Session("s", intents=1 << 9, shard=None)  # guild messages, no MESSAGE_CONTENT
    stripped = emulator.gateway._filter(session, "MESSAGE_CREATE", data)
    assert stripped["content"] == ""
    data["mentions"] = [{"id": str(emulator.bot_user_id)}]
    kept = emulator.gateway._filter(session, "MESSAGE_CREATE", data)
    assert kept["content"] == msg.content
    assert [u.id for u in msg.mentions] == [emulator.bot_user_id]


async def test_global_limit_and_slow_routes(emulator: Emulator) -> None:
    emu = emulator
    emu.rate_limits(enabled=True, global_limit=(2, 10.0))
    emu.slow("/gateway", 0.2)
    headers = {"Authorization": f"Bot {emu.token}"}
    statuses = []
    async with aiohttp.ClientSession(headers=headers) as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(3):
            async with session.get(emu.api_base + "/gateway") as resp:
                statuses.append(resp.status)
                body = await resp.json()
        assert loop.time() - started >= 0.6
    assert statuses == [200, 200, 429] and body["global"] is True


async def test_modal_submission_is_checked_like_the_client(emulator: Emulator) -> None:
    emu = emulator
    guild = emu.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    emu.commands[None] = [{"id": "1", "name": "answer", "type": 1, "options": []}]
    opened = await ana.slash("answer", channel_id=chan.id)
    text_input = {"type": 4, "custom_id": "answer", "style": 2, "label": "A", "max_length": 10}
    modal = {"custom_id": "m", "title": "t", "components": [{"type": 18, "component": text_input}]}
    opened.response = {"type": 9, "data": modal}
    with pytest.raises(DriverError, match="longer than 10"):
        await ana.submit_modal(opened, {"answer": "x" * 11})
    with pytest.raises(DriverError, match="required"):
        await ana.submit_modal(opened, {})
    with pytest.raises(DriverError, match="no inputs"):
        await ana.submit_modal(opened, {"answer": "ok", "other": "?"})
    submitted = await ana.submit_modal(opened, {"answer": "ok"})
    row = submitted.data["components"][0]
    assert row == {"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "ok"}}
