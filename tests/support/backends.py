"""Which database a test's store lives in, in the forms the bot's entry points take."""

from __future__ import annotations

from typing import Any

from bot.config import Secret
from bot.storage import PgDatabase, Store


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
