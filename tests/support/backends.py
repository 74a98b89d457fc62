"""Which database a test's store lives in, in the forms the bot's entry points take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from bot.ops.config import Secret
from bot.storage import PgDatabase, Store, backend_of


def store_url(store: Store) -> str:
    """What ``DRILLBOT_DB`` would say for this store: a postgresql:// URL or the SQLite path."""
    if isinstance(store.db, PgDatabase):
        return store.db.url
    return str(store.db.path)


def db_settings(store: Store) -> dict[str, Any]:
    """``Settings`` fields naming the store's database, whichever backend it is on."""
    if isinstance(store.db, PgDatabase):
        return {"db_url": Secret(store.db.url)}
    return {"db_path": store.db.path}


def backend_of_store(store: Store) -> str:
    return "postgresql" if isinstance(store.db, PgDatabase) else "sqlite"


def url_settings(url: str) -> dict[str, Any]:
    """``Settings`` fields for a ``DRILLBOT_DB`` value (as ``Settings.load`` reads it)."""
    kind, where = backend_of(url)
    if kind == "postgresql":
        return {"db_url": Secret(where)}
    return {"db_path": Path(where)}


# What a closed store raises when used: aiosqlite's "no active connection", asyncpg's
# "pool is closed".
CLOSED_STORE_ERRORS: tuple[type[Exception], ...] = (ValueError, asyncpg.InterfaceError)
