"""What the centre already knows about a caller (R14, R15): the owner of their open matter, their
name and address, open tickets and last calls. Session passed in; nothing here commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import OPEN_STATUSES, Ticket


@dataclass(frozen=True)
class TicketSummary:
    id: int
    category: str
    urgent: bool
    status: str
    owner: str | None
    summary: str
    address: str | None
    due_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class CallSummary:
    id: int
    started_at: dt.datetime
    agent_id: str | None
    answered: bool
    talk_seconds: float | None


@dataclass(frozen=True)
class CallerHistory:
    caller: str
    name: str | None
    address: str | None
    open_tickets: list[TicketSummary] = field(default_factory=list)
    last_calls: list[CallSummary] = field(default_factory=list)

    @property
    def is_repeat(self) -> bool:
        return bool(self.open_tickets or self.last_calls)


def open_tickets(session: Session, caller: str) -> list[Ticket]:
    """The caller's open matters, newest first."""
    query = (select(Ticket).where(Ticket.caller == caller, Ticket.status.in_(OPEN_STATUSES))
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()))
    return list(session.scalars(query))


def open_ticket_owner(session: Session, caller: str | None) -> str | None:
    """R14: the agent who owns this caller's newest open matter, if any."""
    if not caller:
        return None
    query = (select(Ticket.owner).where(Ticket.caller == caller, Ticket.status.in_(OPEN_STATUSES),
                                        Ticket.owner.is_not(None))
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1))
    return session.scalars(query).first()


def known_caller_name(session: Session, caller: str | None) -> str | None:
    """R15: the name the caller gave last time (ticket first, else the call's caller-ID name)."""
    if not caller:
        return None
    name = session.scalars(
        select(Ticket.caller_name).where(Ticket.caller == caller, Ticket.caller_name.is_not(None))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1)
    ).first()
    if name:
        return name
    return session.scalars(
        select(Call.caller_name).where(Call.caller == caller, Call.caller_name.is_not(None),
                                       Call.caller_name != "")
        .order_by(Call.started_at.desc()).limit(1)
    ).first()


def known_address(session: Session, caller: str) -> str | None:
    return session.scalars(
        select(Ticket.address).where(Ticket.caller == caller, Ticket.address.is_not(None))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1)
    ).first()


def caller_history(session: Session, caller: str, last_calls: int = 5) -> CallerHistory:
    """R15: everything the agent's screen shows while the phone rings."""
    calls = session.scalars(
        select(Call).where(Call.caller == caller).order_by(Call.started_at.desc()).limit(last_calls)
    )
    return CallerHistory(
        caller=caller,
        name=known_caller_name(session, caller),
        address=known_address(session, caller),
        open_tickets=[_summary(t) for t in open_tickets(session, caller)],
        last_calls=[CallSummary(c.id, c.started_at, c.agent_id, c.answered, c.talk_seconds) for c in calls],
    )


def _summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(ticket.id, ticket.category, ticket.urgent, ticket.status, ticket.owner,
                         ticket.summary,
                         ticket.address, ticket.due_at, ticket.created_at)
