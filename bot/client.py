"""The commands.Bot subclass that wires everything together. The only discord import in bot/.

Start-up happens in ``setup_hook`` (once), never in ``on_ready`` (again after every
reconnect): store, services, extensions, persistent buttons, scheduler. ``close`` undoes it in
reverse.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.bank import Bank, default_content_dir, load_bank
from bot.catalog import Catalog
from bot.clock import Clock, SystemClock
from bot.config import DISCORD_GATEWAY_URL, Settings
from bot.daily import DailyService
from bot.errors import DrillError
from bot.ingest import AnswerWriter
from bot.jobs import DailyJobs
from bot.storage import Store

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.daily", "cogs.quiz", "cogs.drill")


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True  # privileged: without it answers arrive empty
    return wanted


def point_at(settings: Settings) -> None:
    """Send every REST call (interactions and webhooks included) and the gateway connection
    to the configured endpoints: Discord, a REST proxy, or the emulator. discord.py keeps
    these as class attributes; resumes use READY's resume_gateway_url, which the server sets."""
    discord.http.Route.BASE = settings.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer with a private message whether or not the interaction was answered already."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send an error message for interaction %s", interaction.id)


class DrillTree(app_commands.CommandTree["DrillBot"]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        cause = getattr(error, "original", error)
        if isinstance(cause, DrillError):
            text = str(cause)
        elif isinstance(cause, app_commands.CheckFailure):
            text = str(cause) or "You can't use this command here."
        elif isinstance(cause, app_commands.CommandOnCooldown):
            text = f"Slow down: try again in {cause.retry_after:.0f}s."
        else:
            log.error("app command failed", exc_info=cause)
            text = "Something went wrong; it has been logged."
        await send_ephemeral(interaction, text)


class DrillBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock | None = None,
        bank: Bank | None = None,
        store: Store | None = None,
        sync_commands: bool = True,
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", 30.0)  # long cooldowns raise, not sleep
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            tree_cls=DrillTree,
            help_command=None,
            **options,
        )
        point_at(settings)
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._bank = bank
        self._own_store = store is None
        self._store = store
        self.sync_commands = sync_commands
        self.jobs = DailyJobs(self._tick)
        self.daily: DailyService | None = None  # set by cogs.daily
        self.publisher: Any = None  # set by cogs.daily
        self._background: set[asyncio.Task[Any]] = set()
        self._closing = False

    # Set up in setup_hook; typed accessors keep the cogs honest.
    @property
    def store(self) -> Store:
        assert self._store is not None, "store is opened in setup_hook"
        return self._store

    async def setup_hook(self) -> None:
        if self._store is None:
            self._store = await Store.open(self.settings.db_path)
        bank = self._bank or load_bank([self.settings.content_dir or default_content_dir()])
        self.catalog = Catalog(bank, self.store)
        self.writer = AnswerWriter(self.store)
        self.writer.start()
        for name in EXTENSIONS:
            try:
                await self.load_extension(name)
            except commands.ExtensionNotFound:
                log.info("extension %s not present", name)
            except Exception:
                log.exception("extension %s failed to load", name)
        if self.daily is not None:
            await self.daily.load_open_posts()
        if self.sync_commands:
            await self.tree.sync()
        self.jobs.start()
        await self.reschedule()
        self.clock.subscribe(lambda _now: self._spawn(self._tick()))
        # Everything loaded so far (bank, extensions, discord.py's modules) lives for the whole
        # run: move it out of the collector's sight so full collections stay short.
        gc.freeze()

    async def reschedule(self, guild_id: int | None = None) -> None:
        """Rebuild the cron jobs from the database (after start or a settings change)."""
        self.jobs.sync(await self.store.guilds.configured())
        if guild_id is not None and self.daily is not None:
            self.daily.unblock(guild_id)

    async def _tick(self) -> None:
        if self.daily is None or self._closing:
            return
        try:
            await self.daily.tick()
            for post in await self.store.daily.in_state("posted"):
                if post.reveal_at is not None:
                    self.jobs.reveal_at(post.id, post.reveal_at)
        except asyncio.CancelledError:
            # Shutting down cancels ticks still queued behind the one close() waited for;
            # that is the plan, not a failed job for APScheduler to log.
            if self._closing:
                return
            raise

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def on_message(self, message: discord.Message, /) -> None:
        # drillbot has no prefix commands: skip commands.Bot's parse of every message (the
        # cogs' listeners still see them). It was ~4% of the answer-ingest profile.
        return None

    async def on_connect(self) -> None:
        # READY tells discord.py where to resume (Discord's own host). Behind a gateway proxy
        # or against the emulator, resumes must go where the operator pointed us instead.
        if self.settings.gateway_url != DISCORD_GATEWAY_URL and self.ws is not None:
            self.ws.gateway = yarl.URL(self.settings.gateway_url)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))
        if self.daily is not None:
            # Runs after every (re)connect: answers posted while we were away are read back,
            # and anything that fell due while we were down is posted or revealed.
            await self.daily.backfill()
            await self._tick()

    async def on_resumed(self) -> None:
        if self.daily is not None:
            await self.daily.backfill()

    async def close(self) -> None:
        self._closing = True
        if self.daily is not None:
            # Let a tick that is half-way through a post finish rather than cancel it.
            try:
                async with asyncio.timeout(10):
                    await self.daily.idle()
            except TimeoutError:
                log.warning("closing while a daily tick is still running")
        self.jobs.shutdown()
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await super().close()
        writer = getattr(self, "writer", None)
        if writer is not None:
            await writer.close()
        if self._own_store and self._store is not None:
            await self._store.close()
            self._store = None


def run_bot(settings: Settings) -> int:
    """Run until interrupted (`drillbot run`). Returns the process exit code."""
    token = settings.require_token()

    async def main() -> None:
        async with DrillBot(settings=settings) as bot:
            await bot.start(token.reveal())

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        log.error("Discord refused the token (check DISCORD_TOKEN)")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error("enable the Message Content intent for the bot in the developer portal")
        return 2
    return 0
