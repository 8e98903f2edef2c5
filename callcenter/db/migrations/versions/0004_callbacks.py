"""callbacks: callbacks, callback_log

Revision ID: 0004_callbacks
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0004_callbacks"
down_revision = "0001_core"
branch_labels = ("callbacks",)
depends_on = ("0003_tickets",)


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("caller", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("promised_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=96), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_callbacks_call_id_calls"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_callbacks_ticket_id_tickets"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_callbacks_dedupe_key")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callbacks_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callbacks_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_callbacks_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_callbacks_escalation", ["status", "promised_at"], unique=False,
                              postgresql_where=sa.text("escalated_at IS NULL"),
                              sqlite_where=sa.text("escalated_at IS NULL"))
        batch_op.create_index("ix_callbacks_owner_status", ["owner", "status"], unique=False)
        batch_op.create_index("ix_callbacks_caller_status", ["caller", "status"], unique=False)

    op.create_table(
        "callback_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"],
                                name=op.f("fk_callback_log_callback_id_callbacks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_log")),
    )
    with op.batch_alter_table("callback_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_log_callback_id"), ["callback_id"], unique=False)


def downgrade() -> None:
    op.drop_table("callback_log")
    op.drop_table("callbacks")
