"""The gateway: a websocket speaking Discord's v10 JSON protocol, optionally zlib-stream."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.ops.shards import shard_of
from bot.sandbox.emulator.core import Core

log = logging.getLogger(__name__)

Json = dict[str, Any]

HEARTBEAT_INTERVAL_MS = 41250
MESSAGE_CONTENT = 1 << 15
# Privileged intents: an application must enable each in the developer portal, or Discord
# closes an IDENTIFY asking for it with 4014 "Disallowed intent(s)".
GUILD_MEMBERS, GUILD_PRESENCES = 1 << 1, 1 << 8
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
# Which intent a dispatch needs (events not listed are always sent).
EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": 1 << 0,
    "CHANNEL_UPDATE": 1 << 0,
    "CHANNEL_CREATE": 1 << 0,
    "CHANNEL_PINS_UPDATE": 1 << 0,
    "THREAD_CREATE": 1 << 0,
    "THREAD_UPDATE": 1 << 0,
    "THREAD_DELETE": 1 << 0,
    "GUILD_MEMBER_UPDATE": 1 << 1,
    "GUILD_MEMBER_ADD": 1 << 1,
    "GUILD_MEMBER_REMOVE": 1 << 1,
    "MESSAGE_CREATE": 1 << 9,
    "MESSAGE_UPDATE": 1 << 9,
    "MESSAGE_DELETE": 1 << 9,
    "MESSAGE_REACTION_ADD": 1 << 10,
    "MESSAGE_REACTION_REMOVE": 1 << 10,
}
DM_INTENTS = {"MESSAGE_CREATE": 1 << 12, "MESSAGE_UPDATE": 1 << 12, "MESSAGE_DELETE": 1 << 12}
CONTENT_KEYS = ("content", "embeds", "attachments", "components")


@dataclass(eq=False)
class Connection:
    """One client socket; a writer task sends queued frames in order."""

    ws: web.WebSocketResponse
    compress: bool
    queue: asyncio.Queue[Json | None] = field(default_factory=asyncio.Queue)
    deflate: zlib._Compress | None = None

    def put(self, payload: Json) -> None:
        self.queue.put_nowait(payload)

    def encode(self, payload: Json) -> bytes | str:
        text = json.dumps(payload)
        if not self.compress:
            return text
        if self.deflate is None:
            self.deflate = zlib.compressobj()
        # One compressor per connection; every frame ends in 00 00 ff ff.
        return self.deflate.compress(text.encode()) + self.deflate.flush(zlib.Z_SYNC_FLUSH)

    async def writer(self) -> None:
        while (payload := await self.queue.get()) is not None:
            if self.ws.closed:
                continue
            frame = self.encode(payload)
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                log.debug("gateway frame dropped: socket closing")


@dataclass
class Session:
    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    log: deque[Json] = field(default_factory=lambda: deque(maxlen=2000))
    conn: Connection | None = None
    alive: bool = True

    def serves(self, guild_id: int | None) -> bool:
        """Discord routes a guild's events to one shard: (guild_id >> 22) % shard_count."""
        shard = self.shard
        if guild_id is None or not isinstance(shard, list) or len(shard) != 2:
            return True
        if not all(isinstance(n, int) for n in shard) or shard[1] < 1:
            return True
        return shard_of(guild_id, shard[1]) == shard[0]


class Gateway:
    def __init__(self, emu: Core) -> None:
        self.emu = emu
        self.sessions: dict[str, Session] = {}
        self.identifies: list[Json] = []
        self.resumes = 0
        self.invalidated = 0
        self.replayed: list[Json] = []
        self.ready_count = 0
        self.resume_ok = True
        self.received: list[Json] = []
        self.losing: dict[str, int] = {}  # event -> how many more to lose (never delivered)
        self.lost: list[Json] = []
        self._conns: set[Connection] = set()
        # IDENTIFYs refused for asking beyond the privileged intents the application enabled
        # (``Core.enabled_intents``), with the intents they asked for.
        self.refused_intents: list[int] = []

    @property
    def connected(self) -> bool:
        return any(s.conn is not None and not s.conn.ws.closed for s in self.sessions.values())

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.alive]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws, request.query.get("compress") == "zlib-stream")
        self._conns.add(conn)
        session: Session | None = None
        writer = asyncio.create_task(conn.writer(), name="emulator-gateway-writer")
        try:
            conn.put({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.received.append(payload)
                session = await self._on_op(conn, payload, session)
        finally:
            conn.queue.put_nowait(None)
            await writer
            self._conns.discard(conn)
            if session is not None and session.conn is conn:
                session.conn = None
                # A clean close (1000/1001) by the client ends the session, as on Discord.
                if ws.close_code in (1000, 1001):
                    session.alive = False
        return ws

    async def _on_op(
        self, conn: Connection, payload: Json, session: Session | None
    ) -> Session | None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            conn.put({"op": 11})
        elif op == 2:
            return await self._identify(conn, data or {})
        elif op == 6:
            return await self._resume(conn, data or {})
        elif op == 8 and session is not None:
            self._members_chunk(session, data or {})
        return session

    async def _identify(self, conn: Connection, data: Json) -> Session | None:
        if data.get("token") != self.emu.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        asked = int(data.get("intents", 0))
        if asked & PRIVILEGED & ~self.emu.enabled_intents:
            self.refused_intents.append(asked)
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        self.identifies.append(data)
        session = Session(secrets.token_hex(16), asked, data.get("shard"))
        self.sessions[session.session_id] = session
        session.conn = conn
        world = self.emu.world
        ready = {
            "v": 10,
            "user": {**world.bot_user.to_dict(), "verified": True, "mfa_enabled": False},
            "guilds": [
                {"id": str(g), "unavailable": True} for g in world.guilds if session.serves(g)
            ],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.resume_gateway_url or self.emu.gateway_url,
            "application": {"id": str(world.application_id), "flags": self.emu.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["drillbot-emulator"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        self._send_event(session, "READY", ready)
        for guild in [g for g in world.guilds.values() if session.serves(g.id)]:
            self._send_event(session, "GUILD_CREATE", world.guild_create(guild))
        self.ready_count += 1
        return session

    async def _resume(self, conn: Connection, data: Json) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if (
            session is None
            or not session.alive
            or not self.resume_ok
            or data.get("token") != self.emu.token
        ):
            if session is not None:
                session.alive = False
            self.invalidated += 1
            self.resume_ok = True  # one refusal per drop_gateway(resume_ok=False)
            conn.put({"op": 9, "d": False})
            return None
        session.conn = conn
        self.resumes += 1
        since = int(data.get("seq") or 0)
        for past in list(session.log):
            if past["s"] > since:
                conn.put(past)
                self.replayed.append(past)
        self._send_event(session, "RESUMED", {"_trace": ["drillbot-emulator"]})
        return session

    def _members_chunk(self, session: Session, data: Json) -> None:
        guild = self.emu.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.user.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.startswith(data["query"])]
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._send_event(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _send_event(self, session: Session, event: str, data: Json) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(payload)
        self.emu.record.event(event, data)
        if session.conn is not None:
            session.conn.put(payload)

    def dispatch(self, event: str, data: Json, *, guild: bool = True) -> None:
        """Send an event to every live session that asked for it (logged for RESUME)."""
        if self.losing.get(event, 0) > 0:
            self.losing[event] -= 1
            self.lost.append(data)
            return
        for session in self.live_sessions():
            table = EVENT_INTENTS if guild else DM_INTENTS
            needed = table.get(event)
            if needed is not None and not session.intents & needed:
                continue
            if guild and not session.serves(_guild_of(event, data)):
                continue
            self._send_event(session, event, self._filter(session, event, data))

    def _filter(self, session: Session, event: str, data: Json) -> Json:
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
            return data
        bot_id = str(self.emu.bot_user_id)
        author = data.get("author", {}).get("id")
        mentioned = any(u.get("id") == bot_id for u in data.get("mentions", []))
        if author == bot_id or mentioned or "guild_id" not in data:
            return data
        stripped = dict(data)
        for key in CONTENT_KEYS:
            if key in stripped:
                stripped[key] = "" if key == "content" else []
        return stripped

    async def drop(self, *, resume_ok: bool = True) -> None:
        """Close every client socket with a resumable code (4000)."""
        self.resume_ok = resume_ok
        for session in self.sessions.values():
            conn, session.conn = session.conn, None
            if conn is not None:
                await conn.ws.close(code=4000, message=b"emulator dropped the connection")

    async def close(self) -> None:
        for conn in list(self._conns):
            await conn.ws.close(code=1001, message=b"emulator shutting down")

    def wait_predicate(self) -> Callable[[], bool]:
        return lambda: self.ready_count > 0 and self.connected


def _guild_of(event: str, data: Json) -> int | None:
    raw = data.get("id") if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") else None
    raw = data.get("guild_id", raw)
    return int(raw) if raw is not None and str(raw).isdigit() else None
