"""tickets: tickets, ticket_calls, ticket_owner_changes, quality_findings

Revision ID: 0003_tickets
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0003_tickets"
down_revision = "0001_core"
branch_labels = ("tickets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("caller_name", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("secondary_categories", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("preferred_time", sa.String(length=64), nullable=True),
        sa.Column("visit_at", UTCDateTime(), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("owner", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("missing_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_tickets_call_id_calls"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_call_id"), ["call_id"], unique=False)
        batch_op.create_index("ix_tickets_caller_status", ["caller", "status"], unique=False)
        batch_op.create_index("ix_tickets_owner_status", ["owner", "status"], unique=False)

    op.create_table(
        "ticket_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.String(length=16), nullable=True),
        sa.Column("attached_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_ticket_calls_call_id_calls"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_calls_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_calls")),
    )
    with op.batch_alter_table("ticket_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_calls_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_calls_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_owner_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("from_owner", sa.String(length=16), nullable=True),
        sa.Column("to_owner", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=16), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_ticket_owner_changes_ticket_id_tickets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_owner_changes")),
    )
    with op.batch_alter_table("ticket_owner_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_owner_changes_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "quality_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at_seconds", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_quality_findings_call_id_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_findings")),
    )
    with op.batch_alter_table("quality_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_findings_call_id"), ["call_id"], unique=False)
        batch_op.create_index("ix_quality_findings_agent_kind", ["agent_id", "kind"], unique=False)


def downgrade() -> None:
    op.drop_table("quality_findings")
    op.drop_table("ticket_owner_changes")
    op.drop_table("ticket_calls")
    op.drop_table("tickets")
