"""Tickets the agent opens at the desk for a call, during it or after (R4, R14, R15), and the
transcript's draft merged into them later.

R4 wants the matter written down while the caller is on the line, not only once a transcript
exists. A ticket opened for a call is keyed to the call (its PBX and Linkedid, ``ticket_calls``)
before the call is stored, so one call has one ticket: opening it again returns it, and the draft
built from the call's transcript fills what is still empty and keeps, beside the agent's words,
whatever it heard otherwise (``draft_differences``) for the agent to decide. Session passed in;
nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket, TicketCall
from callcenter.hotline import Hotline
from callcenter.tickets import policy, service
from callcenter.tickets.builder import TicketDraft
from callcenter.tickets.extract.time import visit_at
from callcenter.tickets.history import caller_history
from callcenter.tickets.service import R4_FIELDS, TicketError

# The category a ticket opened at the desk starts with when the queue does not tell: the agent
# sets it, or the draft's classification fills it (R5).
UNDECIDED = "other"
# What the draft is compared on, in the order the desk lists the differences.
MERGED_FIELDS = ("caller_name", "address", "phone", "category", "summary", "preferred_time")


@dataclass(frozen=True)
class DeskCall:
    """A call as the desk knows it while it is up: the PBX's Linkedid, not yet a stored call."""

    server: str
    linkedid: str
    caller: str | None
    agent_id: str
    queue: str | None = None


def ticket_for_call(session: Session, server: str, linkedid: str) -> Ticket | None:
    """The ticket of this call: opened for it at the desk, or built from it once it was stored."""
    query = (select(Ticket).join(TicketCall, TicketCall.ticket_id == Ticket.id)
             .outerjoin(Call, Call.id == TicketCall.call_id)
             .where(or_(and_(TicketCall.server == server, TicketCall.linkedid == linkedid),
                        and_(Call.server == server, Call.linkedid == linkedid)))
             .order_by(Ticket.id).limit(1))
    return session.scalars(query).first()


def open_for_call(session: Session, hotline: Hotline, call: DeskCall, now: dt.datetime,
                  matter: int | None = None) -> tuple[Ticket, bool]:
    """The call's ticket, (ticket, True) when made now. New: prefilled from the caller's history
    (R15: name, address) and caller ID, owned by the agent (R14). With ``matter``, the caller's
    open ticket this call is about instead (a repeat call joins its matter, no second ticket)."""
    existing = ticket_for_call(session, call.server, call.linkedid)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():  # two clicks at once: the second finds the first's ticket
            ticket = _continue(session, call, matter, now) if matter is not None else _new(
                session, hotline, call, now)
    except IntegrityError:
        found = ticket_for_call(session, call.server, call.linkedid)
        if found is None:
            raise
        return found, False
    return ticket, matter is None


def _new(session: Session, hotline: Hotline, call: DeskCall, now: dt.datetime) -> Ticket:
    history = caller_history(session, call.caller) if call.caller else None
    department = hotline.department_of_queue(call.queue) if call.queue else None
    only = department.categories[0] if department is not None and len(department.categories) == 1 else None
    category = only or UNDECIDED
    ticket = service.create(session, hotline, now, category=category, caller=call.caller,
                            owner=call.agent_id,
                            call_key=(call.server, call.linkedid),
                            caller_name=history.name if history else None,
                            address=history.address if history else None, phone=call.caller,
                            department=department.id if department is not None else None,
                            missing_fields=[])
    ticket.missing_fields = r4_missing(ticket)
    return ticket


def _continue(session: Session, call: DeskCall, matter: int, now: dt.datetime) -> Ticket:
    ticket = service.get(session, matter)
    if not ticket.is_open or not call.caller or ticket.caller != call.caller:
        raise TicketError(f"工单 {matter} 不是这位来电人的未结事项 / ticket {matter} is not this "
                          "caller's open matter")
    service.attach_call(session, ticket, now, call_id=None, agent_id=call.agent_id,
                        call_key=(call.server, call.linkedid))
    return ticket


def r4_missing(ticket: Ticket) -> list[str]:
    """R4: the fields still empty (a convenient time only for a repair); an undecided kind counts."""
    missing = [n for n in R4_FIELDS if not getattr(ticket, n)
               and (n != "preferred_time" or ticket.category == "repair")]
    return (["category"] if ticket.category == UNDECIDED else []) + [m for m in missing if m != "category"]


def merge_draft(ticket: Ticket, d: TicketDraft, hotline: Hotline, now: dt.datetime) -> bool:
    """The transcript's draft into the ticket the agent opened for the call: what is empty is
    filled, what differs is kept beside it for the agent (the agent's words stay). An emergency
    the draft heard makes the ticket urgent at once (R19); True then."""
    e = d.extraction
    heard: dict[str, Any] = {"caller_name": d.caller_name, "address": d.address, "phone": e.phone,
                             "category": e.category, "summary": e.summary,
                             "preferred_time": e.preferred_time}
    differences = []
    for name in MERGED_FIELDS:
        mine, theirs = getattr(ticket, name), heard[name]
        if not theirs:
            continue
        if not mine or (name == "category" and mine == UNDECIDED):
            _take(ticket, name, theirs, hotline, now)
        elif str(mine).strip() != str(theirs).strip():
            differences.append({"field": name, "ticket": mine, "draft": theirs})
    became_urgent = e.urgent and not ticket.urgent
    if became_urgent:
        ticket.urgent = True
        ticket.due_at = policy.due_at(hotline, ticket.category, True, ticket.created_at, ticket.visit_at)
        differences.append({"field": "urgent", "ticket": False, "draft": True})
    ticket.draft_differences = differences or None
    ticket.missing_fields = r4_missing(ticket)
    ticket.updated_at = now
    return became_urgent


def _take(ticket: Ticket, name: str, value: Any, hotline: Hotline, now: dt.datetime) -> None:
    setattr(ticket, name, value)
    if name == "preferred_time" and ticket.visit_at is None:
        ticket.visit_at = visit_at(value, now, hotline.centre.timezone)
    if name in ("category", "preferred_time"):
        ticket.department = ticket.department or policy.department_for(hotline, ticket.category)
        ticket.due_at = policy.due_at(hotline, ticket.category, ticket.urgent, ticket.created_at,
                                      ticket.visit_at)


def settle_difference(session: Session, hotline: Hotline, ticket_id: int, name: str, adopt: bool,
                      now: dt.datetime) -> Ticket:
    """The agent decides one difference: the draft's value (``adopt``) or their own; either way it
    is no longer flagged."""
    ticket = service.get(session, ticket_id)
    differences = list(ticket.draft_differences or [])
    found = next((d for d in differences if d.get("field") == name), None)
    if found is None:
        raise TicketError(f"{name}: 草稿与工单没有差异 / the draft does not differ on {name}")
    if adopt and name != "urgent":
        _take(ticket, name, found["draft"], hotline, now)
    ticket.draft_differences = [d for d in differences if d is not found] or None
    ticket.missing_fields = r4_missing(ticket)
    ticket.updated_at = now
    return ticket
