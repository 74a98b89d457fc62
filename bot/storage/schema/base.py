"""The one ``MetaData`` and the id type every table module uses."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData

metadata = MetaData()

# BIGINT on PostgreSQL; INTEGER on SQLite, whose integers are 64-bit and whose single INTEGER
# primary key is the rowid (numbered by SQLite, as the old migrations made it).
Big = BigInteger().with_variant(Integer(), "sqlite")
