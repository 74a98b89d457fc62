"""Interactions from a DM and from a server where the app is installed to the member only, at
the protocol level: what Discord offers there, what it sends, and what it refuses."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator.contexts import NotOffered, create_elsewhere
from bot.sandbox.emulator.state import EPHEMERAL

ANYWHERE = {"id": "1", "name": "quiz", "type": 1, "options": [], "contexts": [0, 1, 2],
            "integration_types": [0, 1]}  # fmt: skip
SERVER = {"id": "2", "name": "drill", "type": 1, "options": [], "contexts": [0],
          "integration_types": [0]}  # fmt: skip


async def post(session: aiohttp.ClientSession, url: str, body: Any, **kw: Any) -> tuple[int, Any]:
    async with session.post(url, json=body, **kw) as resp:
        return resp.status, (await resp.json() if resp.status != 204 else None)


async def test_a_dm_and_a_server_without_the_bot_send_what_discord_sends(
    emulator: Emulator,
) -> None:
    emu = emulator
    ana = emu.create_guild("home").add_member("ana")
    emu.commands[None] = [ANYWHERE, SERVER]
    in_dm = await ana.slash_in_dm("quiz")
    assert in_dm.context == 1 and in_dm.guild_id == 0 and in_dm.owners == {"1": str(ana.id)}
    elsewhere = create_elsewhere(emu, "Book club")
    there = await ana.slash_elsewhere(elsewhere, "quiz")
    assert there.context == 0 and there.guild_id == elsewhere.id
    assert there.owners == {"1": str(ana.id)}
    with pytest.raises(NotOffered, match="not offered in a DM"):
        await ana.slash_in_dm("drill")
    with pytest.raises(NotOffered, match="through a user install"):
        await ana.slash_elsewhere(elsewhere, "drill")


async def test_a_user_install_gets_five_follow_ups_private_replies_and_no_channel(
    emulator: Emulator,
) -> None:
    emu = emulator
    ana = emu.create_guild("home").add_member("ana")
    emu.commands[None] = [ANYWHERE]
    elsewhere = create_elsewhere(emu, "Book club", external_replies_private=True)
    inter = await ana.slash_elsewhere(elsewhere, "quiz")
    callback = f"{emu.api_base}/interactions/{inter.id}/{inter.token}/callback"
    hook = f"{emu.api_base}/webhooks/{emu.application_id}/{inter.token}?wait=1"
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as session:
        status, _ = await post(session, callback, {"type": 4, "data": {"content": "public?"}})
        assert status == 204
        assert inter.message is not None and inter.message.flags & EPHEMERAL  # forced private
        for n in range(5):
            status, _ = await post(session, hook, {"content": f"follow-up {n}"})
            assert status == 200
        status, body = await post(session, hook, {"content": "one too many"})
        assert status == 400 and "at most 5 follow-ups" in body["message"]
        channel = f"{emu.api_base}/channels/{elsewhere.channel.id}/messages"
        status, body = await post(session, channel, {"content": "hello"}, headers=headers)
        assert status in (403, 404)
    assert all(m.flags & EPHEMERAL for m in inter.followups)


async def test_command_reach_is_validated_on_sync(emulator: Emulator) -> None:
    emu = emulator
    url = f"{emu.api_base}/applications/{emu.application_id}/commands"
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as session:
        for bad in ({"contexts": []}, {"contexts": [0, 0]}, {"integration_types": [2]}):
            body = [{"name": "quiz", "description": "q", **bad}]
            async with session.put(url, json=body, headers=headers) as resp:
                assert resp.status == 400, bad
        ok = [{"name": "quiz", "description": "q", "contexts": [0, 1], "integration_types": [1]}]
        async with session.put(url, json=ok, headers=headers) as resp:
            assert resp.status == 200
            [stored] = await resp.json()
    assert stored["contexts"] == [0, 1] and stored["integration_types"] == [1]
