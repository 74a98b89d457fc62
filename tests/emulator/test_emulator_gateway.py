"""The gateway protocol spoken by hand: HELLO, IDENTIFY, zlib-stream, op 8, RESUME."""

from __future__ import annotations

import json
import zlib
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.sandbox.emulator import Emulator
from tests.support.discord_harness import connected

ZLIB_SUFFIX = b"\x00\x00\xff\xff"


class Socket:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self.inflate = zlib.decompressobj() if compressed else None

    async def recv(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=5)
        if self.inflate is not None:
            assert msg.type is aiohttp.WSMsgType.BINARY
            assert msg.data.endswith(ZLIB_SUFFIX)
            return json.loads(self.inflate.decompress(msg.data))  # type: ignore[no-any-return]
        assert msg.type is aiohttp.WSMsgType.TEXT
        return json.loads(msg.data)  # type: ignore[no-any-return]

    async def until(self, event: str) -> dict[str, Any]:
        while True:
            payload = await self.recv()
            if payload.get("t") == event:
                return payload


async def test_zlib_stream_identify_ready_guilds_and_member_chunk(emulator: Emulator) -> None:
    guild = emulator.create_guild("g")
    guild.add_member("ana")
    url = emulator.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        sock = Socket(ws, compressed=True)
        hello = await sock.recv()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 1, "d": None})
        assert (await sock.recv())["op"] == 11
        identify = {"token": emulator.token, "intents": 1 | 2, "properties": {}}
        await ws.send_json({"op": 2, "d": identify})
        ready = await sock.recv()
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["resume_gateway_url"] == emulator.gateway_url
        assert ready["d"]["guilds"] == [{"id": str(guild.id), "unavailable": True}]
        created = await sock.recv()
        assert created["t"] == "GUILD_CREATE" and created["d"]["id"] == str(guild.id)
        await emulator.wait_ready(timeout=2)
        await ws.send_json({"op": 8, "d": {"guild_id": str(guild.id), "query": "", "limit": 0}})
        chunk = await sock.until("GUILD_MEMBERS_CHUNK")
        names = {m["user"]["username"] for m in chunk["d"]["members"]}
        assert {"ana", emulator.bot_user.username} <= names
    assert emulator.gateway.identifies[0]["intents"] == 3


async def test_resume_of_unknown_session_is_invalid_session(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(emulator.gateway_url) as ws:
        sock = Socket(ws, compressed=False)
        await sock.recv()
        await ws.send_json({"op": 6, "d": {"token": emulator.token, "session_id": "x", "seq": 3}})
        assert await sock.recv() == {"op": 9, "d": False}


async def test_bad_token_closes_with_4004(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(emulator.gateway_url) as ws:
        await ws.receive(timeout=5)
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0}})
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4004


class QuickReidentifyBot(commands.Bot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before a re-IDENTIFY; nothing to protect here."""


async def test_failed_resume_reidentifies_and_loses_the_missed_event(emulator: Emulator) -> None:
    guild = emulator.create_guild("g")
    chan = guild.create_text_channel("c")
    ana = guild.add_member("ana")
    seen: list[str] = []
    intents = discord.Intents(guilds=True, guild_messages=True, message_content=True)
    bot = QuickReidentifyBot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    async with connected(bot, emulator):
        await emulator.drop_gateway(resume_ok=False)
        await ana.send(chan.id, "lost")
        await emulator.wait_until(lambda: len(emulator.gateway.identifies) == 2, timeout=10)
        await emulator.wait_ready()
        await ana.send(chan.id, "after")
        await emulator.wait_until(lambda: "after" in seen)
    assert "lost" not in seen
    assert emulator.gateway.invalidated == 1
