"""tickets: ticket_category_examples (the centre's labeled calls), ticket_category_models (versions)

Revision ID: 0009_ticket_learning
Revises: 0003_tickets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0009_ticket_learning"
down_revision = "0003_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_category_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_ticket_category_examples_ticket_id_tickets"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_category_examples")),
        sa.UniqueConstraint("key", name=op.f("uq_ticket_category_examples_key")),
    )
    with op.batch_alter_table("ticket_category_examples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_category_examples_ticket_id"), ["ticket_id"],
                              unique=False)
    op.create_table(
        "ticket_category_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("centre_examples", sa.Integer(), nullable=False),
        sa.Column("test_macro_f1", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("refused", sa.Text(), nullable=True),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_category_models")),
    )


def downgrade() -> None:
    op.drop_table("ticket_category_models")
    with op.batch_alter_table("ticket_category_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_category_examples_ticket_id"))
    op.drop_table("ticket_category_examples")
