"""A bot running against the emulator on an event loop in a thread of its own, so that
synchronous property tests (hypothesis) can drive many interactions through one connection."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.app import build_app
from bot.bank import Bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.storage import open_store
from tests.conftest import START
from tests.support.backends import url_settings
from tests.support.discord_harness import connected

T = TypeVar("T")
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


class LiveBot:
    """``run(coro)`` runs a coroutine on the bot's loop and returns its result."""

    def __init__(self, db: str, bank: Bank) -> None:
        """``db`` is what ``DRILLBOT_DB`` would say: a SQLite path or a postgresql:// URL."""
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._db, self._bank = db, bank
        self._stack: list[Any] = []
        self.run(self._open())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _open(self) -> None:
        self.clock = FakeClock(START)
        self.emu = Emulator(now=self.clock.now)
        await self.emu.__aenter__()
        self._stack.append(self.emu)
        self.guild = self.emu.create_guild("Bad input")
        self.channel = self.guild.create_text_channel("daily-question")
        self.role = self.guild.create_role("organisers")
        self.owner = self.guild.add_member("olga", permissions=["MANAGE_GUILD"])
        self.member = self.guild.add_member("ana")
        self.store = await open_store(self._db)
        await self.store.guilds.update(
            self.guild.id, self.owner.id, START, channel_id=self.channel.id
        )
        settings = Settings(
            token=Secret(self.emu.token),
            **url_settings(self._db),
            api_base=self.emu.api_base,
            gateway_url=self.emu.gateway_url,
        )
        app = await build_app(settings, self.clock, bank=self._bank, store=self.store)
        self.bot = DrillBot(app=app, guild_ready_timeout=0.05)
        self._connection = connected(self.bot, self.emu, timeout=30)
        await self._connection.__aenter__()

    async def _close(self) -> None:
        await self._connection.__aexit__(None, None, None)
        await self.store.close()
        await self.emu.__aexit__(None, None, None)
        # Views' timeout timers and the like: cancelled, not left pending on a closed loop.
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def close(self) -> None:
        try:
            self.run(self._close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()

    def leaf_commands(self) -> dict[str, list[dict[str, Any]]]:
        """Every slash command and subcommand the bot registered, with its options."""
        found: dict[str, list[dict[str, Any]]] = {}

        def walk(prefix: str, options: list[dict[str, Any]]) -> None:
            subs = [o for o in options if o["type"] in (1, 2)]
            if not subs:
                found[prefix] = options
            for sub in subs:
                walk(f"{prefix} {sub['name']}", sub.get("options") or [])

        for scope in list(self.emu.commands):
            for command in self.emu.commands[scope]:
                if command.get("type", 1) == 1:
                    walk(command["name"], command.get("options") or [])
        return found
