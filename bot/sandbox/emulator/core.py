"""The emulated Discord's shared state and event bus, below every protocol module.

Layers, each importing only those below it: ``perms`` (permission bits), ``record`` (what was
sent, for the contract check) and ``snowflake`` ->
``state`` (users, guilds, channels, messages) -> ``access`` (who may do what) -> ``core`` ->
the protocol modules (``gateway``, ``interactions``, ``rest_messages``, ``rest_interactions``,
``rest``, ``driver``) -> ``server`` (the HTTP server and the ``Emulator`` tests use).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from bot.sandbox.emulator.record import Recorder
from bot.sandbox.emulator.snowflake import SnowflakeFactory
from bot.sandbox.emulator.state import Channel, Message, User, World

Json = dict[str, Any]
API_PREFIX = "/api/v10"


class EventSink(Protocol):
    """Where events go out (the gateway): ordered per connection."""

    def dispatch(self, event: str, data: Json, *, guild: bool = True) -> None: ...


# Privileged intent -> the application flag that says it is enabled (the "limited" flags: an
# app in fewer than 100 servers that has switched it on in the portal): presences, server
# members, message content.
APPLICATION_FLAGS = {1 << 8: 1 << 13, 1 << 1: 1 << 15, 1 << 15: 1 << 19}


class Core:
    """Discord's state as the protocol modules see it, and the bus their events go out on."""

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
        self.sink: EventSink | None = None
        self.commands: dict[int | None, list[Json]] = {}
        # Command name -> (field, reason): the command upload is refused as Discord refuses
        # an invalid command (400, 50035, errors keyed by the command's index).
        self.refused_commands: dict[str, tuple[str, str]] = {}
        self.interactions: dict[str, Any] = {}
        # Servers the bot is not in, where members use the app installed to themselves
        # (bot/sandbox/emulator/contexts.py).
        self.elsewhere: dict[int, Any] = {}
        # The privileged intents the application has enabled in the developer portal
        # (bot/sandbox/emulator/gateway.py: PRIVILEGED; all unless a test turns one off).
        self.enabled_intents = sum(APPLICATION_FLAGS)
        self.nonces: dict[tuple[int, str], tuple[float, int]] = {}
        self.nonce_window = 300.0  # seconds Discord remembers a message nonce
        # Called with each new thread before the REST call that made it answers: members
        # who post the instant a thread appears, before the bot hears back.
        self.thread_hooks: list[Callable[[Channel], Awaitable[None]]] = []
        # Discord kills an interaction token that gets no first response within 3 s.
        self.interaction_deadline = 3.0
        # A guild's cap on active threads (Discord: 1000); lower it to test the fallback.
        self.max_active_threads = 1000
        # What READY advertises for resumes. Discord hands out its own host here, which a bot
        # behind a gateway proxy must ignore; tests set this to check that it does.
        self.resume_gateway_url: str | None = None
        self.port = 0
        # Every REST answer and gateway dispatch, for the contract check (record.py).
        self.record = Recorder()
        self._changed = asyncio.Event()

    @property
    def application_flags(self) -> int:
        """The application's flags, as READY and GET /applications/@me report them."""
        enabled = self.enabled_intents
        return sum(flag for intent, flag in APPLICATION_FLAGS.items() if intent & enabled)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # events --------------------------------------------------------------------------------
    def changed(self) -> None:
        """Wake every bounded wait; they re-check their predicate."""
        self._changed.set()
        self._changed = asyncio.Event()

    def emit(self, event: str, data: Json, *, guild: bool = True) -> None:
        """Queue a gateway event for every live session (ordered per connection)."""
        if self.sink is not None:
            self.sink.dispatch(event, data, guild=guild)
        self.changed()

    async def dispatch(self, event: str, data: Json, *, guild: bool = True) -> None:
        self.emit(event, data, guild=guild)

    def on_thread_created(self, hook: Callable[[Channel], Awaitable[None]]) -> None:
        """Run ``hook(thread)`` as soon as a thread exists, before its creator hears back."""
        self.thread_hooks.append(hook)

    def forget_nonces(self) -> None:
        """An outage longer than Discord's nonce memory: a reused nonce makes a new message."""
        self.nonces.clear()

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

    def messages(self, channel_id: int) -> list[Message]:
        return [m for m in self.world.messages.get(channel_id, {}).values() if not m.deleted]

    def message(self, channel_id: int, message_id: int) -> Message | None:
        msg = self.world.messages.get(channel_id, {}).get(message_id)
        return msg if msg is not None else self.world.ephemeral.get(message_id)

    def channel(self, channel_id: int) -> Channel | None:
        return self.world.channel(channel_id)
