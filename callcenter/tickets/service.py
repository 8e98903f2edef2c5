"""The ticket service (C5): create, attach a repeat call, update fields, assign the department,
set the promised time, mark done, close with outcome and satisfaction, and transfer ownership —
only with a reason, every change kept (R14). The caller's session frames the work; nothing here
commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter import phones
from callcenter.db.models.tickets import OwnerChange, Ticket, TicketCall
from callcenter.errors import CallcenterError
from callcenter.hotline import Hotline
from callcenter.tickets import policy
from callcenter.tickets.extract.category import CATEGORIES

EDITABLE = {"caller_name", "address", "phone", "category", "urgent", "summary", "preferred_time",
            "department"}
# What the agent may correct at the desk: the fields above plus the promised and due times (R4, R8).
DESK_EDITABLE = ("caller_name", "address", "phone", "category", "urgent", "summary", "preferred_time",
                 "visit_at",
                 "department", "due_at")
# R4: what every call's record must hold (date and time come from the call itself).
R4_FIELDS = ("caller_name", "address", "phone", "category", "summary", "preferred_time")
STATUSES = ("open", "in_progress", "done", "closed")


class TicketError(CallcenterError):
    """A ticket change that the rules do not allow; the message says why."""


def get(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError(f"没有编号为 {ticket_id} 的工单 / ticket {ticket_id} does not exist")
    return ticket


def create(session: Session, hotline: Hotline, now: dt.datetime, *, category: str, caller: str | None,
           owner: str | None, call_id: int | None = None, visit_at: dt.datetime | None = None,
           urgent: bool = False, call_key: tuple[str, str] | None = None, **fields: Any) -> Ticket:
    """A new matter; R14: the owner is the agent who took the call. ``call_key``: the call's PBX
    and Linkedid (one call, one ticket)."""
    unknown = set(fields) - EDITABLE - {"secondary_categories", "missing_fields"}
    if unknown:
        raise TicketError(f"unknown ticket field(s): {', '.join(sorted(unknown))}")
    ticket = Ticket(category=category, caller=caller, owner=owner, call_id=call_id, urgent=urgent,
                    visit_at=visit_at, status="open", created_at=now, updated_at=now,
                    department=fields.pop("department", None) or policy.department_for(hotline, category),
                    due_at=policy.due_at(hotline, category, urgent, now, visit_at),
                    secondary_categories=fields.pop("secondary_categories", []),
                    missing_fields=fields.pop("missing_fields", []), summary=fields.pop("summary", ""),
                    **fields)
    session.add(ticket)
    server, linkedid = call_key or (None, None)
    ticket.calls.append(TicketCall(call_id=call_id, agent_id=owner, attached_at=now, server=server,
                                   linkedid=linkedid))
    session.flush()
    return ticket


def attach_call(session: Session, ticket: Ticket, now: dt.datetime, *, call_id: int | None,
                agent_id: str | None, call_key: tuple[str, str] | None = None) -> None:
    """A repeat call about the same open matter joins its ticket (no duplicate, R14)."""
    if any(c.call_id == call_id for c in ticket.calls if call_id is not None):
        return
    server, linkedid = call_key or (None, None)
    if linkedid is not None and any((c.server, c.linkedid) == (server, linkedid) for c in ticket.calls):
        return
    ticket.calls.append(TicketCall(call_id=call_id, agent_id=agent_id, attached_at=now, server=server,
                                   linkedid=linkedid))
    if ticket.owner is None and agent_id:
        ticket.owner = agent_id
    ticket.updated_at = now
    session.flush()


def update_fields(session: Session, ticket_id: int, now: dt.datetime, **fields: Any) -> Ticket:
    ticket = get(session, ticket_id)
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TicketError(f"field(s) not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.missing_fields = [f for f in ticket.missing_fields or [] if not getattr(ticket, f, None)]
    ticket.updated_at = now
    return ticket


def correct(session: Session, hotline: Hotline, ticket_id: int, fields: dict[str, Any],
            now: dt.datetime) -> Ticket:
    """R4: the agent fills in or corrects, at the desk, what the transcript missed or got wrong; the
    values come as the desk's form sends them (text, ISO times) and are checked here."""
    ticket = get(session, ticket_id)
    if not ticket.is_open:
        raise TicketError(f"工单 {ticket_id} 已{ticket.status}，不能修改 / ticket is {ticket.status}")
    for name, value in fields.items():
        if name not in DESK_EDITABLE or (name == "category" and not value):
            continue
        if name == "phone" and isinstance(value, str) and "*" in value:
            continue  # the masked number an agent's form shows (R17): left as it was
        setattr(ticket, name,
                _checked(hotline, name, value) if value not in (None, "") or name == "urgent" else None)
    ticket.missing_fields = [n for n in R4_FIELDS if not getattr(ticket, n)
                             and (n != "preferred_time" or ticket.category == "repair")]
    ticket.updated_at = now
    return ticket


def _checked(hotline: Hotline, name: str, value: Any) -> Any:
    if name == "category" and value not in CATEGORIES:
        raise TicketError(f"未知类别 {value!r} / unknown category")
    if name == "department" and value and hotline.department(value) is None:
        raise TicketError(f"未知部门 {value!r} / unknown department")
    if name in ("visit_at", "due_at"):
        return _when(value, name)
    if name == "urgent":
        return bool(value)
    if name == "phone":
        try:  # R4: a number the centre can call back on, digits only (nothing else reaches Asterisk)
            return phones.normalise(str(value), international=hotline.phones.international)
        except phones.PhoneError as exc:
            raise TicketError(f"phone: {exc}") from None
    return value.strip() if isinstance(value, str) else value


def _when(value: Any, name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise TicketError(f"{name}: {value!r} 不是有效的时间 / not a date and time") from None
    if when.tzinfo is None:
        raise TicketError(f"{name}: 请带时区 / give the time zone")
    return when.astimezone(dt.UTC)


def assign_department(session: Session, hotline: Hotline, ticket_id: int, department: str,
                      now: dt.datetime) -> Ticket:
    if hotline.department(department) is None:
        raise TicketError(f"department {department!r} is not in the hotline file")
    return update_fields(session, ticket_id, now, department=department)


def set_promised_time(session: Session, hotline: Hotline, ticket_id: int, visit_at: dt.datetime,
                      now: dt.datetime, preferred_time: str | None = None) -> Ticket:
    """R8: the visit time promised to the caller; for a repair it becomes the due time."""
    ticket = get(session, ticket_id)
    ticket.visit_at = visit_at
    if preferred_time:
        ticket.preferred_time = preferred_time
    ticket.due_at = policy.due_at(hotline, ticket.category, ticket.urgent, ticket.created_at, visit_at)
    ticket.missing_fields = [f for f in ticket.missing_fields or [] if f != "preferred_time"]
    ticket.updated_at = now
    return ticket


def start_work(session: Session, ticket_id: int, now: dt.datetime, *, confirmed: bool = False) -> Ticket:
    """Work begins. ``confirmed``: the agent has read the key points back (R4) and takes the draft as
    the record, which needs every R4 field filled in first."""
    ticket = _open(session, ticket_id)
    if confirmed and ticket.missing_fields:
        raise TicketError("请先补全：" + "、".join(ticket.missing_fields) + " / fill in the "
                          "missing fields first")
    ticket.status, ticket.updated_at = "in_progress", now
    return ticket


def dispatch(session: Session, ticket_id: int, now: dt.datetime) -> Ticket:
    """R8: handed to its department, the visit time promised to the caller becoming the due time."""
    ticket = _open(session, ticket_id)
    if not ticket.department:
        raise TicketError("请选择部门 / choose a department")
    if ticket.visit_at is not None:
        ticket.due_at = ticket.visit_at
    ticket.status, ticket.updated_at = "in_progress", now
    return ticket


def mark_done(session: Session, ticket_id: int, now: dt.datetime, outcome: str | None = None) -> Ticket:
    ticket = _open(session, ticket_id)
    ticket.status, ticket.updated_at = "done", now
    if outcome:
        ticket.outcome = outcome
    return ticket


def close(session: Session, ticket_id: int, now: dt.datetime, *, outcome: str,
          satisfaction: int | None = None) -> Ticket:
    """Resolved and followed up (R8 回访, R21 satisfaction 1–5)."""
    ticket = get(session, ticket_id)
    if ticket.status == "closed":
        raise TicketError(f"工单 {ticket_id} 已关闭 / ticket {ticket_id} is already closed")
    if not outcome.strip():
        raise TicketError("请填写处理结果 / closing a ticket needs its outcome")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise TicketError(f"satisfaction must be 1 to 5, not {satisfaction}")
    ticket.status, ticket.outcome, ticket.satisfaction = "closed", outcome, satisfaction
    ticket.updated_at = now
    return ticket


def transfer_ownership(session: Session, ticket_id: int, to_owner: str, *, reason: str, by: str | None,
                       now: dt.datetime, hotline: Hotline | None = None) -> Ticket:
    """R14 (首问负责制): the first taker owns the matter; handing it on needs a stated reason. With
    ``hotline``, the new owner must be one of its agents."""
    if not reason or not reason.strip():
        raise TicketError("转交必须说明原因（首问负责制）/ an owner change needs a reason (R14: "
                          "first-contact ownership)")
    if hotline is not None and hotline.agent(to_owner) is None:
        raise TicketError(f"没有工号为 {to_owner} 的坐席 / no agent {to_owner}")
    ticket = get(session, ticket_id)
    if to_owner == ticket.owner:
        raise TicketError(f"工单已由 {to_owner} 负责 / agent {to_owner} already owns ticket {ticket_id}")
    ticket.owner_changes.append(OwnerChange(from_owner=ticket.owner, to_owner=to_owner, reason=reason.strip(),
                                            by=by, at=now))
    ticket.owner, ticket.updated_at = to_owner, now
    session.flush()
    return ticket


def tickets_of_call(session: Session, call_id: int) -> list[Ticket]:
    query = select(Ticket).join(TicketCall).where(TicketCall.call_id == call_id).order_by(Ticket.id)
    return list(session.scalars(query).unique())


def _open(session: Session, ticket_id: int) -> Ticket:
    ticket = get(session, ticket_id)
    if not ticket.is_open:
        raise TicketError(f"ticket {ticket_id} is {ticket.status}, not open")
    return ticket
