"""agents: wrap-up pauses with their end, so a restart lifts them on time

Revision ID: 0006b_agents_wrap_up
Revises: 0006_agents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0006b_agents_wrap_up"
down_revision = "0006_agents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wrap_up_pauses",
        sa.Column("agent_id", sa.String(length=16), nullable=False),
        sa.Column("interface", sa.String(length=128), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_wrap_up_pauses")),
    )


def downgrade() -> None:
    op.drop_table("wrap_up_pauses")
