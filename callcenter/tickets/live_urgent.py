"""The urgent ticket of an emergency heard while the caller is still on the line (R19, issue 17),
keyed to the call (PBX name and Linkedid) from the moment it is opened, like a ticket opened at the
desk: hearing the emergency again (after a restart, or in a second worker process) finds it instead
of opening another, and the stored call and its transcript join it by that key, whether or not
the process that opened it is still running. Data functions: the caller owns the session."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.tickets import Ticket, TicketCall
from callcenter.hotline import Hotline
from callcenter.messages import LiveEmergency
from callcenter.tickets import manual, policy, service


def open_or_escalate(session: Session, hotline: Hotline, message: LiveEmergency,
                     now: dt.datetime) -> tuple[Ticket, str] | None:
    """(ticket, "created" | "updated") when this call's ticket was opened or made urgent now;
    None when it is urgent already (heard again: one ticket, one alert)."""
    existing = manual.ticket_for_call(session, message.server, message.linkedid)
    if existing is not None:
        if existing.urgent:
            return None
        existing.urgent = True  # opened at the desk before the emergency was heard
        urgent_due = policy.due_at(hotline, existing.category, True, existing.created_at, existing.visit_at)
        existing.due_at = min(existing.due_at, urgent_due) if existing.due_at else urgent_due
        existing.updated_at = now
        return existing, "updated"
    try:
        with session.begin_nested():  # another worker heard it at the same moment: its ticket is the one
            ticket = service.create(session, hotline, now, category="repair", caller=message.caller,
                                    owner=message.agent_id, urgent=True, phone=message.caller,
                                    call_key=(message.server, message.linkedid),
                                    summary=f"{message.danger}：{message.words}"[:200],
                                    missing_fields=["caller_name", "address"])
    except IntegrityError:
        if manual.ticket_for_call(session, message.server, message.linkedid) is None:
            raise
        return None
    return ticket, "created"


def link_stored_call(session: Session, server: str, linkedid: str, call_id: int) -> bool:
    """The call is stored: the urgent ticket opened while it was up gets the call's row on its
    keyed entry (and as its own call when this call opened it); the transcript then attaches to
    it. A ticket opened at the desk and not urgent is left to the transcript's draft, which
    merges into it and links the call (``intake``). False when there is nothing to link."""
    entry = session.scalars(select(TicketCall).where(TicketCall.server == server,
                                                     TicketCall.linkedid == linkedid)).first()
    if entry is None or entry.call_id is not None or not entry.ticket.urgent:
        return False
    entry.call_id = call_id
    ticket = entry.ticket
    if ticket.call_id is None and entry is ticket.calls[0]:
        ticket.call_id = call_id
    return True
