"""agents: the desk's audit trail

Revision ID: 0006_agents
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0006_agents"
down_revision = "0001_core"
branch_labels = ("agents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_actions")),
    )
    with op.batch_alter_table("desk_actions", schema=None) as batch_op:
        batch_op.create_index("ix_desk_actions_agent_at", ["agent_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("desk_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_desk_actions_agent_at")
    op.drop_table("desk_actions")
