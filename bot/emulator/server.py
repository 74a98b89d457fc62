"""The Emulator: one aiohttp server on 127.0.0.1 with REST v10, the gateway and attachments."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator import rest
from bot.emulator.driver import GuildHandle, MemberHandle
from bot.emulator.gateway import Gateway
from bot.emulator.perms import bits
from bot.emulator.ratelimit import Bucket, Fault, Faults, Hold, RateLimiter
from bot.emulator.snowflake import SnowflakeFactory
from bot.emulator.state import Channel, Message, User, World
from bot.emulator.wire import BODY, ApiError, Body, json_response, read_body

log = logging.getLogger(__name__)

Json = dict[str, Any]
API_PREFIX = "/api/v10"
__all__ = ["ApiError", "Emulator", "RecordedCall"]


@dataclass
class RecordedCall:
    method: str
    path: str
    route_key: str
    json: Any
    files: list[tuple[str, bytes]]
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    query: dict[str, str] = field(default_factory=dict)


class Emulator:
    """A fake Discord that the real discord.py client can log in to."""

    def __init__(
        self, *, bot_name: str = "drillbot", now: Callable[[], datetime] | None = None
    ) -> None:
        # ``now``: Discord's time (message timestamps, snowflakes); default the wall clock.
        self.ids = SnowflakeFactory(now)
        self.token = "emu." + secrets.token_urlsafe(24)
        self.application_id = self.ids.next()
        bot_user = User(self.application_id, bot_name, bot=True)
        self.bot_user_id = bot_user.id
        self.bot_user = bot_user
        self.world = World(bot_user, self.application_id, self.ids)
        self.owner = self.world.new_user("app-owner")
        self.gateway = Gateway(self)
        self.limiter = RateLimiter()
        self.faults = Faults()
        self.calls: list[RecordedCall] = []
        self.unknown_calls: list[RecordedCall] = []
        self.errors: list[Exception] = []
        self.guild_handles: list[GuildHandle] = []
        self.commands: dict[int | None, list[Json]] = {}
        self.interactions: dict[str, Any] = {}
        self.nonces: dict[tuple[int, str], tuple[float, int]] = {}
        self.nonce_window = 300.0  # seconds Discord remembers a message nonce
        # Called with each new thread before the REST call that made it answers: members
        # who post the instant a thread appears, before the bot hears back.
        self.thread_hooks: list[Callable[[Channel], Awaitable[None]]] = []
        # Called with each call Discord has carried out, before its answer goes back: e.g. the
        # bot's process dies right after Discord took its message.
        self.call_hooks: list[Callable[[RecordedCall], None]] = []
        # Discord kills an interaction token that gets no first response within 3 s.
        self.interaction_deadline = 3.0
        # A guild's cap on active threads (Discord: 1000); lower it to test the fallback.
        self.max_active_threads = 1000
        # What READY advertises for resumes. Discord hands out its own host here, which a bot
        # behind a gateway proxy must ignore; tests set this to check that it does.
        self.resume_gateway_url: str | None = None
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()

    # lifecycle -----------------------------------------------------------------------------
    async def start(self) -> Emulator:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment)
        rest.register(app, self)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        # Bind first so the free port is known without reaching into aiohttp's site.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        return self

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def connected(self) -> bool:
        return self.gateway.connected

    # HTTP plumbing -------------------------------------------------------------------------
    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[..., Any]
    ) -> web.StreamResponse:
        path = request.path
        if not path.startswith(API_PREFIX):
            return await handler(request)  # type: ignore[no-any-return]
        route = request.match_info.route.resource
        template = route.canonical[len(API_PREFIX) :] if route is not None else path
        if route is None or route.canonical == "/{tail}":
            template = "?"
        body = Body()
        call = RecordedCall(request.method, path[len(API_PREFIX) :], "", None, [])
        call.route_key = f"{request.method} {template}"
        call.query = dict(request.query)
        try:
            body = await read_body(request)
            call.json, call.files = body.json, [(n, d) for n, d, _ in body.files]
            request[BODY] = body
            response = await self._guarded(request, handler, call, template)
        except ApiError as err:
            response = json_response({"code": err.code, "message": err.message}, err.status)
        except json.JSONDecodeError:
            response = json_response(
                {"code": 50109, "message": "The request body contains invalid JSON."}, 400
            )
        call.status = response.status
        self.calls.append(call)
        if template == "?":
            self.unknown_calls.append(call)
        self.changed()
        return response

    async def _guarded(
        self, request: web.Request, handler: Callable[..., Any], call: RecordedCall, template: str
    ) -> web.StreamResponse:
        webhookish = template.startswith(("/interactions/", "/webhooks/"))
        if not webhookish and request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, 0, "401: Unauthorized")
        target = f"{call.method} {call.path} {call.route_key}"
        delay = self.faults.delay(target)
        if delay:
            await asyncio.sleep(delay)
        await self.faults.hold(target)
        failure = self.faults.failure(target)
        if failure is not None:
            body = {"code": 0, "message": f"{failure.status}: emulated failure"}
            return json_response(body, failure.status)
        forced = self.faults.rate_limit(target)
        if forced is not None:
            return self._too_many(forced.retry_after, forced.global_, {})
        params = dict(request.match_info)
        verdict = self.limiter.check(call.method, template, params)
        if verdict.retry_after is not None:
            return self._too_many(verdict.retry_after, verdict.is_global, verdict.headers)
        response: web.StreamResponse = await handler(request)
        for key, value in verdict.headers.items():
            response.headers[key] = value
        if response.status < 300:
            for hook in list(self.call_hooks):
                hook(call)
        return response

    def _too_many(
        self, retry_after: float, is_global: bool, headers: dict[str, str]
    ) -> web.Response:
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        extra = {
            **headers,
            "Retry-After": f"{retry_after:.3f}",
            "Via": "1.1 google",
            "X-RateLimit-Scope": "global"
            if is_global
            else headers.get("X-RateLimit-Scope", "user"),
        }
        if is_global:
            extra["X-RateLimit-Global"] = "true"
        return json_response(body, 429, extra)

    async def _unknown(self, request: web.Request) -> web.Response:
        return json_response({"code": 0, "message": "404: Not Found"}, 404)

    async def _attachment(self, request: web.Request) -> web.Response:
        blob = self.world.blobs.get(int(request.match_info["attachment_id"]))
        if blob is None:
            return web.Response(status=404)
        _, data, ctype = blob
        return web.Response(body=data, headers={"Content-Type": ctype})

    # events --------------------------------------------------------------------------------
    def changed(self) -> None:
        """Wake every bounded wait; they re-check their predicate."""
        self._changed.set()
        self._changed = asyncio.Event()

    def emit(self, event: str, data: Json, *, guild: bool = True) -> None:
        """Queue a gateway event for every live session (ordered per connection)."""
        self.gateway.dispatch(event, data, guild=guild)
        self.changed()

    async def dispatch(self, event: str, data: Json, *, guild: bool = True) -> None:
        self.emit(event, data, guild=guild)

    # faults and limits ---------------------------------------------------------------------
    def rate_limits(
        self,
        enabled: bool = True,
        *,
        limits: dict[tuple[str, str], tuple[int, float]] | None = None,
        global_limit: tuple[int, float] | None = None,
    ) -> None:
        """Switch Discord-style buckets on; `limits` overrides (method, route template) ->
        (requests, seconds), e.g. {("POST", "/channels/{channel_id}/messages"): (2, 0.5)}."""
        self.limiter.enabled = enabled
        self.limiter.buckets.clear()
        if limits:
            self.limiter.overrides.update(limits)
        if global_limit:
            self.limiter.global_bucket = Bucket(
                global_limit[0], global_limit[1], global_limit[0], 0.0
            )

    def force_429(
        self, route_substring: str, retry_after: float = 0.1, times: int = 1, global_: bool = False
    ) -> None:
        self.faults.forced_429.append(Fault(route_substring, times, 429, retry_after, global_))

    def fail_next(self, route_substring: str, status: int = 500, times: int = 1) -> None:
        self.faults.failures.append(Fault(route_substring, times, status))

    def slow(self, route_substring: str, seconds: float) -> None:
        if seconds <= 0:
            self.faults.delays.pop(route_substring, None)
        else:
            self.faults.delays[route_substring] = seconds

    def hold(self, route_substring: str, seconds: float | None = None) -> Hold:
        """Sit on matching calls until ``release()`` (or ``seconds``): a slow route, or a
        429 that discord.py waits out, without the test waiting for real."""
        hold = Hold(route_substring, seconds)
        self.faults.holds.append(hold)
        return hold

    def on_thread_created(self, hook: Callable[[Channel], Awaitable[None]]) -> None:
        """Run ``hook(thread)`` as soon as a thread exists, before its creator hears back."""
        self.thread_hooks.append(hook)

    def after_call(self, hook: Callable[[RecordedCall], None]) -> None:
        """Run ``hook(call)`` once Discord carried a call out, before the caller hears back."""
        self.call_hooks.append(hook)

    def lose_events(self, event: str, count: int = 1) -> None:
        """The next ``count`` gateway events of this kind reach no client (a gateway gap
        that no RESUME replays): only the channel's history still has them."""
        self.gateway.losing[event] = self.gateway.losing.get(event, 0) + count

    def forget_nonces(self) -> None:
        """An outage longer than Discord's nonce memory: a reused nonce makes a new message."""
        self.nonces.clear()

    async def drop_gateway(self, resume_ok: bool = True) -> None:
        await self.gateway.drop(resume_ok=resume_ok)
        self.changed()

    # waiting and reading -------------------------------------------------------------------
    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 (driver contract)
        what: str = "",
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"emulator: condition not met within {timeout}s {what}".rstrip())
            event = self._changed
            # Poll too, so predicates on state the emulator does not announce still work.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.01))

    async def wait_for_call(
        self,
        predicate: Callable[[RecordedCall], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (driver contract)
        *,
        since: int = 0,
    ) -> RecordedCall:
        """The first recorded call (from index `since`, e.g. len(emu.calls)) that matches."""

        def find() -> RecordedCall | None:
            return next((c for c in self.calls[since:] if predicate(c)), None)

        found: RecordedCall = await self.wait_until(find, timeout, "(wait_for_call)")
        return found

    async def next_message(
        self,
        channel_id: int,
        *,
        author_id: int | None = None,
        after_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (driver contract)
    ) -> Message:
        """The first message in the channel newer than `after_id` (default: now), optionally
        by one author (e.g. emu.bot_user_id)."""
        floor = after_id if after_id is not None else self.ids.next()

        def find() -> Message | None:
            return next(
                (
                    m
                    for m in self.messages(channel_id)
                    if m.id > floor and (author_id is None or m.author.id == author_id)
                ),
                None,
            )

        found: Message = await self.wait_until(find, timeout, f"(no new message in {channel_id})")
        return found

    def member(self, name: str) -> MemberHandle:
        """A member added with guild.add_member(name), in whichever guild."""
        for handle in self.guild_handles:
            if name in handle.members:
                return handle.members[name]
        raise KeyError(f"no member named {name!r}")

    async def wait_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (driver contract)
        await self.wait_until(
            self.gateway.wait_predicate(), timeout, "(no client IDENTIFYed and got READY)"
        )

    def messages(self, channel_id: int) -> list[Message]:
        return [m for m in self.world.messages.get(channel_id, {}).values() if not m.deleted]

    def message(self, channel_id: int, message_id: int) -> Message | None:
        msg = self.world.messages.get(channel_id, {}).get(message_id)
        return msg if msg is not None else self.world.ephemeral.get(message_id)

    def channel(self, channel_id: int) -> Channel | None:
        return self.world.channel(channel_id)

    def bot_permissions(self, channel_id: int) -> int:
        channel = self.world.channels[channel_id]
        return self.world.permissions(channel, self.bot_user_id)

    def create_guild(self, name: str) -> GuildHandle:
        handle = GuildHandle.create(self, name)
        self.guild_handles.append(handle)
        return handle

    def perm(self, *names: str) -> int:
        return bits(names)
