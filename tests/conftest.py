"""Shared fixtures: a movable clock, a temporary store, the emulator, and the real bot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.bank import Bank, default_content_dir, load_bank
from bot.client import DrillBot
from bot.clock import FakeClock
from bot.ops.config import Secret, Settings
from bot.sandbox.emulator import Emulator
from bot.sandbox.emulator import record as recorder
from bot.storage import Database, Store, open_store
from tests.support import contract, postgres
from tests.support.backends import db_settings
from tests.support.discord_harness import connected

# A Monday morning in winter: Berlin is UTC+1, New York UTC-5.
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
MEMBERS = ("ana", "ben", "cy", "dee", "eve")


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank([default_content_dir()])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test runs on SQLite only (its store is a SQLite file on"
        " purpose); the reason is required and shows in the test's id.",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that reaches ``backend`` (through ``store``, ``start_bot``, ``store_url``...)
    runs once per backend, unless marked ``sqlite_only("why")``."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is None:
        metafunc.parametrize("backend", BACKENDS, indirect=True)
        return
    if not marker.args or not str(marker.args[0]).strip():
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
    metafunc.parametrize("backend", ["sqlite"], indirect=True)


_SQLITE_ONLY = pytest.StashKey[list[str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[_SQLITE_ONLY] = [i.nodeid for i in items if i.get_closest_marker("sqlite_only")]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    reason = postgres.missing()
    skipped = terminalreporter.stats.get("skipped", [])
    if reason and skipped:
        pg = [r for r in skipped if "PostgreSQL tests skipped" in str(r.longrepr)]
        terminalreporter.write_line(f"{len(pg)} PostgreSQL tests skipped: {reason}")
    only = config.stash.get(_SQLITE_ONLY, [])
    if only:
        terminalreporter.write_line(
            f"{len(only)} tests run on SQLite only, on purpose (each says why:"
            " pytest -m sqlite_only --collect-only -q lists them)"
        )


def pytest_report_header(config: pytest.Config) -> str:
    reason = postgres.missing()
    if reason:
        return f"backends: sqlite only; PostgreSQL tests skipped: {reason}"
    return "backends: sqlite and postgresql (a throwaway cluster, started on first use)"


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql": set by ``pytest_generate_tests``."""
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session, copied for each test: running the migration
    history for every test's new file cost a quarter of the suite (tests of the migration
    itself open new files of their own)."""
    path = tmp_path_factory.mktemp("template") / "drillbot.sqlite3"

    async def build() -> None:
        await (await Database.open(path, checkpoint_every=None)).close()

    asyncio.run(build())
    return path


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend in turn: a fresh (migrated) SQLite file, then an emptied PostgreSQL
    database."""
    if backend == "sqlite":
        path = tmp_path / "drillbot.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return postgres.emptied(request.getfixturevalue("pg_cluster"))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """The test's store, on each backend in turn (see ``pytest_generate_tests``)."""
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def emulator(clock: FakeClock) -> AsyncIterator[Emulator]:
    # Discord's time follows the bot's clock: message times and deadlines on one timeline.
    async with Emulator(now=clock.now) as emu:
        yield emu


@pytest.fixture(autouse=True)
def discord_contract(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every emulator a test starts is checked against Discord's own API description
    (tests/support/contract.py) when the test ends: each REST call (the bot's request and the
    emulator's response) and each gateway dispatch it sent. That covers the fixture's emulator,
    one a test builds itself, and one in another process (``python -m bot.sandbox.emulator``,
    ``drillbot demo``), which writes what it did to the folder in EMULATOR_CONTRACT_LOG. A
    deviation not allowed with a reason fails the test."""
    started: list[Emulator] = []
    init = Emulator.__init__

    def record(self: Emulator, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.record.keep()  # this process: checked from memory
        started.append(self)

    monkeypatch.setattr(Emulator, "__init__", record)
    with tempfile.TemporaryDirectory(prefix="drillbot-contract-") as folder:
        monkeypatch.setenv(recorder.ENV, folder)
        yield
        runs = [(emu.calls, emu.record.events or []) for emu in started]
        runs += [contract.read_log(path) for path in sorted(Path(folder).glob("*.jsonl"))]
    for calls, events in runs:
        check_contract(calls, events)


def check_contract(calls: Any, events: Any) -> None:
    found = contract.calls_deviations(calls) + contract.events_deviations(events)
    report = os.environ.get("DRILLBOT_CONTRACT_REPORT")
    if report:  # survey mode: collect every deviation kind instead of failing
        with open(report, "a", encoding="utf-8") as out:
            out.writelines(f"{d}\n" for d in found)
        return
    bad = contract.unexplained(found)
    if bad:
        kinds = sorted({str(d) for d in bad})
        pytest.fail(
            f"{len(kinds)} deviation(s) from Discord's API description:\n" + "\n".join(kinds[:30]),
            pytrace=False,
        )


@dataclass
class World:
    """One study group: a guild, its question channel, an organiser role and five members."""

    emu: Emulator
    guild: Any
    channel: Any
    organisers: Any
    members: dict[str, Any]
    owner: Any

    def __getitem__(self, name: str) -> Any:
        return self.members[name]


@pytest.fixture
def world(emulator: Emulator) -> World:
    guild = emulator.create_guild("MLOps study group")
    channel = guild.create_text_channel("daily-question")
    organisers = guild.create_role("organisers")
    owner = guild.add_member("olga", permissions=["MANAGE_GUILD"])
    members = {name: guild.add_member(name) for name in MEMBERS}
    return World(emulator, guild, channel, organisers, members, owner)


BotFactory = Callable[..., contextlib.AbstractAsyncContextManager[DrillBot]]


@pytest.fixture
def start_bot(emulator: Emulator, clock: FakeClock, store: Store, bank: Bank) -> BotFactory:
    """``async with start_bot() as bot:`` runs the real bot against the emulator; leaving the
    block stops it (a restart is just a second block on the same store)."""

    @contextlib.asynccontextmanager
    async def run(**options: Any) -> AsyncIterator[DrillBot]:
        settings = Settings(
            token=Secret(emulator.token),
            **db_settings(store),
            api_base=emulator.api_base,
            gateway_url=emulator.gateway_url,
        )
        app = await build_app(settings, clock, bank=bank, store=store)
        bot = DrillBot(app=app, guild_ready_timeout=0.05, **options)
        async with connected(bot, emulator, timeout=15) as ready:
            assert isinstance(ready, DrillBot)
            yield ready

    return run


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
    """Poll an (async or plain) check until it returns something truthy; bounded."""
    import asyncio
    import inspect

    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(0.005)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[postgres.Cluster]:
    """One throwaway PostgreSQL per test session, with a migrated template database."""
    reason = postgres.missing()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with postgres.cluster() as running:
        postgres.make_template(running)
        yield running


@pytest.fixture
def pg_url(pg_cluster: postgres.Cluster) -> str:
    """A fresh migrated PostgreSQL database for one test."""
    return postgres.create_database(pg_cluster)


@pytest.fixture
async def both_store(store_url: str) -> AsyncIterator[Store]:
    """The same as ``store`` (every store runs on both backends now); kept for modules that
    still say ``store = both_store``."""
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
