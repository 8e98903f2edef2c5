"""relay_messages: bus messages too big for one PostgreSQL notification (roles run apart)

Revision ID: 0011_relay
Revises: 0009_backfill
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_relay"
down_revision = "0009_backfill"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relay_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )
    op.create_index("ix_relay_messages_created_at", "relay_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_relay_messages_created_at", table_name="relay_messages")
    op.drop_table("relay_messages")
