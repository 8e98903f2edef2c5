"""store: calls awaiting the callbacks area's decisions (the durable write path)

Revision ID: 0007_store
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_store"
down_revision = "0001_core"
branch_labels = ("store",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_decisions", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_index("ix_calls_awaiting_decisions", "calls", ["id"], unique=False,
                    postgresql_where=sa.text("awaiting_decisions IS true"),
                    sqlite_where=sa.text("awaiting_decisions IS 1"))


def downgrade() -> None:
    op.drop_index("ix_calls_awaiting_decisions", table_name="calls")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("awaiting_decisions")
