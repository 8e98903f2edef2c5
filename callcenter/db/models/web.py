"""The web's own tables: login accounts (passwords hashed, never stored), the audit trail of
what was looked at or exported (R17), and the marks of the supervisors' spot checks (R20)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, utcnow


class WebUser(Base):
    """A login for a hotline agent or supervisor; id = 工号, role comes from the hotline file."""

    __tablename__ = "web_users"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # scrypt$n$r$p$salt$hash
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    password_set_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """R17: who exported or looked at personal data, and when."""

    __tablename__ = "web_audit"
    __table_args__ = (Index("ix_web_audit_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    # login, export_csv, export_xlsx, view_call, play_recording …
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class SpotCheckMark(Base):
    """R20: a sampled call a supervisor has reviewed."""

    __tablename__ = "spot_check_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    day: Mapped[str] = mapped_column(String(10))  # local day of the sample, YYYY-MM-DD
    agent_id: Mapped[str] = mapped_column(String(16))
    reviewed_by: Mapped[str] = mapped_column(String(16))
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


# The additive partial figures a roll-up row holds (reports/partials.py computes them): one
# column per counted figure and per sum, one per whole-second histogram bucket of ring and wait.
COUNTED = ("offered", "answered", "abandoned", "short_abandoned", "within_rule", "late", "late_apology",
           "late_no_apology", "agent_hangup_first", "long_hold", "abandoned_in_window", "answered_15s",
           *(f"rings_{n}" for n in range(1, 7)))
SUMS = ("sum_ring", "n_ring", "sum_wait", "n_wait", "sum_abandon_wait", "talk_seconds", "transfers")
HIST_MAX = 60
HIST_OVER = HIST_MAX + 1
HIST_SIZE = HIST_OVER + 1  # buckets 0 … 60 whole seconds, and 61 = over a minute


def _rollup_values() -> list[Column[Any]]:
    cols: list[Column[Any]] = [Column(name, Integer, nullable=False, default=0) for name in COUNTED]
    cols += [Column(name, Float, nullable=False, default=0.0) for name in SUMS]
    cols += [Column("max_wait", Float), Column("ring_no_answer", Integer, nullable=False, default=0)]
    for measure in ("ring", "wait"):
        cols += [Column(f"hist_{measure}_{i}", Integer, nullable=False, default=0) for i in range(HIST_SIZE)]
    return cols


# Report roll-ups of closed local days (reports/rollup.py): one row per (day, agent, queue) —
# grain "daq" — and per (day, hour) — grain "dh" — holding the additive partial figures.
report_rollup = Table(
    "report_rollup", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("grain", String(3), nullable=False),
    Column("day", String(10), nullable=False),
    Column("hour", Integer),
    Column("agent_key", String(128)),
    Column("queue", String(64)),
    *_rollup_values(),
    Index("ix_report_rollup_grain_day", "grain", "day"),
)


class ReportRollupDay(Base):
    """Which local days are rolled up, and the fingerprint of the calls they were built from."""

    __tablename__ = "report_rollup_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    max_call_id: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(200))  # time zone and thresholds the figures used
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored, so the
    table cannot be used to take over a session. Deleting the row ends the session at once."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    client: Mapped[str] = mapped_column(String(64), default="")
