"""A throwaway PostgreSQL cluster for the tests: initdb in a temp dir, a free port, stopped at
the end. PostgreSQL refuses to run as root, so as root the server runs as an unprivileged
system user (``postgres`` if it exists, else one created with ``useradd``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg

from bot.storage import Database, PgDatabase, migrate
from tests.support.sql import sql

SUPERUSER = "drillbot"
_SERVICE_USER = "postgres"
_counter = itertools.count(1)
T = TypeVar("T")


def missing() -> str | None:
    """Why a cluster cannot be started here, or None if it can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if shutil.which(tool) is None:
            return f"PostgreSQL is not installed ({tool} is not on PATH)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and runuser is missing: cannot start PostgreSQL as a non-root user"
    return None


def _service_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", _SERVICE_USER],
            check=True,
            capture_output=True,
        )
    return _SERVICE_USER


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The tests compare no disks: nothing is flushed. A benchmark's cluster (durable=True) flushes
# its WAL like SQLite's WAL mode with synchronous=NORMAL, the bot's setting: commits do not wait
# for the disk (a crashed bot loses nothing; a power cut may lose the last moments).
_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
_DURABLE = "-c fsync=on -c synchronous_commit=off -c full_page_writes=on"


class Cluster:
    def __init__(self, root: Path, port: int, user: str | None, durable: bool = False) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.user = user
        self.durable = durable

    def run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "--no-sync")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            f" {_DURABLE if self.durable else _FAST} -c max_connections=200"
        )
        log = self.root / "server.log"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database_name(self) -> str:
        return f"t{os.getpid()}_{next(_counter)}"

    # The database the ``store`` fixture reuses, emptied before each test (see ``emptied``),
    # through one connection kept on a loop in a thread of its own (tests' loops come and go).
    shared: str | None = None
    empty_sql: str | None = None
    _janitor: _Janitor | None = None

    def janitor(self) -> _Janitor:
        if self._janitor is None:
            self._janitor = _Janitor()
        return self._janitor

    def close_janitor(self) -> None:
        if self._janitor is not None:
            self._janitor.close()
            self._janitor = None


@contextmanager
def cluster(*, durable: bool = False) -> Iterator[Cluster]:
    user = _service_user()
    root = Path(tempfile.mkdtemp(prefix="drillbot-pg-"))
    try:
        if user:
            shutil.chown(root, user)
        running = Cluster(root, _free_port(), user, durable)
        running.start()
        try:
            yield running
        finally:
            try:
                running.close_janitor()
            finally:
                running.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


TEMPLATE = "drill_template"


def _in_thread(coro_fn: Callable[[], Awaitable[None]]) -> None:
    # Fixtures may run inside pytest-asyncio's loop: give this work a loop of its own.
    failure: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(coro_fn())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    if failure:
        raise failure[0]


def create_database(running: Cluster, *, migrated: bool = True) -> str:
    """A new, empty database (migrated from the template, or bare); returns its URL."""
    name = running.new_database_name()
    template = TEMPLATE if migrated else "template0"

    async def create() -> None:
        conn = await asyncpg.connect(running.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()

    _in_thread(create)
    return running.url(name)


async def _create_from_template(running: Cluster) -> str:
    name = running.new_database_name()
    conn = await asyncpg.connect(running.url())
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await conn.close()
    return name


class _Janitor:
    """An event loop in a thread, holding one connection to the shared test database."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.conn: asyncpg.Connection | None = None

    def run(self, coro: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(60)

    def close(self) -> None:
        try:
            if self.conn is not None:
                self.run(self.conn.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


async def _empty_sql(conn: asyncpg.Connection) -> str:
    """DELETE every row and restart every sequence: a database as the template left it."""
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename NOT IN ('schema_version', 'alembic_version') ORDER BY tablename"
    )
    sequences = await conn.fetch(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    )
    restarts = ", ".join(f"""setval('"{s}"', 1, false)""" for (s,) in sequences)
    return ";".join(
        # Superuser: replica role skips the foreign-key triggers, so any order will do.
        ["SET LOCAL session_replication_role = replica"]
        + [f'DELETE FROM "{t}"' for (t,) in tables]
        # setval, not ALTER SEQUENCE ... RESTART: 0.1 ms against 15 ms for the nine of them.
        + ([f"SELECT {restarts}"] if restarts else [])
        # A test that pretended to be a newer drillbot leaves the schema as it was.
        + [f"UPDATE alembic_version SET version_num = '{migrate.head():04d}'"]
        + [f"UPDATE schema_version SET version = {migrate.FENCE}"]
    )


async def _empty(running: Cluster, janitor: _Janitor) -> None:
    if running.shared is None:
        running.shared = await _create_from_template(running)
    if janitor.conn is None:
        janitor.conn = await asyncpg.connect(running.url(running.shared))
        await janitor.conn.execute("SET lock_timeout = '2s'")  # a leaked lock: give up soon
    if running.empty_sql is None:
        running.empty_sql = await _empty_sql(janitor.conn)
    async with janitor.conn.transaction():
        await janitor.conn.execute(running.empty_sql)


def emptied(running: Cluster) -> str:
    """The URL of a migrated database with no rows, ids starting at 1 again: one database per
    session, emptied before each test (about 2 ms; CREATE DATABASE ... TEMPLATE costs about
    120 ms on this machine). If emptying fails (a leaked transaction holds a lock), the test
    gets a fresh copy of the template instead and that copy is reused from then on."""
    janitor = running.janitor()
    try:
        janitor.run(_empty(running, janitor))
    except (asyncpg.PostgresError, OSError):
        if janitor.conn is not None:
            janitor.run(janitor.conn.close())
            janitor.conn = None
        running.shared = janitor.run(_create_from_template(running))
    return running.url(running.shared)


def make_template(running: Cluster) -> None:
    """Migrate one database once; each test copies it (CREATE DATABASE ... TEMPLATE)."""

    async def build() -> None:
        conn = await asyncpg.connect(running.url())
        try:
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        db = await PgDatabase.open(running.url(TEMPLATE))
        await db.close()

    _in_thread(build)


async def columns_of(db: Database | PgDatabase) -> dict[str, list[str]]:
    """Every table's columns in order, on either backend (schema_version included)."""
    if isinstance(db, PgDatabase):
        rows = await db.fetchall(
            *sql(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
            )
        )
        found: dict[str, list[str]] = {}
        for table, column in rows:
            found.setdefault(table, []).append(column)
        return found
    tables = await db.fetchall(*sql("SELECT name FROM sqlite_master WHERE type = 'table'"))
    return {
        name: [r[1] for r in await db.fetchall(*sql(f"PRAGMA table_info({name})"))]
        for (name,) in tables
        if not name.startswith("sqlite_")
    }
