"""left_messages: a message left for a callback (R12, R18), kept before the callback is decided

Revision ID: 0013_left_messages
Revises: 0012_recording_stores
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0013_left_messages"
down_revision = "0012_recording_stores"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "left_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=64), nullable=False),
        sa.Column("linkedid", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("agent_id", sa.String(length=16), nullable=True),
        sa.Column("recording", sa.Text(), nullable=True),
        sa.Column("left_at", UTCDateTime(), nullable=False),
        sa.Column("awaiting_decisions", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_left_messages")),
    )
    op.create_index("ix_left_messages_server_linkedid", "left_messages", ["server", "linkedid"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_left_messages_server_linkedid", table_name="left_messages")
    op.drop_table("left_messages")
