"""tickets: the category's confidence and, when the model is unsure, the two kinds to ask about

Revision ID: 0010_ticket_category_choice
Revises: 0009_ticket_learning
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_ticket_category_choice"
down_revision = "0009_ticket_learning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("category_choices", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("category_choices")
        batch_op.drop_column("category_confidence")
