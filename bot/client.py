"""The commands.Bot subclass that wires everything together. The only discord import in bot/.

The services come ready-built from the composition root (bot/app.py). Start-up happens in
``setup_hook`` (once), never in ``on_ready`` (again after every reconnect): the app, the
extensions (their persistent buttons), command sync, the schedule. ``close`` undoes it in
reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.app import App
from bot.bank.catalog import Catalog
from bot.clock import Clock
from bot.daily.service import DailyService
from bot.errors import CommandSyncRefused, DrillError
from bot.jobs import Dispatcher
from bot.ops.config import DISCORD_GATEWAY_URL, Settings
from bot.storage import Store
from cogs import anywhere
from cogs.render import refusal

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.daily", "cogs.quiz", "cogs.drill", "cogs.leaderboard", "cogs.stats", "cogs.mock",
    "cogs.plan", "cogs.gaps", "cogs.blind", "cogs.digest", "cogs.web", "cogs.help",
    "cogs.remind", "cogs.checklist",
)  # fmt: skip
AUTOCOMPLETE = 4  # interaction type
RESTARTING = "The bot is restarting: nothing was changed. Try again in a minute."
SHUTDOWN_GRACE = 10.0  # seconds in-flight interactions get to finish when the bot stops
_COG_ONLY = frozenset({"message", "socket_event_type"})  # events DrillBot's own on_* never take


_BUTTON_ONLY = (
    ": running without it, answers come by the Answer button only (turn the intent on in the "
    "developer portal and restart to take typed thread answers again)"
)
INTENT_REFUSED = "Discord refused the Message Content intent (gateway close 4014)" + _BUTTON_ONLY
INTENT_OFF = "The Message Content intent is not enabled for the application" + _BUTTON_ONLY


def intents(message_content: bool = True) -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    # Privileged: typed thread answers arrive empty without it (the Answer button needs none).
    wanted.message_content = message_content
    wanted.guild_reactions = True  # stars on answers
    return wanted


def point_at(settings: Settings) -> None:
    """Send every REST call (interactions and webhooks included) and the gateway connection
    to the configured endpoints: Discord, a REST proxy, or the emulator. discord.py keeps
    these as class attributes; resumes use READY's resume_gateway_url, which the server sets."""
    discord.http.Route.BASE = settings.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


MAX_CONTENT = 2000


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer with a private message whether or not the interaction was answered already:
    within Discord's 2,000 characters (a longer one is refused and the member sees nothing)
    and pinging nobody, whatever the text echoes."""
    if len(text) > MAX_CONTENT:
        text = text[: MAX_CONTENT - 1] + "…"
    quiet = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=quiet)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=quiet)
    except discord.HTTPException:
        log.warning("could not send an error message for interaction %s", interaction.id)


class DrillTree(app_commands.CommandTree["DrillBot"]):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        # Server-only commands reached elsewhere say so and do nothing (cogs/anywhere.py).
        return not await anywhere.refused_here(interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        cause = getattr(error, "original", error)
        if isinstance(cause, DrillError):
            text = refusal(cause)
        elif isinstance(cause, app_commands.CheckFailure):
            text = str(cause) or "You can't use this command here."
        elif isinstance(cause, app_commands.CommandOnCooldown):
            text = f"Slow down: try again in {cause.retry_after:.0f}s."
        else:
            log.error("app command failed", exc_info=cause)
            text = "Something went wrong; it has been logged."
        await send_ephemeral(interaction, text)


class InteractionGate:
    """Knows which interactions are being handled, and refuses new ones once closing.

    discord.py hands each interaction to the command tree or a view, which run it in a task of
    their own; the gate wraps the INTERACTION_CREATE parser and keeps the tasks that parse
    created, so ``close`` can wait for them before the store goes away.
    """

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.closing = False
        self.refused = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        parsers = client._connection.parsers
        self._parse = parsers["INTERACTION_CREATE"]
        parsers["INTERACTION_CREATE"] = self._parse_interaction

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def _parse_interaction(self, data: Any) -> None:
        if self.closing:
            if data.get("type") != AUTOCOMPLETE:  # an autocomplete needs no answer
                self._track({asyncio.get_running_loop().create_task(self._refuse(data))})
            return
        before = asyncio.all_tasks()
        self._parse(data)
        self._track(asyncio.all_tasks() - before)

    def _track(self, tasks: set[asyncio.Task[Any]]) -> None:
        for task in tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _refuse(self, data: Any) -> None:
        self.refused += 1
        interaction = discord.Interaction(data=data, state=self.client._connection)
        await send_ephemeral(interaction, RESTARTING)

    async def close(self, timeout: float) -> None:  # noqa: ASYNC109 (a grace period, not a wait)
        """Refuse what arrives from now on; wait up to ``timeout`` for what is in flight."""
        self.closing = True
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
        if late:
            log.warning("stopping with %d interaction(s) still running", len(late))


class DrillBot(commands.Bot):
    """The Discord end of the app: runs ``app``'s services, never builds them."""

    def __init__(
        self,
        *,
        app: App,
        extensions: Sequence[str] = EXTENSIONS,
        sync_commands: bool = True,
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", 30.0)  # long cooldowns raise, not sleep
        asks = app.settings.message_content != "off"
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(message_content=asks),
            # Every command is for servers that installed drillbot unless it says otherwise
            # (cogs/anywhere.py: /quiz, /review, /plan, /stats run anywhere).
            allowed_contexts=anywhere.SERVER_CONTEXT,
            allowed_installs=anywhere.SERVER_INSTALL,
            tree_cls=DrillTree,
            help_command=None,
            **options,
        )
        point_at(app.settings)
        self.app = app
        self.extension_names = tuple(extensions)
        self.sync_commands = sync_commands
        self.interactions = InteractionGate(self)
        self._events: set[asyncio.Task[Any]] = set()  # listeners running (e.g. storing an answer)
        self._closing = False
        self._closed = asyncio.Event()
        self.stopping: str | None = None  # the step close() is at, for logs and tests
        if not asks:
            app.daily.answers.reads_content = False

    # Views onto the app for the glue and the tests; the app owns these.
    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def clock(self) -> Clock:
        return self.app.clock

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def catalog(self) -> Catalog:
        return self.app.catalog

    @property
    def daily(self) -> DailyService:
        return self.app.daily

    @property
    def jobs(self) -> Dispatcher:
        return self.app.jobs

    async def setup_hook(self) -> None:
        await self._check_intents_first()
        await self.app.start()
        for name in self.extension_names:
            # A bot with a cog missing would run half-wired (e.g. posting questions nobody can
            # answer): refuse to start instead.
            await self.load_extension(name)
        if not self.app.discord.plugged:
            raise RuntimeError("no extension plugged the Discord publisher in (cogs.daily)")
        if self.sync_commands and self.settings.shards.primary:
            await self._sync_commands()  # one upload per bot: the process holding shard 0
        elif self.sync_commands:
            log.info("commands not synced here: the process holding shard 0 syncs them")
        await self.app.start_schedule()
        # Everything loaded so far (bank, extensions, discord.py's modules) lives for the whole
        # run: move it out of the collector's sight so full collections stay short.
        gc.freeze()

    async def _sync_commands(self) -> None:
        """Upload the commands globally; a refusal is one line, not a traceback."""
        try:
            synced = await self.tree.sync()
        except app_commands.CommandSyncFailure as exc:
            # discord.py names each refused command and field over several lines.
            detail = " ".join(line.strip() for line in str(exc).splitlines()[1:])
            raise CommandSyncRefused(
                f"Discord refused the slash commands (HTTP {exc.status}, code {exc.code}): "
                f"{detail or exc.text}"
            ) from None
        except discord.HTTPException as exc:
            raise CommandSyncRefused(
                f"Discord refused the slash commands (HTTP {exc.status}, code {exc.code}): "
                f"{exc.text or 'no reason given'}"
            ) from None
        plan = self.settings.shards
        where = f" (this process holds shard 0 of {plan.count})" if plan.sharded else ""
        log.info("synced %d commands globally%s", len(synced), where)

    def _schedule_event(
        self, coro: Any, event_name: str, *args: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        # Each listener's task is kept: close() lets those in flight finish before the store
        # closes. The running loop's, as discord.py lets go of its own as it closes.
        wrapped = self._run_event(coro, event_name, *args, **kwargs)
        task = asyncio.get_running_loop().create_task(wrapped, name=f"discord.py: {event_name}")
        self._events.add(task)
        task.add_done_callback(self._events.discard)
        return task

    async def _listeners_done(self, timeout: float) -> None:  # noqa: ASYNC109 (a grace period)
        running = self._events - {asyncio.current_task()}
        if running:
            _, late = await asyncio.wait(running, timeout=timeout)
            if late:
                log.warning("stopping with %d event listener(s) still running", len(late))

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Cogs' listeners only for these (issue 25): no task for commands.Bot's on_message (no
        # prefix commands); socket_event_type, sent for every gateway event, costs nothing
        if event_name in _COG_ONLY and not self._listeners.get(event_name):
            for listener in self.extra_events.get("on_" + event_name, ()):
                self._schedule_event(listener, "on_" + event_name, *args, **kwargs)
            return
        super().dispatch(event_name, *args, **kwargs)

    async def on_message(self, message: discord.Message, /) -> None:
        return None  # no prefix commands: skip commands.Bot's parse of every message

    async def _check_intents_first(self) -> None:
        """Only the sharded bot asks first (its client closes itself on 4014, so it cannot
        start again in place): the application's flags say whether the intent is enabled."""

    def _without_message_content(self, line: str) -> None:
        log.warning(line)
        self._connection._intents.message_content = False  # what IDENTIFY sends
        self.app.daily.answers.reads_content = False

    async def connect(self, *, reconnect: bool = True) -> None:
        """Discord closes the gateway with 4014 when a privileged intent asked for is not
        enabled for the application. Under ``message_content: auto`` the bot starts again
        without the Message Content intent instead of exiting: answers come by button only."""
        while True:
            try:
                await super().connect(reconnect=reconnect)
                return
            except discord.PrivilegedIntentsRequired:
                asked = self._connection._intents  # what IDENTIFY sends (``intents`` is a copy)
                if self.settings.message_content != "auto" or not asked.message_content:
                    raise  # `require`, or refused without it: exit 8 (bot/ops/runner.py)
                if self.is_closed():
                    raise  # a sharded client closes itself first: nothing to start again
                self._without_message_content(INTENT_REFUSED)

    async def on_connect(self) -> None:
        # READY tells discord.py where to resume (Discord's own host). Behind a gateway proxy
        # or against the emulator, resumes must go where the operator pointed us instead.
        if self.settings.gateway_url != DISCORD_GATEWAY_URL and self.ws is not None:
            self.ws.gateway = yarl.URL(self.settings.gateway_url)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))
        # Runs after every (re)connect: answers posted while we were away are read back,
        # and anything that fell due while we were down is posted or revealed.
        await self.app.daily.backfill()
        self.app.jobs.wake()

    async def on_resumed(self) -> None:
        await self.app.daily.backfill()

    @contextlib.asynccontextmanager
    async def running(self, token: str, timeout: float = 15) -> AsyncIterator[DrillBot]:  # noqa: ASYNC109
        """Start, and yield once ready (the demo and the benchmarks against the emulator);
        close on the way out. A start-up that fails raises here."""
        task = asyncio.create_task(self.start(token))
        try:
            async with asyncio.timeout(timeout):
                while not self.is_ready():  # wait_until_ready() refuses to run before login
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.01)
            yield self
        finally:
            await self.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)

    async def close(self) -> None:
        """Refuse new interactions, let those in flight finish, stop the schedule, close
        Discord, let running listeners finish, then the app: nothing touches the store after
        it closed."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        try:
            self.stopping = "interactions"
            await self.interactions.close(timeout=SHUTDOWN_GRACE)
            self.stopping = "schedule"
            await self.app.stop_schedule()
            self.stopping = "discord"
            await super().close()  # no new events from here on
            self.stopping = "listeners"
            await self.app.writer.flush()  # answers taken without a task (cogs/daily.py)
            await self._listeners_done(timeout=SHUTDOWN_GRACE)
            self.stopping = "app"
            await self.app.close()
        finally:
            self.stopping = "stopped"
            self._closed.set()


class ShardedDrillBot(DrillBot, commands.AutoShardedBot):
    """The same bot over several gateway connections: ``shard_ids`` of ``shard_count``
    (``drillbot run --shard-count N --shards a-b``). on_ready fires once all are ready."""

    async def _check_intents_first(self) -> None:
        wanted = self._connection._intents.message_content
        if self.settings.message_content != "auto" or not wanted:
            return
        flags = (await self.application_info()).flags
        if not (flags.gateway_message_content or flags.gateway_message_content_limited):
            self._without_message_content(INTENT_OFF)

    async def on_shard_connect(self, shard_id: int) -> None:
        # Each shard resumes through its own socket: point it where the operator said.
        info = self.get_shard(shard_id)
        ws = getattr(getattr(info, "_parent", None), "ws", None)
        if self.settings.gateway_url != DISCORD_GATEWAY_URL and ws is not None:
            ws.gateway = yarl.URL(self.settings.gateway_url)


def make_bot(app: App, **options: Any) -> DrillBot:
    """A plain DrillBot, or a ShardedDrillBot when the settings name shards."""
    plan = app.settings.shards
    if not plan.sharded:
        return DrillBot(app=app, **options)
    return ShardedDrillBot(app=app, shard_count=plan.count, shard_ids=plan.ids, **options)
