"""What the agent does to a ticket at the desk (R4, R8, R14): correct its fields, confirm the
draft built from the transcript, assign it to a department with a promised time, close it with
an outcome, hand ownership over with a reason. Session passed in; nothing here commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from callcenter.agents.tickets import EDITABLE, R4_FIELDS
from callcenter.db.models.tickets import OwnerChange, Ticket
from callcenter.errors import CallcenterError
from callcenter.hotline import Hotline
from callcenter.messages import TicketChanged

CATEGORIES = ("repair", "complaint", "inquiry", "suggestion", "praise", "billing", "release", "other")


class TicketWorkError(CallcenterError):
    """The change cannot be made; the message says why, in words for the agent."""


def _get(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketWorkError(f"没有编号为 {ticket_id} 的工单 / no ticket {ticket_id}")
    return ticket


def _when(value: Any, name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise TicketWorkError(f"{name}: {value!r} 不是有效的时间 / not a date and time") from None
    if when.tzinfo is None:
        raise TicketWorkError(f"{name}: 请带时区 / give the time zone")
    return when.astimezone(dt.UTC)


def _check(hotline: Hotline, name: str, value: Any) -> Any:
    if name == "category" and value not in CATEGORIES:
        raise TicketWorkError(f"未知类别 {value!r} / unknown category")
    if name == "department" and value and hotline.department(value) is None:
        raise TicketWorkError(f"未知部门 {value!r} / unknown department")
    if name in ("visit_at", "due_at"):
        return _when(value, name)
    if name == "urgent":
        return bool(value)
    return value.strip() if isinstance(value, str) else value


def update_fields(session: Session, hotline: Hotline, ticket_id: int, fields: dict[str, Any],
                  now: dt.datetime) -> Ticket:
    """R4: the agent fills in or corrects what the transcript missed or got wrong."""
    ticket = _get(session, ticket_id)
    if not ticket.is_open:
        raise TicketWorkError(f"工单 {ticket_id} 已{ticket.status}，不能修改 / ticket is {ticket.status}")
    for name, value in fields.items():
        if name not in EDITABLE or (name == "category" and not value):
            continue
        if name == "phone" and isinstance(value, str) and "*" in value:
            continue  # the masked number an agent's form shows (R17): left as it was
        setattr(ticket, name, _check(hotline, name, value) if value not in (None, "") or name == "urgent" else None)
    ticket.missing_fields = [n for n in R4_FIELDS if not getattr(ticket, n)
                             and (n != "preferred_time" or ticket.category == "repair")]
    ticket.updated_at = now
    return ticket


def confirm(session: Session, hotline: Hotline, ticket_id: int, fields: dict[str, Any], now: dt.datetime) -> Ticket:
    """The agent has read the key points back (R4) and takes the draft as the record."""
    ticket = update_fields(session, hotline, ticket_id, fields, now)
    if ticket.missing_fields:
        raise TicketWorkError("请先补全：" + "、".join(ticket.missing_fields) + " / fill in the missing fields first")
    ticket.status = "in_progress"
    return ticket


def assign(session: Session, hotline: Hotline, ticket_id: int, fields: dict[str, Any], now: dt.datetime) -> Ticket:
    """R8: dispatched to a department with the time promised to the caller."""
    ticket = update_fields(session, hotline, ticket_id, fields, now)
    if not ticket.department:
        raise TicketWorkError("请选择部门 / choose a department")
    if ticket.visit_at is not None:
        ticket.due_at = ticket.visit_at
    ticket.status = "in_progress"
    return ticket


def close(session: Session, ticket_id: int, outcome: str, now: dt.datetime) -> Ticket:
    if not outcome or not outcome.strip():
        raise TicketWorkError("请填写处理结果 / say how the matter ended")
    ticket = _get(session, ticket_id)
    if not ticket.is_open:
        raise TicketWorkError(f"工单 {ticket_id} 已{ticket.status} / ticket is already {ticket.status}")
    ticket.status, ticket.outcome, ticket.updated_at = "closed", outcome.strip(), now
    return ticket


def transfer(session: Session, hotline: Hotline, ticket_id: int, to: str, reason: str, by: str,
             now: dt.datetime) -> Ticket:
    """R14: the first agent owns the matter; it changes hands only with a reason, kept on record."""
    if not reason or not reason.strip():
        raise TicketWorkError("转交必须说明原因（首问负责制）/ a transfer needs a reason (R14)")
    if hotline.agent(to) is None:
        raise TicketWorkError(f"没有工号为 {to} 的坐席 / no agent {to}")
    ticket = _get(session, ticket_id)
    if ticket.owner == to:
        raise TicketWorkError(f"工单已由 {to} 负责 / {to} already owns it")
    ticket.owner_changes.append(OwnerChange(from_owner=ticket.owner, to_owner=to, reason=reason.strip(), by=by, at=now))
    ticket.owner, ticket.updated_at = to, now
    return ticket


def ticket_change(session: Session, hotline: Hotline, action: str, ticket_id: int, fields: dict[str, Any],
                  by: str, now: dt.datetime) -> Ticket:
    """One desk action on a ticket, by name."""
    if action == "update":
        return update_fields(session, hotline, ticket_id, fields, now)
    if action == "confirm":
        return confirm(session, hotline, ticket_id, fields, now)
    if action == "assign":
        return assign(session, hotline, ticket_id, fields, now)
    if action == "close":
        return close(session, ticket_id, str(fields.get("outcome") or ""), now)
    if action == "transfer":
        return transfer(session, hotline, ticket_id, str(fields.get("to") or ""), str(fields.get("reason") or ""),
                        by, now)
    raise TicketWorkError(f"unknown ticket action {action!r}")


def ticket_changed(ticket: Ticket, action: str, now: dt.datetime) -> TicketChanged:
    change = {"close": "closed"}.get(action, "updated")
    return TicketChanged(ticket_id=ticket.id, change=change, category=ticket.category,  # type: ignore[arg-type]
                         urgent=ticket.urgent, caller=ticket.caller, owner=ticket.owner, at=now.timestamp())
