"""calls: the queue's Uniqueid and the backfilled mark (calls recorded from Asterisk's queue_log)

Revision ID: 0009_backfill
Revises: 0008_store_flags
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_backfill"
down_revision = "0008_store_flags"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_uniqueid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("backfilled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_calls_server_queue_uniqueid", ["server", "queue_uniqueid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_server_queue_uniqueid")
        batch_op.drop_column("backfilled")
        batch_op.drop_column("queue_uniqueid")
