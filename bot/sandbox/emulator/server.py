"""The Emulator: one aiohttp server on 127.0.0.1 with REST v10, the gateway and attachments."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, cast

from aiohttp import web

from bot.sandbox.emulator import rest
from bot.sandbox.emulator.access import permissions
from bot.sandbox.emulator.core import API_PREFIX, Core
from bot.sandbox.emulator.driver import GuildHandle, MemberHandle
from bot.sandbox.emulator.gateway import Gateway
from bot.sandbox.emulator.perms import bits
from bot.sandbox.emulator.ratelimit import Bucket, Fault, Faults, Hold, RateLimiter
from bot.sandbox.emulator.state import Message
from bot.sandbox.emulator.wire import BODY, ApiError, Body, json_response, read_body

log = logging.getLogger(__name__)

Json = dict[str, Any]
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
    response: Any = None  # the JSON answered (None: no JSON body), for the contract check


class Emulator(Core):
    """A fake Discord that the real discord.py client can log in to: the shared state and
    event bus of ``Core``, served over HTTP and a websocket, with faults tests can inject."""

    def __init__(
        self, *, bot_name: str = "drillbot", now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(bot_name=bot_name, now=now)
        self.gateway = Gateway(self)
        self.sink = self.gateway
        self.limiter = RateLimiter()
        self.faults = Faults()
        self.calls: list[RecordedCall] = []
        self.unknown_calls: list[RecordedCall] = []
        self.errors: list[Exception] = []
        self.guild_handles: list[GuildHandle] = []
        # Called with each call Discord has carried out, before its answer goes back: e.g. the
        # bot's process dies right after Discord took its message.
        self.call_hooks: list[Callable[[RecordedCall], None]] = []
        self._runner: web.AppRunner | None = None

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
        self.record.close()

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

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
            return await handler(request)
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
            response = json_response(err.body(), err.status)
        except json.JSONDecodeError:
            response = json_response(
                {"code": 50109, "message": "The request body contains invalid JSON."}, 400
            )
        call.status = response.status
        if isinstance(response, web.Response) and response.content_type == "application/json":
            with contextlib.suppress(ValueError, TypeError):
                call.response = json.loads(cast(bytes, response.body))
        self.calls.append(call)
        self.record.call(
            call.method, call.path, call.route_key, call.status, call.json, call.response
        )
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
            done_but = self.faults.failure_after(target)
            if done_but is not None:
                body = {"code": 0, "message": f"{done_but.status}: emulated failure after the fact"}
                return json_response(body, done_but.status)
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

    def fail_after(self, route_substring: str, status: int = 502, times: int = 1) -> None:
        """Carry the call out, then answer with an error (a proxy timing out after Discord
        did the work): the caller cannot tell that it happened."""
        self.faults.failures_after.append(Fault(route_substring, times, status))

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

    def after_call(self, hook: Callable[[RecordedCall], None]) -> None:
        """Run ``hook(call)`` once Discord carried a call out, before the caller hears back."""
        self.call_hooks.append(hook)

    def lose_events(self, event: str, count: int = 1) -> None:
        """The next ``count`` gateway events of this kind reach no client (a gateway gap
        that no RESUME replays): only the channel's history still has them."""
        self.gateway.losing[event] = self.gateway.losing.get(event, 0) + count

    async def drop_gateway(self, resume_ok: bool = True) -> None:
        await self.gateway.drop(resume_ok=resume_ok)
        self.changed()

    # waiting and reading -------------------------------------------------------------------
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

    def bot_permissions(self, channel_id: int) -> int:
        return permissions(self.world, self.world.channels[channel_id], self.bot_user_id)

    def create_guild(self, name: str) -> GuildHandle:
        handle = GuildHandle.create(self, name)
        self.guild_handles.append(handle)
        return handle

    def perm(self, *names: str) -> int:
        return bits(names)
