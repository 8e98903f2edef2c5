"""web: login accounts, audit trail, spot-check marks, report roll-ups

Revision ID: 0005_web
Revises: 0001_core
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

# The roll-up's value columns as they were when this revision was written (reports/partials.py).
_COUNTS = ["offered", "answered", "abandoned", "short_abandoned", "within_rule", "late", "late_apology",
           "late_no_apology", "agent_hangup_first", "long_hold", "abandoned_in_window", "answered_15s",
           "rings_1", "rings_2", "rings_3", "rings_4", "rings_5", "rings_6"]
_SUMS = ["sum_ring", "n_ring", "sum_wait", "n_wait", "sum_abandon_wait", "talk_seconds", "transfers"]
_HIST_SIZE = 62

revision = "0005_web"
down_revision = "0001_core"
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("password_set_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_users")),
    )
    op.create_table(
        "web_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_audit")),
    )
    with op.batch_alter_table("web_audit", schema=None) as batch_op:
        batch_op.create_index("ix_web_audit_user_at", ["user_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_audit_at"), ["at"], unique=False)
    op.create_table(
        "spot_check_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("agent_id", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.String(length=16), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_spot_check_marks_call_id_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_marks")),
        sa.UniqueConstraint("call_id", name=op.f("uq_spot_check_marks_call_id")),
    )
    _rollups()


def _rollups() -> None:
    values: list[sa.Column[Any]] = [sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS]
    values += [sa.Column(name, sa.Float(), nullable=False) for name in _SUMS]
    values += [sa.Column("max_wait", sa.Float(), nullable=True),
               sa.Column("ring_no_answer", sa.Integer(), nullable=False)]
    for measure in ("ring", "wait"):
        values += [sa.Column(f"hist_{measure}_{i}", sa.Integer(), nullable=False) for i in range(_HIST_SIZE)]
    op.create_table(
        "report_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=3), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("agent_key", sa.String(length=128), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        *values,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_rollup")),
    )
    with op.batch_alter_table("report_rollup", schema=None) as batch_op:
        batch_op.create_index("ix_report_rollup_grain_day", ["grain", "day"], unique=False)
    op.create_table(
        "report_rollup_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("max_call_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("built_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_report_rollup_days")),
    )


def downgrade() -> None:
    op.drop_table("report_rollup_days")
    with op.batch_alter_table("report_rollup", schema=None) as batch_op:
        batch_op.drop_index("ix_report_rollup_grain_day")
    op.drop_table("report_rollup")
    op.drop_table("spot_check_marks")
    with op.batch_alter_table("web_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_audit_at"))
        batch_op.drop_index("ix_web_audit_user_at")
    op.drop_table("web_audit")
    op.drop_table("web_users")
