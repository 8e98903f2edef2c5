"""speech: transcription jobs and transcripts

Revision ID: 0002_speech
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.db.base import UTCDateTime

revision = "0002_speech"
down_revision = "0001_core"
branch_labels = ("speech",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcription_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("recordings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("transcript_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_transcription_jobs_call_id_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcription_jobs")),
        sa.UniqueConstraint("call_id", name=op.f("uq_transcription_jobs_call_id")),
    )
    op.create_index("ix_transcription_jobs_status_id", "transcription_jobs", ["status", "id"])
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_transcripts_call_id_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
    )
    op.create_index(op.f("ix_transcripts_call_id"), "transcripts", ["call_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_transcripts_call_id"), table_name="transcripts")
    op.drop_table("transcripts")
    op.drop_index("ix_transcription_jobs_status_id", table_name="transcription_jobs")
    op.drop_table("transcription_jobs")
