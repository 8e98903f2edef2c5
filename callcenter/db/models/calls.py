"""Calls, the agent legs that rang for them, holds, and the agents themselves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db.base import Base, utcnow


class Agent(Base):
    """An agent from the hotline file (工号 = id) and their live state from AMI."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    extension: Mapped[str] = mapped_column(String(16), unique=True)
    interface: Mapped[str] = mapped_column(String(128))  # e.g. PJSIP/8101
    role: Mapped[str] = mapped_column(String(16), default="agent")
    state: Mapped[str] = mapped_column(String(16), default="logged_out")
    pause_reason: Mapped[str | None] = mapped_column(String(64))
    state_since: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Call(Base):
    """One call, keyed by Asterisk's Linkedid (unique per server)."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_agent_started", "agent_id", "started_at"),
        Index("ix_calls_caller", "caller"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server: Mapped[str] = mapped_column(String(64), default="pbx")
    linkedid: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8), default="inbound")
    caller: Mapped[str | None] = mapped_column(String(32))
    caller_name: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_interface: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    member_name: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime]
    queue_entered_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime]
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    ring_seconds: Mapped[float | None] = mapped_column(Float)
    rings: Mapped[int | None] = mapped_column(Integer)
    within_rule: Mapped[bool | None] = mapped_column(Boolean)
    greeting: Mapped[str | None] = mapped_column(String(16))
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_count: Mapped[int] = mapped_column(Integer, default=0)
    longest_hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    hangup_first: Mapped[str] = mapped_column(String(8))
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    recordings: Mapped[str | None] = mapped_column(Text)  # newline-separated paths, one per side
    # True from the writer's commit until the callbacks area has taken its decisions for the call
    # (R6-R9) in its own commit; at start-up it takes the ones still open (a crash in between).
    # Fields recorded from elsewhere than the AMI events said (comma-separated): time_from_arrival,
    # ended_before_start. The call is kept; reports can tell it apart.
    flags: Mapped[str | None] = mapped_column(String(128))
    awaiting_decisions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The channel that ran Queue(): the call id of Asterisk's queue_log (backfill is keyed on it too).
    queue_uniqueid: Mapped[str | None] = mapped_column(String(64))
    # Recorded afterwards from queue_log (the service was down): times to the whole second.
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    legs: Mapped[list[CallLeg]] = relationship(back_populates="call", cascade="all, delete-orphan",
                                               order_by="CallLeg.started_at")
    holds: Mapped[list[CallHold]] = relationship(back_populates="call", cascade="all, delete-orphan",
                                                 order_by="CallHold.started_at")


Index("uq_calls_server_linkedid", Call.server, Call.linkedid, unique=True)
Index("ix_calls_awaiting_decisions", Call.id, postgresql_where=Call.awaiting_decisions.is_(True),
      sqlite_where=Call.awaiting_decisions.is_(True))
Index("ix_calls_server_queue_uniqueid", Call.server, Call.queue_uniqueid)


class CallLeg(Base):
    """One ring attempt at one agent (R13: a call that rolls over has several)."""

    __tablename__ = "call_legs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    agent_interface: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), index=True)
    member_name: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    ring_seconds: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))

    call: Mapped[Call] = relationship(back_populates="legs")


class CallHold(Base):
    """R11: each hold and how long it lasted."""

    __tablename__ = "call_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime]
    seconds: Mapped[float] = mapped_column(Float)

    call: Mapped[Call] = relationship(back_populates="holds")


class CallEvent(Base):
    """The journal: the raw AMI messages of each call, so a record can always be rebuilt."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server: Mapped[str] = mapped_column(String(64), default="pbx")
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[float] = mapped_column(Float)
    name: Mapped[str] = mapped_column(String(48))
    raw: Mapped[str] = mapped_column(Text)


class LeftMessage(Base):
    """A message a caller left for a callback (R12 after a failed transfer, R18 after hours),
    kept before the callback is decided: the callbacks decide it from this row, and a crash in
    between leaves it ``awaiting_decisions`` for the next start. One per (server, Linkedid)."""

    __tablename__ = "left_messages"
    __table_args__ = (Index("ix_left_messages_server_linkedid", "server", "linkedid", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server: Mapped[str] = mapped_column(String(64), default="pbx")
    linkedid: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))  # after_hours | transfer_failed
    department: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(16))
    recording: Mapped[str | None] = mapped_column(Text)
    left_at: Mapped[dt.datetime]
    awaiting_decisions: Mapped[bool] = mapped_column(Boolean, default=True)
