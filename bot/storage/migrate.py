"""Schema migrations: one Alembic history (bot/storage/alembic/) for SQLite and PostgreSQL.

Revisions are numbered like the SQL migrations they replace (``0018`` is release 0.1's schema,
the next is ``0019``), so ``schema_version`` stays a number. ``upgrade`` brings a database to
the newest revision this drillbot knows:

- a new, empty database is created by the history;
- a database made by release 0.1's own migration runner (table ``schema_version`` at 18) is
  adopted in place: stamped at ``0018``, not a row touched;
- a database from a newer drillbot (a revision this one does not know) is refused, as is one
  from a release older than 0.1 (its SQL migrations are no longer shipped: run release 0.1's
  ``drillbot db migrate`` on it first).

Every upgraded database also keeps ``schema_version`` with one row, ``FENCE``: release 0.1 reads
that as "made by a newer drillbot" and refuses to start against it, instead of trying to build
its tables again over ours.

Alembic (and Mako under it, ~20 MB resident) never loads in the bot's process: the backends read
the stored revision through their driver (``read_sqlite``/``read_postgres``) and, when the
database is behind, ``in_child`` runs the upgrade in a child process (``python -m
bot.storage.migrate``), which reports back what it applied or why it refused (issue 25).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

T = TypeVar("T")

log = logging.getLogger(__name__)

LEGACY_LAST = 18  # release 0.1's last SQL migration: the history's first revision adopts it
FENCE = 1000  # in schema_version: what release 0.1 sees, and refuses as newer than itself


class SchemaTooNew(RuntimeError):
    """The database was written by a newer drillbot; refusing to run against it."""


class SchemaTooOld(SchemaTooNew):
    """The database predates release 0.1's schema, whose SQL migrations are no longer shipped."""


class MigrationFailed(RuntimeError):
    """The migration's child process failed (its error is in the message)."""


REFUSED = 5  # the child's exit status for a refused database (the CLI's Exit.SCHEMA)


def config() -> Config:
    from alembic.config import Config  # Alembic is imported only when a migration runs

    cfg = Config()
    cfg.set_main_option("script_location", "bot.storage:alembic")
    return cfg


def script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def revisions() -> list[str]:
    """Every revision id, oldest first: the numbers of the files in alembic/versions/, read
    without importing Alembic (a start with nothing to migrate never loads it; the test of the
    history checks these against Alembic's own walk of the revisions)."""
    folder = resources.files("bot.storage") / "alembic" / "versions"
    found = (_REVISION_FILE.match(entry.name) for entry in folder.iterdir())
    return sorted(match.group(1) for match in found if match)


def head() -> int:
    known = revisions()
    return int(known[-1]) if known else 0


Stored = tuple[str | None, int | None]
"""What a database says of its schema: Alembic's revision (None: no ``alembic_version``) and
release 0.1's ``MAX(schema_version.version)`` (None: no such table)."""


def read_sqlite(conn: sqlite3.Connection) -> Stored:
    """The stored revisions of the SQLite database on ``conn`` (read only)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return _stored(tables, lambda sql: conn.execute(sql).fetchone())


async def read_postgres(conn: Any) -> Stored:
    """The same on an asyncpg connection (tables on the search path, as Alembic finds them)."""
    found = await conn.fetch(
        "SELECT name FROM unnest(ARRAY['alembic_version', 'schema_version']) AS name"
        " WHERE to_regclass(quote_ident(name)) IS NOT NULL"
    )
    tables = {r[0] for r in found}
    rows = {}
    for sql in (_REVISION_SQL, _LEGACY_SQL):
        if _table_of(sql) in tables:
            rows[sql] = await conn.fetchrow(sql)
    return _stored(tables, rows.get)


_REVISION_SQL = "SELECT version_num FROM alembic_version"
_LEGACY_SQL = "SELECT MAX(version) FROM schema_version"


def _table_of(sql: str) -> str:
    return sql.rsplit(" ", 1)[1]


def _stored(tables: set[str], fetchone: Callable[[str], Any]) -> Stored:
    rev = legacy = None
    if "alembic_version" in tables:
        row = fetchone(_REVISION_SQL)
        rev = str(row[0]) if row is not None and row[0] is not None else None
    if "schema_version" in tables:
        row = fetchone(_LEGACY_SQL)
        legacy = int(row[0] or 0) if row is not None else 0
    return rev, legacy


def version(stored: Stored) -> int:
    """The schema version a database reports (0 for an empty one)."""
    rev, legacy = stored
    if rev is not None:
        return int(rev) if rev.isdigit() else 10**9
    return legacy or 0


def pending(stored: Stored, where: str) -> list[str]:
    """The revisions an upgrade would apply (the first one ``LEGACY_LAST`` stamped in place
    when release 0.1's database is adopted); raises ``SchemaTooNew``/``SchemaTooOld`` for a
    database this drillbot refuses. An empty list when only the fence is missing."""
    known = revisions()
    rev, legacy = stored
    if rev is None and legacy:
        if legacy > LEGACY_LAST:
            raise SchemaTooNew(
                f"database {where} has schema version {legacy}, but this drillbot knows only up"
                f" to {head()}; upgrade drillbot or restore a backup"
            )
        if legacy < LEGACY_LAST:
            raise SchemaTooOld(
                f"database {where} has schema version {legacy}, from a release before 0.1;"
                f" run drillbot 0.1's `drillbot db migrate` on it first, then this release"
            )
        rev = f"{LEGACY_LAST:04d}"
    if rev is not None and rev not in known:
        shown = int(rev) if rev.isdigit() else rev
        raise SchemaTooNew(
            f"database {where} has schema version {shown}, but this drillbot knows only up to"
            f" {head()}; upgrade drillbot or restore a backup"
        )
    return known[known.index(rev) + 1 :] if rev is not None else known


def up_to_date(stored: Stored, where: str) -> bool:
    """Nothing to do (refusals raise): at the newest revision, fenced against release 0.1."""
    return not pending(stored, where) and stored[0] is not None and stored[1] == FENCE


# -- the upgrade, in the child process --------------------------------------------------------
def _sql_stored(conn: Connection) -> Stored:
    from sqlalchemy import inspect, text

    tables = {t for t in ("alembic_version", "schema_version") if inspect(conn).has_table(t)}
    return _stored(tables, lambda sql: conn.execute(text(sql)).first())


def current(conn: Connection) -> int:
    """The schema version of the database on ``conn`` (0 for an empty one), without changing it."""
    return version(_sql_stored(conn))


def upgrade(conn: Connection, where: str) -> tuple[list[int], bool]:
    """Bring the database on ``conn`` to the newest revision: the revisions applied, and
    whether release 0.1's database was adopted.

    Runs inside the caller's transaction (PostgreSQL: DDL is transactional, so a failure leaves
    nothing half-made; the caller also holds the migration lock)."""
    stored = _sql_stored(conn)
    todo = pending(stored, where)
    adopted = stored[0] is None and bool(stored[1])
    if adopted:
        _run(conn, "stamp", f"{LEGACY_LAST:04d}")
    if todo:
        _run(conn, "upgrade", "head")
    _fence(conn)
    return [int(name) for name in todo], adopted


def _run(conn: Connection, what: str, target: str) -> None:
    from alembic import command

    cfg = config()
    cfg.attributes["connection"] = conn
    action: Any = getattr(command, what)
    action(cfg, target)


def _fence(conn: Connection) -> None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("schema_version"):
        conn.execute(text("CREATE TABLE schema_version (version BIGINT NOT NULL)"))
    if _sql_stored(conn)[1] != FENCE:
        conn.execute(text("DELETE FROM schema_version"))
        conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": FENCE})


def _on_file(path: Path, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one write transaction on a SQLAlchemy connection to the SQLite file.
    BEGIN IMMEDIATE, so a migration is all or nothing and waits for, rather than races,
    another writer."""
    from sqlalchemy import URL, create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # SQLAlchemy emits BEGIN below, pysqlite none of its own
        dbapi.execute("PRAGMA busy_timeout=5000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as conn:
            return work(conn)
    finally:
        engine.dispose()


_MIGRATION_LOCK = 7270157  # any fixed key: drillbot's migrations, one process at a time


async def _on_server(url: str, work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a connection of its own, in one transaction, holding the migration lock
    (a session advisory lock: two processes starting at once do not race; the second finds the
    work done)."""
    import asyncpg
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(
        "postgresql+asyncpg://", async_creator=lambda: asyncpg.connect(url), poolclass=NullPool
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            await conn.commit()
            try:
                result = await conn.run_sync(work)
                await conn.commit()
                return result
            finally:
                await conn.rollback()
                await conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK}
                )
                await conn.commit()
    finally:
        await engine.dispose()


def _child() -> int:
    """``python -m bot.storage.migrate``: the order (JSON) on stdin, the answer on stdout."""
    order = json.loads(sys.stdin.read())
    logging.basicConfig(level=logging.WARNING)
    where = order["where"]

    def work(conn: Connection) -> tuple[list[int], bool]:
        return upgrade(conn, where)

    try:
        if order["kind"] == "postgresql":
            applied, adopted = asyncio.run(_on_server(order["url"], work))
        else:
            applied, adopted = _on_file(Path(order["url"]), work)
    except SchemaTooNew as exc:
        kind = "old" if isinstance(exc, SchemaTooOld) else "new"
        sys.stdout.write(json.dumps({"refused": kind, "message": str(exc)}) + "\n")
        return REFUSED
    sys.stdout.write(json.dumps({"applied": applied, "adopted": adopted}) + "\n")
    return 0


_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
"""The folder holding the bot package: the child imports this very drillbot."""


async def in_child(kind: str, url: str, where: str) -> list[int]:
    """Upgrade the database at ``url`` (a file path, or PostgreSQL's URL: passed on stdin,
    never on the command line) in a child process; the revisions applied. Raises what
    ``upgrade`` would have raised here, with the same message (``where`` names the database
    in messages, without its password)."""
    env = dict(os.environ)
    root = _ROOT
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.storage.migrate",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    order = json.dumps({"kind": kind, "url": url, "where": where}).encode()
    try:
        out, err = await proc.communicate(order)
    except BaseException:  # cancelled: the child's transaction rolls back as it dies
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        answer = json.loads(lines[-1])
    except (IndexError, ValueError):
        answer = None
    if not isinstance(answer, dict) or proc.returncode not in (0, REFUSED):
        said = err.decode(errors="replace").strip().splitlines()
        reason = said[-1] if said else "no output"
        raise MigrationFailed(f"migrating {where} failed (exit {proc.returncode}): {reason}")
    if "refused" in answer:
        raise (SchemaTooOld if answer["refused"] == "old" else SchemaTooNew)(answer["message"])
    if answer["adopted"]:
        log.info("adopted release 0.1's database at schema version %d", LEGACY_LAST)
    for name in answer["applied"]:
        log.info("applied migration %04d", name)
    return [int(name) for name in answer["applied"]]


if __name__ == "__main__":
    from bot.storage import migrate as _module  # the package's module, not a second __main__

    sys.exit(_module._child())
