"""Callbacks in the database: create from plans, claim, record outcomes, escalate.

Data functions: the session is passed in and nothing here commits (the caller frames the work).
Claiming is one conditional UPDATE, so a callback runs once even if two wake-ups race (R22).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from callcenter import phones
from callcenter.callbacks import policies
from callcenter.callbacks.policies import Cancel, Decision, Plan, PolicySettings, TicketFacts
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.calls import Call, LeftMessage
from callcenter.db.models.tickets import Ticket
from callcenter.messages import MessageLeft

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackView:
    """A callback as the executor and the alerts see it, detached from any session."""

    id: int
    reason: str
    caller: str
    owner: str | None
    department: str | None
    ticket_id: int | None
    due_at: dt.datetime
    status: str
    attempts: int
    created_at: dt.datetime
    pbx: str | None = None  # the PBX its call came from (None: unknown, placed on the default one)

    @classmethod
    def of(cls, cb: Callback, pbx: str | None = None) -> CallbackView:
        return cls(cb.id, cb.reason, cb.caller, cb.owner, cb.department, cb.ticket_id, cb.due_at, cb.status,
                   cb.attempts, cb.created_at, pbx)


def pbx_of(session: Session, cb: Callback) -> str | None:
    """The PBX the callback's call came from: its call's, its ticket's call's, or the one named in
    its message key (``message:{server}:{linkedid}``); None for rows that name none."""
    call_id = cb.call_id
    if call_id is None and cb.ticket_id is not None:
        call_id = session.scalar(select(Ticket.call_id).where(Ticket.id == cb.ticket_id))
    if call_id is not None:
        server = session.scalar(select(Call.server).where(Call.id == call_id))
        if server:
            return server
    prefix = "message:"
    if cb.dedupe_key.startswith(prefix):
        parts = cb.dedupe_key[len(prefix):].rsplit(":", 1)
        if len(parts) == 2 and parts[0]:
            return parts[0]
    return None


@dataclass
class Changes:
    """What a unit of work did, for the scheduler (arm/disarm) and the bus (alerts)."""

    armed: list[tuple[int, dt.datetime]] = field(default_factory=list)
    disarmed: list[int] = field(default_factory=list)
    alerts: list[tuple[str, CallbackView, str]] = field(default_factory=list)  # kind, callback, text

    def merge(self, other: Changes) -> None:
        self.armed += other.armed
        self.disarmed += other.disarmed
        self.alerts += other.alerts


def note(session: Session, cb: Callback, kind: str, now: dt.datetime, detail: str = "", *,
         action_id: str | None = None, channel: str | None = None) -> None:
    session.add(CallbackLog(callback_id=cb.id, at=now, kind=kind, attempt=cb.attempts, action_id=action_id,
                            channel=channel, detail=detail))


def apply(session: Session, decisions: list[Decision], now: dt.datetime) -> Changes:
    changes = Changes()
    for decision in decisions:
        if isinstance(decision, Cancel):
            changes.disarmed += cancel(session, decision, now)
        else:
            created = create(session, decision, now)
            if created is not None:
                changes.armed.append((created.id, created.due_at))
    return changes


def create(session: Session, plan: Plan, now: dt.datetime) -> Callback | None:
    """Insert the planned callback unless it exists already (same key) or, for abandoned calls,
    the number already has one pending. Plans carry numbers the policies normalised; anything
    else is refused here too, so no stored callback can dial a value that is not a number."""
    if phones.dialable(plan.caller, international=True) != plan.caller:
        log.warning("callbacks: %s plan %s refused: %r is not a normalised phone number", plan.reason,
                    plan.dedupe_key, phones.mask(phones.caller_id(plan.caller)) or "(not a number)")
        return None
    if session.scalar(select(Callback.id).where(Callback.dedupe_key == plan.dedupe_key)) is not None:
        return None
    if plan.one_per_caller and session.scalar(
            select(Callback.id).where(Callback.caller == plan.caller, Callback.reason == plan.reason,
                                      Callback.status == "pending").limit(1)) is not None:
        return None
    cb = Callback(ticket_id=plan.ticket_id, call_id=plan.call_id, caller=plan.caller, owner=plan.owner,
                  department=plan.department, reason=plan.reason, due_at=plan.due_at, promised_at=plan.due_at,
                  status="pending",
                  attempts=0, created_at=now, dedupe_key=plan.dedupe_key, note=plan.note or None)
    session.add(cb)
    session.flush()
    note(session, cb, "created", now, f"due {plan.due_at.isoformat()}")
    return cb


def cancel(session: Session, order: Cancel, now: dt.datetime) -> list[int]:
    query = select(Callback).where(Callback.status == "pending", Callback.reason.in_(order.reasons))
    if order.ticket_id is not None:
        query = query.where(Callback.ticket_id == order.ticket_id)
    if order.caller is not None:
        query = query.where(Callback.caller == order.caller)
    if order.keep_key is not None:
        query = query.where(Callback.dedupe_key != order.keep_key)
    cancelled = []
    for cb in session.scalars(query):
        cb.status, cb.outcome = "cancelled", order.why
        note(session, cb, "cancelled", now, order.why)
        cancelled.append(cb.id)
    return cancelled


def follow_number(session: Session, ticket_id: int, number: str, now: dt.datetime) -> int:
    """A ticket's phone was corrected (R4): its open callbacks (pending, or failed and waiting for
    someone to run them again) dial the new number, already normalised by the policies. A running
    attempt is left to finish. Returns how many moved."""
    moved = 0
    query = select(Callback).where(Callback.ticket_id == ticket_id, Callback.caller != number,
                                   Callback.status.in_(("pending", "failed")))
    for cb in session.scalars(query):
        note(session, cb, "number_changed", now,
             f"ticket {ticket_id}'s phone corrected: {phones.mask(cb.caller)} -> {phones.mask(number)}")
        cb.caller = number
        moved += 1
    return moved


def claim(session: Session, callback_id: int, now: dt.datetime) -> Callback | None:
    """Take a due, pending callback for one attempt; None if someone else has it or it is not due."""
    result = session.execute(
        update(Callback)
        .where(Callback.id == callback_id, Callback.status == "pending", Callback.due_at <= now)
        .values(status="running", attempts=Callback.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    cb = session.get(Callback, callback_id, populate_existing=True)
    assert cb is not None
    return cb


def due_ids(session: Session, now: dt.datetime, limit: int) -> list[int]:
    query = (select(Callback.id).where(Callback.status == "pending", Callback.due_at <= now)
             .order_by(Callback.due_at, Callback.id).limit(limit))
    return list(session.scalars(query))


def next_due_at(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.min(Callback.due_at)).where(Callback.status == "pending"))


def next_wake(session: Session, cfg: PolicySettings) -> dt.datetime | None:
    """The earliest moment something must happen: a callback falls due or one must escalate."""
    due = next_due_at(session)
    # One status at a time, each an ordered walk of the partial index ix_callbacks_escalation
    # (status, promised_at) WHERE escalated_at IS NULL: with an IN list PostgreSQL read every
    # pending row (16 ms at 100,000 pending) instead of stopping at the first.
    promises = [session.scalar(select(Callback.promised_at).where(
        Callback.status == status, Callback.escalated_at.is_(None)).order_by(Callback.promised_at).limit(1))
        for status in ("pending", "failed")]
    unescalated = min((p for p in promises if p is not None), default=None)
    times = [t for t in (due, unescalated and policies.escalation_due(unescalated, cfg)) if t is not None]
    return min(times) if times else None


def mark_decided(session: Session, call_id: int) -> None:
    """This call's callbacks are decided (committed with the decisions themselves)."""
    session.execute(update(Call).where(Call.id == call_id, Call.awaiting_decisions.is_(True))
                    .values(awaiting_decisions=False).execution_options(synchronize_session=False))


def awaiting_decisions(session: Session, limit: int, agent_of: Callable[[str | None], str | None],
                       department_of: Callable[[str | None], str | None]) -> list[policies.CallFacts]:
    """Stored calls whose callbacks are not decided yet, oldest first, as the policies see them."""
    rows = session.scalars(select(Call).where(Call.awaiting_decisions.is_(True))
                           .order_by(Call.id).limit(limit))
    return [policies.CallFacts(call_id=c.id, caller=c.caller, direction=c.direction, answered=c.answered,
                               abandoned=c.abandoned, dropped=c.dropped, ended_at=c.ended_at,
                               agent_id=c.agent_id or agent_of(c.agent_interface),
                               department=department_of(c.queue)) for c in rows]


def mark_message_decided(session: Session, message_id: int | None) -> None:
    """This message's callback is decided (committed with the decision itself)."""
    if message_id is not None:
        session.execute(update(LeftMessage).where(LeftMessage.id == message_id,
                                                  LeftMessage.awaiting_decisions.is_(True))
                        .values(awaiting_decisions=False).execution_options(synchronize_session=False))


def messages_awaiting_decisions(session: Session, limit: int) -> list[MessageLeft]:
    """Stored messages whose callback is not decided yet (R12, R18), oldest first."""
    rows = session.scalars(select(LeftMessage).where(LeftMessage.awaiting_decisions.is_(True))
                           .order_by(LeftMessage.id).limit(limit))
    return [MessageLeft(linkedid=m.linkedid, caller=m.caller, reason=m.reason,  # type: ignore[arg-type]
                        department=m.department, agent_id=m.agent_id, recording=m.recording,
                        at=m.left_at.timestamp(), server=m.server, message_id=m.id) for m in rows]


def caller_reached_agent_since(session: Session, caller: str, since: dt.datetime) -> bool:
    """Whether this number has had an answered inbound call since ``since`` (abandoned callbacks)."""
    query = select(Call.id).where(Call.caller.in_(phones.variants(caller)), Call.direction == "inbound",
                                  Call.answered.is_(True),
                                  Call.ended_at >= since).limit(1)
    return session.scalar(query) is not None


def ticket_facts(session: Session, ticket_id: int | None) -> TicketFacts | None:
    if ticket_id is None:
        return None
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    ended = session.scalar(select(Call.ended_at).where(Call.id == ticket.call_id)) if ticket.call_id else None
    return TicketFacts(id=ticket.id, category=ticket.category, status=ticket.status,
                       number=ticket.phone or ticket.caller, owner=ticket.owner, department=ticket.department,
                       visit_at=ticket.visit_at, call_ended_at=ended, created_at=ticket.created_at)


def followups_so_far(session: Session, ticket_id: int) -> int:
    return session.scalar(select(func.count(Callback.id)).where(
        Callback.ticket_id == ticket_id, Callback.reason == "complaint_followup")) or 0
