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
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

LEGACY_LAST = 18  # release 0.1's last SQL migration: the history's first revision adopts it
FENCE = 1000  # in schema_version: what release 0.1 sees, and refuses as newer than itself


class SchemaTooNew(RuntimeError):
    """The database was written by a newer drillbot; refusing to run against it."""


class SchemaTooOld(SchemaTooNew):
    """The database predates release 0.1's schema, whose SQL migrations are no longer shipped."""


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


def _stamped(conn: Connection) -> str | None:
    """Alembic's revision of the database, read as Alembic stores it (one row)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(value) if value is not None else None


def _legacy_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_version"):
        return None
    value = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
    return int(value or 0)


def current(conn: Connection) -> int:
    """The schema version of the database on ``conn`` (0 for an empty one), without changing it."""
    rev = _stamped(conn)
    if rev is not None:
        return int(rev) if rev.isdigit() else 10**9
    legacy = _legacy_version(conn)
    return legacy or 0


def upgrade(conn: Connection, where: str) -> list[int]:
    """Bring the database on ``conn`` to the newest revision; the revisions applied.

    Runs inside the caller's transaction (PostgreSQL: DDL is transactional, so a failure leaves
    nothing half-made; the caller also holds the migration lock)."""
    known = revisions()
    rev = _stamped(conn)
    legacy = _legacy_version(conn)
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
        _run(conn, "stamp", f"{LEGACY_LAST:04d}")
        log.info("adopted release 0.1's database at schema version %d", LEGACY_LAST)
        rev = f"{LEGACY_LAST:04d}"
    if rev is not None and rev not in known:
        shown = int(rev) if rev.isdigit() else rev
        raise SchemaTooNew(
            f"database {where} has schema version {shown}, but this drillbot knows only up to"
            f" {head()}; upgrade drillbot or restore a backup"
        )
    pending = known[known.index(rev) + 1 :] if rev is not None else known
    if pending:
        _run(conn, "upgrade", "head")
        for name in pending:
            log.info("applied migration %s", name)
    _fence(conn)
    return [int(name) for name in pending]


def _run(conn: Connection, what: str, target: str) -> None:
    from alembic import command

    cfg = config()
    cfg.attributes["connection"] = conn
    action: Any = getattr(command, what)
    action(cfg, target)


def _fence(conn: Connection) -> None:
    if not inspect(conn).has_table("schema_version"):
        conn.execute(text("CREATE TABLE schema_version (version BIGINT NOT NULL)"))
    if _legacy_version(conn) != FENCE:
        conn.execute(text("DELETE FROM schema_version"))
        conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": FENCE})
