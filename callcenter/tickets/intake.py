"""One finished call's transcript → its ticket (new, or the caller's open matter when it is the
same one) and its quality findings (R2, R3, R4, R14, R16, R19)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from callcenter.db.models.tickets import Ticket, TicketCall
from callcenter.hotline import Hotline
from callcenter.tickets import findings, manual, policy, service
from callcenter.tickets.builder import Extraction, TicketDraft, draft, extract, missing_fields
from callcenter.tickets.extract.time import visit_at
from callcenter.tickets.extract.urgent import emergency_kinds
from callcenter.tickets.history import caller_history, open_tickets
from callcenter.tickets.models import model_for
from callcenter.tickets.transcript import Transcript, Turn

# A caller coming back to a matter says so (上次报的, 又, 还没来, 催一下).
_REPEAT = re.compile(r"上次|之前报|报过|又|还没|还是没|催|再打|第二次|第三次|怎么还")
MATTER_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class CallFacts:
    """What the call record says about the call the transcript belongs to."""

    call_id: int | None
    caller: str | None
    agent_id: str | None
    answered_late: bool | None  # R2: not within three rings / apology greeting decided
    server: str | None = None  # the call's PBX and Linkedid: the key of a ticket opened at the desk
    linkedid: str | None = None

    @property
    def call_key(self) -> tuple[str, str] | None:
        return (self.server, self.linkedid) if self.server and self.linkedid else None


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    change: str  # created | attached | merged (into the ticket the agent opened for the call)
    became_urgent: bool
    extraction: Extraction


def same_matter(ticket: Ticket, extraction: Extraction, transcript: Transcript, now: dt.datetime) -> bool:
    """R14: the caller's open ticket is this call's matter when the kind matches or the caller says
    they are calling again, and the addresses do not disagree."""
    if now - ticket.created_at > MATTER_WINDOW:
        return False
    if ticket.address and extraction.address and ticket.address != extraction.address:
        return False
    repeat = any(_REPEAT.search(t.joined) for t in transcript.side("caller"))
    return ticket.category == extraction.category or repeat


def ingest(session: Session, hotline: Hotline, turns: list[Turn] | tuple[Turn, ...], facts: CallFacts,
           now: dt.datetime, transcript_id: str = "") -> IntakeResult:
    transcript = Transcript(id=transcript_id or str(facts.call_id), turns=tuple(turns), caller=facts.caller)
    model = model_for(session)
    prediction = model.predict(transcript, bool(emergency_kinds(transcript)))
    extraction = extract(transcript, hotline.centre.name, prediction.category, forms=model.address_forms)
    existing = service.tickets_of_call(session, facts.call_id) if facts.call_id is not None else []
    history = caller_history(session, facts.caller) if facts.caller else None
    ticket_draft = draft(extraction, facts.caller, history)
    findings.store(session, facts.call_id, facts.agent_id, extraction.quality, facts.answered_late, now)
    # A ticket keyed to the call: opened at the desk during or after it (R4), or when an emergency
    # was heard while it was up (R19). Its draft is merged once; again, it changes nothing.
    opened = manual.ticket_for_call(session, *facts.call_key) if facts.call_key else None
    entry = _keyed_entry(opened, facts) if opened is not None else None
    if opened is not None and entry is not None and entry.draft_merged_at is None:
        became_urgent = manual.merge_draft(opened, ticket_draft, hotline, now)
        _link_stored_call(opened, facts)
        _merged(opened, facts, now)
        return IntakeResult(opened, "merged", became_urgent, extraction)
    again = existing[0] if existing else opened
    if again is not None:  # the same transcript again: refresh, never duplicate
        return IntakeResult(again, "attached", False, extraction)
    matter = next((t for t in open_tickets(session,
                                           facts.caller) if same_matter(t, extraction, transcript, now)),
                  None) if facts.caller else None
    if matter is not None:
        became_urgent = _merge(matter, ticket_draft, hotline, now)
        service.attach_call(session, matter, now, call_id=facts.call_id, agent_id=facts.agent_id,
                            call_key=facts.call_key)
        _merged(matter, facts, now)
        return IntakeResult(matter, "attached", became_urgent, extraction)
    ticket = _create(session, hotline, ticket_draft, facts, now)
    _merged(ticket, facts, now)
    ticket.category_confidence = round(prediction.confidence, 3)
    ticket.category_choices = [c for c, _ in prediction.top_two] if prediction.ask_agent else None
    return IntakeResult(ticket, "created", extraction.urgent, extraction)


def _create(session: Session, hotline: Hotline, d: TicketDraft, facts: CallFacts, now: dt.datetime) -> Ticket:
    e = d.extraction
    visit = visit_at(e.preferred_time, now, hotline.centre.timezone) if e.preferred_time else None
    return service.create(session, hotline, now, category=e.category, caller=facts.caller,
                          owner=facts.agent_id, call_key=facts.call_key,
                          call_id=facts.call_id, visit_at=visit, urgent=e.urgent, caller_name=d.caller_name,
                          address=d.address, phone=d.phone, summary=e.summary,
                          preferred_time=e.preferred_time,
                          missing_fields=d.missing_fields)


def _keyed_entry(ticket: Ticket, facts: CallFacts) -> TicketCall | None:
    """The ticket's entry for this call, by its PBX and Linkedid."""
    return next((e for e in ticket.calls if facts.call_key and (e.server, e.linkedid) == facts.call_key),
                None)


def _merged(ticket: Ticket, facts: CallFacts, now: dt.datetime) -> None:
    """This call's draft is in the ticket now (merged, attached or made from it): a replay of the
    same transcript finds the ticket by the call and changes nothing."""
    entry = _keyed_entry(ticket, facts)
    if entry is not None:
        entry.draft_merged_at = now


def _link_stored_call(ticket: Ticket, facts: CallFacts) -> None:
    """The call is stored now: its row joins the keyed entry (a replayed draft then finds it by
    the call, never making a second ticket)."""
    entry = _keyed_entry(ticket, facts)
    if entry is not None:
        entry.call_id = facts.call_id
        if ticket.call_id is None and entry is ticket.calls[0]:
            ticket.call_id = facts.call_id


def _merge(ticket: Ticket, d: TicketDraft, hotline: Hotline, now: dt.datetime) -> bool:
    """Fill what the first call left out; a repeat call that reveals an emergency escalates (R19)."""
    e = d.extraction
    for name in ("caller_name", "address", "phone"):
        if not getattr(ticket, name) and getattr(d, name):
            setattr(ticket, name, getattr(d, name))
    if not ticket.preferred_time and e.preferred_time:
        ticket.preferred_time = e.preferred_time
        ticket.visit_at = visit_at(e.preferred_time, now, hotline.centre.timezone)
    if e.category != ticket.category and e.category not in (ticket.secondary_categories or []):
        ticket.secondary_categories = [*(ticket.secondary_categories or []), e.category]
    became_urgent = e.urgent and not ticket.urgent
    if became_urgent:
        ticket.urgent = True
        urgent_due = policy.due_at(hotline, ticket.category, True, ticket.created_at, ticket.visit_at)
        ticket.due_at = min(ticket.due_at, urgent_due) if ticket.due_at else urgent_due
    ticket.missing_fields = missing_fields(ticket.category, ticket.urgent, caller_name=ticket.caller_name,
                                           address=ticket.address, phone=ticket.phone,
                                           preferred_time=ticket.preferred_time)
    ticket.updated_at = now
    return became_urgent
