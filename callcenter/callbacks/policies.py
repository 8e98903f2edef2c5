"""Which callbacks the centre owes, and when (pure: facts and settings in, decisions out).

Each policy cites its rule; every number comes from the hotline file's ``[callbacks]`` and
``[sla]`` sections. Times are aware UTC; calling hours are judged in the centre's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from callcenter import phones
from callcenter.callbacks.calendar import next_opening, within_calling_hours
from callcenter.hotline import CallbackPolicy, Hotline, Hours, Sla
from callcenter.messages import MessageLeft

TICKET_REASONS = ("inquiry_30min", "complaint_48h", "complaint_followup", "repair_reminder",
                  "repair_followup")
OPEN_TICKET = ("open", "in_progress")


@dataclass(frozen=True)
class PolicySettings:
    callbacks: CallbackPolicy
    sla: Sla
    hours: Hours
    tz: ZoneInfo
    international: bool = False  # the hotline file's [phones] international
    department_names: tuple[tuple[str, str], ...] = ()  # (id, name people know: 工程维修)
    agent_names: tuple[tuple[str, str], ...] = ()  # (工号, name: 李秀英)

    @classmethod
    def from_hotline(cls, hotline: Hotline) -> PolicySettings:
        return cls(hotline.callbacks, hotline.sla, hotline.hours, ZoneInfo(hotline.centre.timezone),
                   hotline.phones.international, tuple((d.id, d.name) for d in hotline.departments),
                   tuple((a.id, a.name) for a in hotline.agents))

    def department_name(self, department: str | None) -> str:
        """A department as people know it; its id only when the hotline file no longer has it."""
        return dict(self.department_names).get(department or "", department or "-")

    def agent_name(self, agent_id: str) -> str:
        """An agent as colleagues know them, with the 工号 (R3); the 工号 alone when the hotline
        file no longer has them."""
        name = dict(self.agent_names).get(agent_id)
        return f"{name} {agent_id}" if name else agent_id

    def calling_time(self, when: dt.datetime) -> dt.datetime:
        return within_calling_hours(when, self.callbacks, self.tz)

    def number(self, raw: str | None) -> str | None:
        """The number to call back, normalised (callcenter.phones); None when there is none the
        centre may dial (hidden, garbage, abroad when not allowed): no callback is planned then."""
        return phones.dialable(raw, international=self.international)


@dataclass(frozen=True)
class Plan:
    """A callback to create (or, when one with the same key is pending, to leave as it is)."""

    reason: str
    due_at: dt.datetime
    caller: str
    dedupe_key: str
    owner: str | None = None
    department: str | None = None
    ticket_id: int | None = None
    call_id: int | None = None
    one_per_caller: bool = False  # abandoned calls: one pending callback per number is enough
    note: str = ""


@dataclass(frozen=True)
class Cancel:
    """Pending callbacks of these reasons for this ticket or number are no longer owed."""

    why: str
    reasons: tuple[str, ...]
    ticket_id: int | None = None
    caller: str | None = None
    keep_key: str | None = None


Decision = Plan | Cancel


@dataclass(frozen=True)
class CallFacts:
    call_id: int | None
    caller: str | None
    direction: str
    answered: bool
    abandoned: bool
    dropped: bool
    ended_at: dt.datetime
    agent_id: str | None
    department: str | None


@dataclass(frozen=True)
class TicketFacts:
    id: int
    category: str
    status: str
    number: str | None  # the phone to call back: the one the caller gave (R4), else caller ID
    owner: str | None
    department: str | None
    visit_at: dt.datetime | None
    call_ended_at: dt.datetime | None
    created_at: dt.datetime


def caller_got_through(caller: str) -> Cancel:
    """The number that gave up has now reached an agent: its abandoned-call callback is moot."""
    return Cancel("the caller got through to an agent", ("abandoned",),
                  caller=phones.dialable(caller, international=True) or caller)


def for_call(call: CallFacts, cfg: PolicySettings) -> list[Decision]:
    number = cfg.number(call.caller)
    if call.direction != "inbound" or not call.caller:
        return []
    decisions: list[Decision] = []
    if call.answered:
        decisions.append(caller_got_through(call.caller))
    if number is None:
        return decisions
    if call.answered and call.dropped:
        # R9: a dropped call is called back at once, by the agent who was on it (R14) — but
        # like every callback only within calling hours: a call cut at 22:50 is called back
        # when calling hours open, not in the night.
        due = cfg.calling_time(call.ended_at + dt.timedelta(minutes=cfg.callbacks.dropped_minutes))
        decisions.append(Plan("dropped", due, number, f"call:{call.call_id}:dropped", owner=call.agent_id,
                              department=call.department, call_id=call.call_id))
    elif call.abandoned:
        # A caller who gave up waiting is called back within abandoned_minutes, unless the same
        # number gets through first (cancelled by caller_got_through).
        due = cfg.calling_time(call.ended_at + dt.timedelta(minutes=cfg.callbacks.abandoned_minutes))
        decisions.append(Plan("abandoned", due, number, f"call:{call.call_id}:abandoned",
                              department=call.department, call_id=call.call_id, one_per_caller=True))
    return decisions


def for_ticket(change: str, ticket: TicketFacts, now: dt.datetime, cfg: PolicySettings) -> list[Decision]:
    if change == "closed" or ticket.status == "closed":
        return [Cancel("the ticket is closed", TICKET_REASONS, ticket_id=ticket.id)]
    if not ticket.number:
        return []
    number = cfg.number(ticket.number)
    if number is None:
        return []
    ticket = replace(ticket, number=number)
    if change == "done" and ticket.category == "repair":
        return _repair_done(ticket, now, cfg)
    if ticket.status not in OPEN_TICKET:
        return []
    if ticket.category == "inquiry":
        return [_reply(ticket, "inquiry_30min", cfg.sla.inquiry_minutes, cfg)]
    if ticket.category == "complaint":
        return [_reply(ticket, "complaint_48h", cfg.sla.complaint_minutes, cfg)]
    if ticket.category == "repair" and ticket.visit_at is not None:
        return _repair_reminder(ticket, now, cfg)
    return []


def _reply(ticket: TicketFacts, reason: str, minutes: int, cfg: PolicySettings) -> Plan:
    # R6: an unresolved inquiry gets a reply (progress at least) 30 min after the call;
    # R7: a complaint gets its first reply within 48 h.
    after = ticket.call_ended_at or ticket.created_at
    due = cfg.calling_time(after + dt.timedelta(minutes=minutes))
    return Plan(reason, due, ticket.number or "", f"ticket:{ticket.id}:{reason}", owner=ticket.owner,
                department=ticket.department, ticket_id=ticket.id)


def _repair_reminder(ticket: TicketFacts, now: dt.datetime, cfg: PolicySettings) -> list[Decision]:
    # R8/R22: before the promised visit the owner is reminded (and confirms with the customer,
    # or re-arranges); a new visit time replaces the pending reminder.
    visit = ticket.visit_at
    assert visit is not None
    key = f"ticket:{ticket.id}:repair_reminder:{visit.astimezone(dt.UTC):%Y%m%dT%H%M}"
    moved = Cancel("the visit time changed", ("repair_reminder",), ticket_id=ticket.id, keep_key=key)
    if visit <= now:
        return [moved]
    due = visit - dt.timedelta(minutes=cfg.callbacks.repair_reminder_minutes)
    calling = cfg.calling_time(due)
    due = max(now, calling if calling < visit else due)
    return [moved, Plan("repair_reminder", due, ticket.number or "", key, owner=ticket.owner,
                        department=ticket.department, ticket_id=ticket.id)]


def _repair_done(ticket: TicketFacts, now: dt.datetime, cfg: PolicySettings) -> list[Decision]:
    # R8/R21: after the repair, a follow-up call (回访) checks it is fixed and asks satisfaction.
    due = cfg.calling_time(now + dt.timedelta(minutes=cfg.callbacks.repair_followup_minutes))
    return [Cancel("the repair is done", ("repair_reminder",), ticket_id=ticket.id),
            Plan("repair_followup", due, ticket.number or "", f"ticket:{ticket.id}:repair_followup",
                 owner=ticket.owner, department=ticket.department, ticket_id=ticket.id)]


def for_message(msg: MessageLeft, cfg: PolicySettings) -> list[Decision]:
    number = cfg.number(msg.caller)
    if number is None:
        return []
    left = dt.datetime.fromtimestamp(msg.at, dt.UTC)
    # R18: an after-hours message is called back when the centre opens; R12: a message after a
    # failed transfer is called back (by the person the caller wanted) as soon as possible.
    due = next_opening(left, cfg.hours, cfg.tz) + dt.timedelta(minutes=cfg.callbacks.message_minutes)
    return [Plan("message", cfg.calling_time(due), number, message_key(msg.server, msg.linkedid),
                 owner=msg.agent_id, department=msg.department, note=msg.reason)]


def message_key(server: str, linkedid: str) -> str:
    """One message callback per PBX and Linkedid, as one call record is: two PBXs can hand out the
    same Linkedid (migration 0014 gave the callbacks keyed ``message:{linkedid}`` this form)."""
    return f"message:{server}:{linkedid}"


def followup_after_reply(reason: str, ticket: TicketFacts | None, number: int, now: dt.datetime,
                         cfg: PolicySettings) -> Plan | None:
    """R7: a complaint is followed up again and again until its ticket is closed."""
    if reason not in ("complaint_48h", "complaint_followup") or ticket is None:
        return None
    dial = cfg.number(ticket.number)
    if ticket.status == "closed" or dial is None:
        return None
    due = cfg.calling_time(now + dt.timedelta(minutes=cfg.callbacks.complaint_followup_minutes))
    return Plan("complaint_followup", due, dial, f"ticket:{ticket.id}:complaint_followup:{number}",
                owner=ticket.owner, department=ticket.department, ticket_id=ticket.id)


def retry_at(attempts: int, now: dt.datetime, cfg: PolicySettings) -> dt.datetime | None:
    """When to try again after an unanswered attempt, or None once max_attempts are used up."""
    if attempts >= cfg.callbacks.max_attempts:
        return None
    return cfg.calling_time(now + dt.timedelta(minutes=cfg.callbacks.retry_interval_minutes))


def escalation_due(due_at: dt.datetime, cfg: PolicySettings) -> dt.datetime:
    """R22: a promise past due and not kept goes to the whole department after this."""
    return due_at + dt.timedelta(minutes=cfg.callbacks.escalate_after_minutes)


def alert_kind(reason: str) -> str:
    # R7: an overdue complaint reply is its own (red) alert for supervisors.
    return "complaint_overdue" if reason == "complaint_48h" else "callback_escalated"
