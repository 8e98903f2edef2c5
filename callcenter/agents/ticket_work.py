"""What the agent does to a ticket at the desk (R4, R8, R14): correct its fields, confirm the
draft built from the transcript, assign it to a department with a promised time, close it with
an outcome, hand ownership over with a reason, decide where the transcript's draft differs from
what the agent wrote. The changes themselves, and their rules, are the tickets service's (C5);
this maps a desk action onto them. A category the agent confirms or sets is kept as a labeled
example the model learns from (R5). Session passed in; nothing here commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from callcenter.db.models.tickets import Ticket
from callcenter.hotline import Hotline
from callcenter.messages import TicketChanged
from callcenter.tickets import learning, manual, service
from callcenter.tickets.service import TicketError


def ticket_change(session: Session, hotline: Hotline, action: str, ticket_id: int, fields: dict[str, Any],
                  by: str, now: dt.datetime) -> Ticket:
    """One desk action on a ticket, by name."""
    if action == "update":
        ticket = service.correct(session, hotline, ticket_id, fields, now)
        if fields.get("category"):
            learning.remember_desk_decision(session, ticket, by, now, address_confirmed="address" in fields)
        return ticket
    if action == "confirm":
        service.correct(session, hotline, ticket_id, fields, now)
        ticket = service.start_work(session, ticket_id, now, confirmed=True)
        learning.remember_desk_decision(session, ticket, by, now, address_confirmed=True)
        return ticket
    if action == "assign":
        ticket = service.correct(session, hotline, ticket_id, fields, now)
        if fields.get("category"):
            learning.remember_desk_decision(session, ticket, by, now, address_confirmed="address" in fields)
        return service.dispatch(session, ticket_id, now)
    if action == "close":
        return service.close(session, ticket_id, now, outcome=str(fields.get("outcome") or "").strip())
    if action in ("adopt", "keep"):
        return manual.settle_difference(session, hotline, ticket_id, str(fields.get("field") or ""),
                                        action == "adopt", now)
    if action == "transfer":
        return service.transfer_ownership(session, ticket_id, str(fields.get("to") or ""),
                                          reason=str(fields.get("reason") or ""), by=by, now=now,
                                          hotline=hotline)
    raise TicketError(f"unknown ticket action {action!r}")


def ticket_changed(ticket: Ticket, action: str, now: dt.datetime) -> TicketChanged:
    change = {"close": "closed"}.get(action, "updated")
    return TicketChanged(ticket_id=ticket.id, change=change, category=ticket.category,  # type: ignore[arg-type]
                         urgent=ticket.urgent, caller=ticket.caller, owner=ticket.owner, at=now.timestamp())
