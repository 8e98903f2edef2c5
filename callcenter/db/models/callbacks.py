"""Callbacks the centre owes its customers (contract C6) and the log of what happened to each.

The ``callbacks`` row is the truth: the scheduler only wakes its execution, and a wake-up for a
callback that is no longer pending does nothing (R6-R9, R12, R18, R22).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, utcnow

REASONS = ("inquiry_30min", "complaint_48h", "complaint_followup", "repair_reminder", "repair_followup",
           "dropped", "abandoned", "message")
STATUSES = ("pending", "running", "done", "failed", "cancelled")
OPEN_STATUSES = ("pending", "running", "failed")


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        # The scheduler's two look-ups: the next pending one, and the ones to escalate.
        Index("ix_callbacks_status_due", "status", "due_at"),
        Index("ix_callbacks_escalation", "status", "promised_at",
              postgresql_where=text("escalated_at IS NULL"),
              sqlite_where=text("escalated_at IS NULL")),
        Index("ix_callbacks_owner_status", "owner", "status"),
        Index("ix_callbacks_caller_status", "caller", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    caller: Mapped[str] = mapped_column(String(32))  # the number to call
    owner: Mapped[str | None] = mapped_column(String(16))  # agent id (R14); None = anyone in the department
    department: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[dt.datetime]  # when the next attempt is due (retries move it)
    # The time promised to the customer; escalation counts from it, not from the retries (R22).
    promised_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Makes creation idempotent: the same call or ticket event never yields two callbacks.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    note: Mapped[str | None] = mapped_column(Text)  # why it was rescheduled, last


class CallbackLog(Base):
    """Every attempt with its outcome, and every reschedule, escalation, cancellation and close."""

    __tablename__ = "callback_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime]
    # attempt | placed (by a tracker, run apart) | answered | no_answer | failed | rescheduled | escalated |
    # cancelled | closed | created
    kind: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int | None] = mapped_column(Integer)
    action_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(Text, default="")
