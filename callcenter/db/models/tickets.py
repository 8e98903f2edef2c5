"""Tickets made from calls (R4, R5, R14), the calls attached to them, ownership changes, the
quality findings on the agent's side of each call (R2, R3, R16), and what the category model learns
from: the centre's labeled calls and the model's versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db.base import Base, utcnow

OPEN_STATUSES = ("open", "in_progress")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_caller_status", "caller", "status"),
        Index("ix_tickets_owner_status", "owner", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    caller: Mapped[str | None] = mapped_column(String(32))  # caller ID number
    caller_name: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    secondary_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    preferred_time: Mapped[str | None] = mapped_column(String(64))  # as spoken (R4)
    visit_at: Mapped[dt.datetime | None]
    department: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(16))  # agent id, first answerer (R14)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[dt.datetime | None]
    missing_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # R5: the model's probability of `category`, and, when it is below the model's threshold, the two
    # likeliest kinds for the desk to ask the agent about (None once the agent decided).
    category_confidence: Mapped[float | None] = mapped_column(Float)
    category_choices: Mapped[list[str] | None] = mapped_column(JSON)
    # R4: where the transcript's draft disagrees with what the agent wrote at the desk, as
    # [{"field", "ticket", "draft"}]; None when nothing differs (or the agent has decided).
    draft_differences: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    calls: Mapped[list[TicketCall]] = relationship(back_populates="ticket", cascade="all, delete-orphan",
                                                   order_by="TicketCall.attached_at")
    owner_changes: Mapped[list[OwnerChange]] = relationship(back_populates="ticket",
                                                            cascade="all, delete-orphan",
                                                            order_by="OwnerChange.at")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def as_dict(self) -> dict[str, Any]:
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


class TicketCall(Base):
    """Every call about the ticket's matter: the first one and the repeats attached to it. A call
    is keyed by its PBX and Linkedid from the moment a ticket is opened for it at the desk, before
    the call itself is stored (``call_id``): one call, one ticket."""

    __tablename__ = "ticket_calls"
    __table_args__ = (Index("uq_ticket_calls_server_linkedid", "server", "linkedid", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    server: Mapped[str | None] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(16))
    attached_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # when this call's transcript draft was merged into the ticket (once: a replay changes nothing)
    draft_merged_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    ticket: Mapped[Ticket] = relationship(back_populates="calls")


class OwnerChange(Base):
    """R14: the owner changes only with a reason, and every change is kept."""

    __tablename__ = "ticket_owner_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    from_owner: Mapped[str | None] = mapped_column(String(16))
    to_owner: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="owner_changes")


class QualityFinding(Base):
    """One thing the agent did not do, or said, against the standards (R2, R3, R16)."""

    __tablename__ = "quality_findings"
    __table_args__ = (Index("ix_quality_findings_agent_kind", "agent_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(16))
    # greeting_missing | apology_missing | forbidden_phrase | closing_missing
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    at_seconds: Mapped[float | None] = mapped_column(Float)  # where in the recording, when known
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CategoryExample(Base):
    """One call whose kind of matter (R5) a person decided: an agent confirming or correcting a
    ticket's category at the desk, or a labeled transcript added by `tickets learn`."""

    __tablename__ = "ticket_category_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "desk:<ticket id>" (the latest decision on that ticket wins) or "file:<hash of the call>":
    # the same call learned twice is one example.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # desk | file
    category: Mapped[str] = mapped_column(String(16))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)  # {id, turns, labels} as tickets learn reads
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CategoryModelVersion(Base):
    """Every refit of the category model, kept; the active one classifies. A refit that scores
    worse on the shipped test split than the active model is kept as refused, without a model."""

    __tablename__ = "ticket_category_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the version
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    examples: Mapped[int] = mapped_column(Integer)  # shipped + the centre's
    centre_examples: Mapped[int] = mapped_column(Integer)
    test_macro_f1: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    refused: Mapped[str | None] = mapped_column(Text)  # why, when refused
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
