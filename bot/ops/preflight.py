"""Checks `drillbot run` makes before it connects, and the safe database backup.

Each failure is one line for the operator and a distinct exit code (documented in the README's
Operations section), so a supervisor or a person can tell at once what to fix. Nothing here
creates or changes a file: a check that fails leaves the disk as it found it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import aiohttp

from bot.bank import Bank, PackError, default_content_dir, load_bank
from bot.ops.config import Settings
from bot.storage import migrate

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"


class Exit(IntEnum):
    """Exit codes of the `drillbot` command (README, Operations)."""

    OK = 0
    FAILED = 1  # a command's own failure (invalid pack, backup refused, ...)
    CONFIG = 2  # bad settings or command line
    TOKEN = 3  # no token, or Discord refused it
    DATABASE = 4  # database path unusable: missing folder, read-only, not a SQLite database
    SCHEMA = 5  # database written by a newer drillbot
    CONTENT = 6  # question packs missing or invalid
    UNREACHABLE = 7  # Discord could not be reached after every retry
    INTENTS = 8  # the Message Content intent is not enabled in the developer portal
    SYNC = 9  # Discord refused a slash command at sync


@dataclass(frozen=True, slots=True)
class PreflightError(Exception):
    """One line for the operator and the exit code that goes with it."""

    message: str
    code: Exit

    def __str__(self) -> str:
        return self.message


# -- database ------------------------------------------------------------------------------


def is_sqlite_file(path: Path, *, allow_empty: bool = True) -> bool:
    """True for a SQLite 3 database file (or an empty file, which SQLite treats as one)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return head == SQLITE_MAGIC or (allow_empty and head == b"")


LATER = 10**9  # a revision that is not a number: from some later drillbot


def _connect_existing(path: Path) -> sqlite3.Connection:
    # mode=rw never creates a file (a plain connect would, if the file vanished meanwhile);
    # read-only mode is avoided because a WAL database may need its -shm file created.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)


def _schema_version(path: Path) -> int:
    """The schema version stored in an existing database, read without writing anything:
    Alembic's revision (a number), else release 0.1's ``schema_version``, else 0 (empty)."""
    conn = _connect_existing(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            if row is not None:
                return int(row[0]) if str(row[0]).isdigit() else LATER
        if "schema_version" not in tables:
            return 0
        (version,) = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(version or 0)
    finally:
        conn.close()


def check_database(path: Path) -> None:
    """The database can be opened for writing and migrated, without touching it now.

    A missing file is fine when its folder is writable (a first run creates it); WAL mode also
    needs to create ``-wal`` and ``-shm`` files beside it, so the folder must be writable too.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise PreflightError(f"database {path} is a folder, not a file", Exit.DATABASE)
    if not folder.is_dir():
        raise PreflightError(f"database folder {folder} does not exist", Exit.DATABASE)
    try:
        # Create and remove a file: os.access says yes to root even on a read-only mount.
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        raise PreflightError(
            f"database folder {folder} is not writable ({exc.strerror}); SQLite writes its "
            "journal there",
            Exit.DATABASE,
        ) from None
    if not path.exists():
        return
    if not path.is_file():
        raise PreflightError(f"database {path} is not a regular file", Exit.DATABASE)
    try:
        path.open("r+b").close()  # opened for writing, nothing written
    except OSError as exc:
        raise PreflightError(
            f"database {path} cannot be opened for writing ({exc.strerror})", Exit.DATABASE
        ) from None
    if not is_sqlite_file(path):
        raise PreflightError(f"{path} is not a SQLite database", Exit.DATABASE)
    try:
        current = _schema_version(path)
    except sqlite3.DatabaseError as exc:
        raise PreflightError(f"{path} cannot be read as a database: {exc}", Exit.DATABASE) from None
    latest = migrate.head()
    if 0 < current < migrate.LEGACY_LAST:
        raise PreflightError(
            f"database {path} has schema version {current}, from a release before 0.1; run "
            "drillbot 0.1's `drillbot db migrate` on it first, then this release",
            Exit.SCHEMA,
        )
    if current > latest:
        raise PreflightError(
            f"database {path} has schema version {current}, but this drillbot knows only up to "
            f"{latest}; upgrade drillbot or restore a backup",
            Exit.SCHEMA,
        )


# -- content -------------------------------------------------------------------------------


def check_content(settings: Settings) -> Bank:
    folder = settings.content_dir or default_content_dir()
    if not folder.exists():
        raise PreflightError(f"content {folder} does not exist (DRILLBOT_CONTENT)", Exit.CONTENT)
    try:
        bank = load_bank([folder])
    except PackError as exc:
        first = exc.issues[0]
        more = f" (and {len(exc.issues) - 1} more; run drillbot content validate)"
        raise PreflightError(
            f"content is invalid: {first}{more if len(exc.issues) > 1 else ''}", Exit.CONTENT
        ) from None
    if not bank.questions:
        raise PreflightError(f"content {folder} holds no questions", Exit.CONTENT)
    return bank


# -- token ---------------------------------------------------------------------------------


def check_token(settings: Settings) -> str:
    token = settings.token.reveal() if settings.token else ""
    if not token:
        raise PreflightError(
            "no bot token: set DISCORD_TOKEN or DISCORD_TOKEN_FILE (a file holding the token)",
            Exit.TOKEN,
        )
    if any(ch.isspace() for ch in token):
        raise PreflightError("the bot token contains whitespace; check it", Exit.TOKEN)
    return token


def check_postgres(url: str, timeout: float = 15.0) -> None:
    """The server answers and lets us in to the named database (refused connection, unknown
    host, database or role, wrong password): one line and exit 4, as a SQLite path gets."""
    import asyncpg

    from bot.storage.url import redact

    async def connect() -> None:
        conn = await asyncpg.connect(url, timeout=timeout)
        await conn.close()

    try:
        asyncio.run(connect())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise PreflightError(
            f"cannot open the database {redact(url)}: {reason}", Exit.DATABASE
        ) from None


def preflight(settings: Settings) -> Bank:
    """Every check `run` makes before connecting, in the order an operator would fix them."""
    if settings.db_url is None:
        check_database(settings.db_path)
    else:
        check_postgres(settings.db_url.reveal())
    bank = check_content(settings)
    check_token(settings)
    return bank


# -- Discord reachable ---------------------------------------------------------------------


Probe = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


def http_probe(api_base: str, timeout: float = 10.0) -> Probe:
    """GET {api_base}/gateway: unauthenticated, cheap, answered by Discord and the emulator."""

    async def probe() -> None:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(f"{api_base}/gateway") as response,
        ):
            if response.status >= 500:
                raise ConnectionError(f"HTTP {response.status}")

    return probe


async def wait_reachable(
    probe: Probe,
    *,
    where: str,
    attempts: int,
    base_delay: float,
    max_delay: float = 60.0,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Retry ``probe`` with exponential backoff, one log line per failed attempt."""
    delay = base_delay
    for attempt in range(1, attempts + 1):
        try:
            await probe()
            return
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            if attempt == attempts:
                break
            log.warning(
                "Discord unreachable at %s (attempt %d of %d): %s; retrying in %.1fs",
                where,
                attempt,
                attempts,
                reason,
                delay,
            )
            await sleep(delay)
            delay = min(delay * 2, max_delay)
    raise PreflightError(
        f"Discord unreachable at {where} after {attempts} attempt(s): {reason}", Exit.UNREACHABLE
    )


# -- backup --------------------------------------------------------------------------------


def check_backup(source: Path, target: Path, *, force: bool) -> None:
    """Refuse every backup that could lose data or create a database out of nothing."""
    if not source.exists():
        raise PreflightError(f"no database at {source} to back up (set DRILLBOT_DB)", Exit.DATABASE)
    if not source.is_file() or not is_sqlite_file(source, allow_empty=False):
        raise PreflightError(f"{source} is not a SQLite database", Exit.DATABASE)
    if target.is_dir():
        raise PreflightError(f"{target} is a folder; give a file name", Exit.FAILED)
    if not target.parent.is_dir():
        raise PreflightError(f"folder {target.parent} does not exist", Exit.FAILED)
    if target.exists() or target.is_symlink():
        if not force:
            raise PreflightError(f"{target} exists; add --force to replace it", Exit.FAILED)
        if not target.is_file() or not is_sqlite_file(target):
            raise PreflightError(
                f"{target} is not a SQLite database; refusing to replace it", Exit.FAILED
            )
    if source.resolve() == target.resolve():
        raise PreflightError("the backup must not be the database itself", Exit.FAILED)


def backup_database(source: Path, target: Path, *, force: bool = False) -> None:
    """Copy a live database with SQLite's online backup API into a temporary file beside the
    target, verify it, then rename it into place: a reader never sees a half-written backup,
    and a failed backup leaves any earlier one untouched.

    Verified means SQLite's integrity check passes and every table has the row count the
    source had in the snapshot the copy was taken from. A ``-wal``/``-shm`` left beside the
    target (an old backup opened in WAL mode, then a crash) would be read as part of the new
    file, so it is removed before the rename, and the target is counted again after it."""
    check_backup(source, target, force=force)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise PreflightError(
            f"cannot write in {target.parent}: {exc.strerror}", Exit.FAILED
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = _connect_existing(source)
        try:
            src.execute("BEGIN")  # one read snapshot: the counts are the copy's
            expected = _row_counts(src)
            dest = sqlite3.connect(tmp)
            try:
                src.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            finally:
                dest.close()
            src.execute("COMMIT")
        finally:
            src.close()
        _verify_backup(tmp, expected, integrity=True)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        os.replace(tmp, target)
        _verify_backup(target, expected, integrity=False)
    except sqlite3.DatabaseError as exc:
        raise PreflightError(f"backup of {source} failed: {exc}", Exit.DATABASE) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return {t: int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}


def _verify_backup(path: Path, expected: dict[str, int], *, integrity: bool) -> None:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if integrity:
            (verdict,) = conn.execute("PRAGMA integrity_check(1)").fetchone()
            if verdict != "ok":
                raise PreflightError(
                    f"the backup failed its integrity check: {verdict}", Exit.FAILED
                )
        found = _row_counts(conn)
    finally:
        conn.close()
    if found != expected:
        wrong = sorted(t for t in expected.keys() | found.keys() if found.get(t) != expected.get(t))
        raise PreflightError(
            f"the backup does not match its source (row counts differ in {', '.join(wrong[:5])})",
            Exit.FAILED,
        )
