"""The desk's view of tickets (R4, R14): what the agent sees and may change.

Reads are plain queries on the tickets area's table (C5); changes go through the tickets
area's service so its rules (first-contact ownership, due times, history) hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.db.models.tickets import OPEN_STATUSES, Ticket
from callcenter.tickets.service import R4_FIELDS

# Fields that carry phone numbers: masked for roles that do not need them (R17).
PHONE_FIELDS = ("caller", "phone")


def missing_r4(ticket: Ticket) -> list[str]:
    """R4 fields still empty, plus any the tickets area flagged when it built the draft."""
    empty = [name for name in R4_FIELDS if not getattr(ticket, name)]
    flagged = [name for name in (ticket.missing_fields or []) if name in R4_FIELDS and name not in empty]
    # preferred_time matters for repairs only (R4: 报修 needs a convenient time).
    return [n for n in empty + flagged if n != "preferred_time" or ticket.category == "repair"]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def as_view(ticket: Ticket) -> dict[str, Any]:
    view = {name: _plain(value) for name, value in ticket.as_dict().items()}
    view["missing"] = missing_r4(ticket)
    view["is_open"] = ticket.is_open
    view["owner_changes"] = [{"from": c.from_owner, "to": c.to_owner, "reason": c.reason, "by": c.by,
                              "at": _plain(c.at)} for c in ticket.owner_changes]
    return view


def ticket_view(session: Session, ticket_id: int) -> dict[str, Any] | None:
    ticket = session.get(Ticket, ticket_id)
    return None if ticket is None else as_view(ticket)


def agent_tickets(session: Session, agent_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The agent's own open matters (R14), most urgent and soonest due first."""
    query = (select(Ticket).where(Ticket.owner == agent_id, Ticket.status.in_(OPEN_STATUSES))
             .order_by(Ticket.urgent.desc(), Ticket.due_at.is_(None), Ticket.due_at,
                       Ticket.id.desc()).limit(limit))
    return [as_view(t) for t in session.scalars(query)]


def may_see(ticket: dict[str, Any], agent_id: str, departments: list[str]) -> bool:
    """An agent sees the tickets they own and unowned ones of their departments (R17)."""
    owner = ticket.get("owner")
    return owner == agent_id or (owner is None and ticket.get("department") in departments)
