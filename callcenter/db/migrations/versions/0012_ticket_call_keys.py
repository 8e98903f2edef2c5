"""tickets: a ticket opened at the desk during a call is keyed to the call (PBX name and Linkedid)
before the call is stored, so the transcript's draft finds it; what the draft says otherwise is kept

Revision ID: 0012_ticket_call_keys
Revises: 0010_ticket_category_choice
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_ticket_call_keys"
down_revision = "0010_ticket_category_choice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("server", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("linkedid", sa.String(64), nullable=True))
        batch_op.create_index("uq_ticket_calls_server_linkedid", ["server", "linkedid"], unique=True)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_differences", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("draft_differences")
    with op.batch_alter_table("ticket_calls", schema=None) as batch_op:
        batch_op.drop_index("uq_ticket_calls_server_linkedid")
        batch_op.drop_column("linkedid")
        batch_op.drop_column("server")
