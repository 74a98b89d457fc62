"""A blind answer's published parts are found again by what is stored (issue 21).

Each part's nonce is stored just before it is sent, its message id (blind_parts.message_id)
the moment Discord returns it; a row with a nonce and no message id is the one part Discord may
have taken before a crash, looked for by that nonce.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blind_parts") as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError(
        "drillbot does not downgrade: restore the backup taken before upgrading"
    )
