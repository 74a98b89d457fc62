"""The composition root: services are built once before discord.py starts, the cogs only
receive them, every extension is loaded, and one that fails to load stops the start."""

from __future__ import annotations

import asyncio
import pkgutil
from collections import Counter
from pathlib import Path

import pytest
from discord import app_commands
from discord.ext import commands

import cogs
from bot.app import App, DiscordPort, build_app
from bot.bank import Bank
from bot.client import EXTENSIONS, DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.storage import Store
from tests.support.backends import CLOSED_STORE_ERRORS, db_settings, url_settings
from tests.support.discord_harness import pointed_at


def settings_for(emulator: Emulator, store: Store) -> Settings:
    return Settings(
        token=Secret(emulator.token),
        **db_settings(store),
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )


def test_every_cog_module_with_a_setup_is_an_extension() -> None:
    # A cog written but not listed would silently never load.
    with_setup = {
        f"cogs.{m.name}"
        for m in pkgutil.iter_modules(cogs.__path__)
        if "async def setup(" in Path(cogs.__path__[0], f"{m.name}.py").read_text()
    }
    assert with_setup == set(EXTENSIONS)


async def test_no_two_extensions_register_the_same_command_name(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    app = await build_app(settings_for(emulator, store), clock, bank=bank, store=store)
    bot = DrillBot(app=app, sync_commands=False)
    try:
        names: Counter[str] = Counter()
        for name in EXTENSIONS:
            await bot.load_extension(name)
        for command in bot.tree.walk_commands():
            names[command.qualified_name] += 1
        for cog in bot.cogs.values():
            for listed in cog.walk_app_commands():
                if isinstance(listed, app_commands.Command):
                    assert listed.qualified_name in names
        assert names, "no commands registered at all"
        assert {"quiz", "review", "drill setup", "drill post-now"} <= set(names)
        assert [n for n, count in names.items() if count > 1] == []
    finally:
        await bot.close()


async def test_the_cogs_receive_the_apps_services_and_build_none(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    app = await build_app(settings_for(emulator, store), clock, bank=bank, store=store)
    bot = DrillBot(app=app, sync_commands=False)
    before = set(vars(bot))
    try:
        for name in EXTENSIONS:
            await bot.load_extension(name)
        assert bot.get_cog("QuizCog").service is app.quiz  # type: ignore[union-attr]
        assert bot.get_cog("DrillCog").organiser is app.organiser  # type: ignore[union-attr]
        assert bot.get_cog("DailyCog").service is app.daily  # type: ignore[union-attr]
        assert app.discord.plugged
        # No extension hung anything on the bot: discord.py's own bookkeeping aside, the
        # attributes are the ones the constructor made.
        added = {a for a in set(vars(bot)) - before if not a.startswith("_")}
        assert added == set()
    finally:
        await bot.close()


async def test_a_failing_extension_fails_start_up(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    app = await build_app(settings_for(emulator, store), clock, bank=bank, store=store)
    bot = DrillBot(
        app=app,
        extensions=(*EXTENSIONS, "tests.support.broken_extension"),
        guild_ready_timeout=0.05,
    )
    with pointed_at(emulator):
        try:
            with pytest.raises(commands.ExtensionFailed, match="broken on purpose"):
                async with asyncio.timeout(10):
                    await bot.start(emulator.token)
        finally:
            await bot.close()
    # It never went on: no commands synced, no gateway session, no schedule running.
    assert not any("/commands" in c.path for c in emulator.calls)
    assert emulator.gateway.identifies == []
    assert app.jobs.runs == 0


async def test_a_missing_extension_fails_start_up_too(
    emulator: Emulator, store: Store, clock: FakeClock, bank: Bank
) -> None:
    app = await build_app(settings_for(emulator, store), clock, bank=bank, store=store)
    bot = DrillBot(app=app, extensions=(*EXTENSIONS, "cogs.not_there"))
    with pointed_at(emulator):
        try:
            with pytest.raises(commands.ExtensionNotFound):
                async with asyncio.timeout(10):
                    await bot.start(emulator.token)
        finally:
            await bot.close()
    assert emulator.gateway.identifies == []


async def test_discord_used_before_its_extension_plugged_it_in_is_an_error() -> None:
    port = DiscordPort()
    with pytest.raises(RuntimeError, match="before its extension plugged it in"):
        await port.send_post(1, None, "nonce")
    assert not port.plugged


async def test_an_app_that_opened_its_store_closes_it(store_url: str, clock: FakeClock) -> None:
    app = await build_app(Settings(**url_settings(store_url)), clock)
    assert isinstance(app, App) and app.owns_store
    await app.start()
    await app.close()
    with pytest.raises(CLOSED_STORE_ERRORS):
        await app.store.guilds.configured()


async def test_an_app_leaves_a_store_it_was_given_open(
    store: Store, clock: FakeClock, bank: Bank
) -> None:
    app = await build_app(Settings(**db_settings(store)), clock, bank=bank, store=store)
    await app.start()
    await app.close()
    assert await store.guilds.configured() == []
