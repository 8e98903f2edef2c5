"""Transcription jobs and transcripts (contract C4).

A job is one finished call whose recordings (one file per side) wait for the recognizer. It
survives restarts: a worker claims it (``running``, ``claimed_by``, ``lease_until``); a job
whose claimer died goes back to the queue when its lease runs out, or at once when the
service on the same host restarts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, utcnow

JOB_STATUSES = ("queued", "running", "waiting", "done", "failed")  # waiting: for a recording to appear


class TranscriptionJob(Base):
    __tablename__ = "transcription_jobs"
    __table_args__ = (Index("ix_transcription_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    # [{"speaker": "agent"|"caller", "path": "…-agent.wav"}, …]
    recordings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(128))  # "host:pid"
    lease_until: Mapped[dt.datetime | None]
    transcript_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    # [{"speaker": "agent"|"caller", "start": s, "end": s, "text": "…"}], ordered by start
    turns: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
