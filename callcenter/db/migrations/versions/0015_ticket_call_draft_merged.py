"""ticket_calls: when the call's transcript draft was merged into the ticket keyed to the call, so
an urgent ticket opened while the call was up gets the transcript's fields once and a replayed
draft changes nothing; entries already joined by their stored call count as merged

Revision ID: 0015_ticket_call_draft_merged
Revises: 0012_ticket_call_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0015_ticket_call_draft_merged"
down_revision = "0012_ticket_call_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_merged_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE ticket_calls SET draft_merged_at = attached_at WHERE call_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("ticket_calls", schema=None) as batch_op:
        batch_op.drop_column("draft_merged_at")
