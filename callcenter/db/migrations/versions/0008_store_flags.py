"""store: calls keep the flags of fields recorded from elsewhere than the events said

Revision ID: 0008_store_flags
Revises: 0007_store
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_store_flags"
down_revision = "0007_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flags", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("flags")
