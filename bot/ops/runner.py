"""`drillbot run` after its checks: wait for Discord, run the bot, stop cleanly on a signal.

SIGTERM (``docker stop``) and SIGINT (Ctrl-C) take the same path: stop taking events, let
in-flight handlers (answers being written, interactions being answered) finish, then close the
bot, which closes the scheduler, the gateway, the answer writer and the database, all within
``STOP_SECONDS``. No discord import here: the bot comes from ``bot.client``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
import sys
import time
from typing import Any

import aiohttp

from bot.bank import Bank
from bot.clock import SystemClock
from bot.ops import metrics
from bot.ops.about import drillbot_version
from bot.ops.config import Settings
from bot.ops.health import HealthServer
from bot.ops.preflight import Exit, PreflightError, http_probe, wait_reachable
from bot.storage.url import describe, redact

log = logging.getLogger(__name__)

STOP_SECONDS = 10.0
DRAIN_SECONDS = 3.0  # of STOP_SECONDS, for handlers already running
# discord.py names the task of every event handler "discord.py: on_<event>".
_HANDLER_PREFIX = "discord.py: "
# Exceptions discord.py raises from start(), by class name (bot/ does not import discord).
_FATAL = {
    "LoginFailure": Exit.TOKEN,
    "PrivilegedIntentsRequired": Exit.INTENTS,
    "CommandSyncRefused": Exit.SYNC,  # its message names the command and the reason
}
_FATAL_TEXT = {
    Exit.TOKEN: "Discord refused the token (check DISCORD_TOKEN or DISCORD_TOKEN_FILE)",
    Exit.INTENTS: "enable the Message Content intent for the bot in the developer portal",
}


def fatal_code(exc: BaseException) -> Exit | None:
    for cls in type(exc).__mro__:
        if cls.__name__ in _FATAL:
            return _FATAL[cls.__name__]
    return None


async def drain(seconds: float) -> int:
    """Wait (bounded) for event handlers that are already running; returns how many."""
    current = asyncio.current_task()
    running = [
        t
        for t in asyncio.all_tasks()
        if t is not current and not t.done() and t.get_name().startswith(_HANDLER_PREFIX)
    ]
    if running:
        _, pending = await asyncio.wait(running, timeout=seconds)
        if pending:
            log.warning("%d event handler(s) still running after %.0fs", len(pending), seconds)
    return len(running)


async def serve(
    settings: Settings,
    bank: Bank,
    *,
    connect_attempts: int,
    connect_backoff: float,
    bot_factory: Any = None,
) -> int:
    """Run the bot until it stops or a signal arrives. Returns the process exit code."""
    await wait_reachable(
        http_probe(settings.api_base),
        where=settings.api_base,
        attempts=connect_attempts,
        base_delay=connect_backoff,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    # Before anything is created: a refused token must leave no new database behind.
    await check_token_accepted(settings)
    health = HealthServer(settings.health_host, settings.health_port, {})
    try:
        await health.start()
    except OSError as exc:
        raise PreflightError(
            f"health server cannot listen on {settings.health_host}:{settings.health_port}: "
            f"{exc.strerror or exc} (DRILLBOT_HEALTH; port 0 turns it off)",
            Exit.CONFIG,
        ) from None
    log.info("%s", startup_line(settings, health))
    metrics.build_info(drillbot_version())
    try:
        bot = await (bot_factory or build_bot)(settings, bank)
    except BaseException:
        await health.close()
        raise
    health.checks.update(readiness(bot))
    health.before_scrape = lambda: observe_latency(bot)
    token = settings.token.reveal() if settings.token else ""
    running = asyncio.create_task(bot.start(token), name="drillbot")
    stopping = asyncio.create_task(stop.wait(), name="drillbot-stop")
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            await _stop(bot, received[0])
        return await _outcome(running)
    finally:
        stopping.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if not bot.is_closed():
            await bot.close()
        await health.close()


def startup_line(settings: Settings, health: HealthServer) -> str:
    """One line an operator can check a deployment against: what runs, on which data, which
    shards, where its health is. Never the password (``describe`` leaves it out)."""
    host, port = health.where
    where = f"http://{host}:{port}/" if port else "off"
    return (
        f"drillbot {drillbot_version()} starting: database {describe(settings.store_url)}; "
        f"{settings.shards.describe()}; health {where}"
    )


async def check_token_accepted(settings: Settings, seconds: float = 10.0) -> None:
    """GET /users/@me with the token: a 401 is exit 3 before any file or table is created.
    Anything else (an outage, a proxy) is left to the login that follows."""
    token = settings.token.reveal() if settings.token else ""
    headers = {"Authorization": f"Bot {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session,
            session.get(f"{settings.api_base}/users/@me", headers=headers) as response,
        ):
            status = response.status
    except (OSError, aiohttp.ClientError, TimeoutError):
        return
    if status == 401:
        raise PreflightError(_FATAL_TEXT[Exit.TOKEN], Exit.TOKEN)


def _cannot_open() -> tuple[type[BaseException], ...]:
    """What opening the database raises when it cannot be reached. PostgreSQL's driver errors
    only when PostgreSQL is in use: asyncpg is imported when a PostgreSQL store is opened (a bot
    on SQLite never loads it, issue 25)."""
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:
        return (OSError, TimeoutError)
    return (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def open_app(settings: Settings, bank: Bank) -> Any:
    """``build_app``, with a database that cannot be opened as one line and exit 4 (5 for a
    newer schema), as for SQLite's checks before it: refused connection, unknown host,
    database or role, wrong password."""
    from bot.app import build_app
    from bot.storage import SchemaTooNew

    try:
        return await build_app(settings, SystemClock(), bank=bank)
    except SchemaTooNew as exc:
        raise PreflightError(str(exc), Exit.SCHEMA) from None
    except _cannot_open() as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PreflightError(
            f"cannot open the database {redact(settings.store_url)}: {reason}", Exit.DATABASE
        ) from None


async def build_bot(settings: Settings, bank: Bank) -> Any:
    """The app from the composition root, and the Discord client that runs it."""
    from bot.client import make_bot  # imports discord.py only when needed

    app = await open_app(settings, bank)
    try:
        bot = make_bot(app, http_trace=metrics.http_trace())
    except BaseException:
        await app.close()
        raise
    timer = metrics.CommandTimer()
    metrics.count_events(bot._connection.parsers, timer)

    async def on_app_command_completion(interaction: Any, command: Any) -> None:
        timer.completed(interaction.id, command.qualified_name)

    bot.add_listener(on_app_command_completion)
    return bot


def readiness(bot: Any) -> dict[str, Any]:
    """/readyz: connected to the gateway, the database takes a write, the scheduler runs."""

    async def gateway() -> bool:
        if not bot.is_ready() or bot.is_closed():
            return False
        shards = getattr(bot, "shards", None)  # a sharded bot: every shard connected
        if shards is not None:
            return bool(shards) and not any(s.is_closed() for s in shards.values())
        ws = getattr(bot, "ws", None)
        return bool(ws is not None and ws.open)

    async def database() -> bool:
        async with bot.app.store.db.transaction():
            return True  # BEGIN IMMEDIATE took the write lock; COMMIT of nothing

    async def scheduler() -> bool:
        return bool(bot.app.jobs.scheduler.running)

    return {"gateway": gateway, "database": database, "scheduler": scheduler}


def observe_latency(bot: Any) -> None:
    metrics.GUILDS.set(len(getattr(bot, "guilds", ())))
    latency = float(bot.latency)
    if math.isfinite(latency):
        metrics.GATEWAY_LATENCY.set(latency)


async def _stop(bot: Any, reason: str) -> None:
    started = time.monotonic()
    log.info("%s received: finishing in-flight work, then closing", reason)
    try:
        async with asyncio.timeout(STOP_SECONDS):
            handlers = await drain(DRAIN_SECONDS)
            await bot.close()
    except TimeoutError:
        log.error("clean shutdown took longer than %.0fs; closing the database now", STOP_SECONDS)
        # What must never be left open: the answer writer's queue and the database (an open
        # aiosqlite connection would also keep the process from exiting).
        app = getattr(bot, "app", None)
        if app is not None:
            with contextlib.suppress(Exception):
                await app.close()
        return
    log.info(
        "stopped cleanly in %.1fs (%d handler(s) finished)", time.monotonic() - started, handlers
    )


async def _outcome(running: asyncio.Task[Any]) -> int:
    try:
        async with asyncio.timeout(STOP_SECONDS):
            await running
    except TimeoutError:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running
        return Exit.OK
    except (OSError, aiohttp.ClientError) as exc:
        # Reachable a moment ago (the probe), gone while logging in: one line, like the probe.
        reason = str(exc) or type(exc).__name__
        raise PreflightError(f"lost Discord while connecting: {reason}", Exit.UNREACHABLE) from None
    except Exception as exc:
        code = fatal_code(exc)
        if code is None:
            raise
        raise PreflightError(_FATAL_TEXT.get(code) or str(exc), code) from None
    return Exit.OK
