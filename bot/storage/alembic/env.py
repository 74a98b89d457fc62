"""Alembic's environment for drillbot: one history for SQLite and PostgreSQL.

drillbot runs Alembic itself (bot/storage/migrate.py), on a connection it already holds and
inside its own lock, so this environment only configures that connection; there is no
alembic.ini and no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context

from bot.storage.schema import metadata
from bot.storage.schema.base import for_postgresql

for_postgresql()  # the partial indexes' PostgreSQL predicates, for either backend's history
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: Alembic's batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    compare_server_default=True,
)
with context.begin_transaction():
    context.run_migrations()
