"""Transcript → ticket draft (R4, R5, R19): every field the standards ask to record, from the
transcript first, then the caller's history and caller ID; what is still missing is flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callcenter.tickets.extract.address import extract_address
from callcenter.tickets.extract.address_learned import AddressForms
from callcenter.tickets.extract.category import classify
from callcenter.tickets.extract.name import extract_name
from callcenter.tickets.extract.phone import extract_phone
from callcenter.tickets.extract.summary import summarize
from callcenter.tickets.extract.time import extract_preferred_time
from callcenter.tickets.extract.urgent import emergency_kinds
from callcenter.tickets.history import CallerHistory
from callcenter.tickets.quality import QualityReport, check
from callcenter.tickets.transcript import Transcript
from callcenter.tickets.urgent_model import urgent_kinds

# R4: what every call's record must hold; a repair also needs a convenient time.
REQUIRED_FIELDS = ("caller_name", "address", "phone")
# The matters whose calls book a time: a repair visit, a move-out release.
_TIMED = ("repair", "release")


@dataclass(frozen=True)
class Extraction:
    """What the transcript itself says (the CLI prints this; labels have the same meanings)."""

    id: str
    category: str
    urgent: bool
    emergency: list[str]
    caller_name: str | None
    address: str | None
    phone: str | None
    preferred_time: str | None
    summary: str
    quality: QualityReport

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "category": self.category, "urgent": self.urgent, "caller_name": self.caller_name,
            "address": self.address, "phone": self.phone, "preferred_time": self.preferred_time,
            "greeting_ok": self.quality.greeting_ok, "apology_given": self.quality.apology_given,
            "forbidden_phrases": self.quality.forbidden_phrases, "closing_ok": self.quality.closing_ok,
        }


@dataclass
class TicketDraft:
    """The ticket's fields after history and caller ID filled the gaps."""

    extraction: Extraction
    caller: str | None
    caller_name: str | None
    address: str | None
    phone: str | None
    missing_fields: list[str] = field(default_factory=list)


def extract(transcript: Transcript, centre_name: str | None = None,
            category: str | None = None, learned_urgency: bool = True,
            forms: AddressForms | None = None) -> Extraction:
    """``category``: the kind of matter when a model (or the agent) already decided it; else the rules'.
    ``forms``: the centre's own forms of address (address_learned.py), learned with its model: the
    rules' address, completed or found by them.
    Urgent (R19) when the cue rules name a danger or the learned signal suspects one (urgent_model.py);
    the category and the address read the rules' dangers only. ``learned_urgency=False`` where the
    urgent flag is not used (the live form's fields): the rules' dangers alone, no model run.
    The preferred time (R4) is read for a repair (the visit) and for a move-out release (the time
    the caller books for the goods to leave, which the guard at the gate needs); in other matters a
    time in the call is mostly when something happened or the centre's own promise, so none is
    read. Only a repair's missing time is flagged (missing_fields)."""
    named = emergency_kinds(transcript)
    emergency = urgent_kinds(transcript, named) if learned_urgency else named
    category = category or classify(transcript, bool(named))
    urgent = bool(emergency)
    address = extract_address(transcript, bool(named))
    if forms:
        address = forms.complete(transcript, address)
    return Extraction(
        id=transcript.id,
        category=category,
        urgent=urgent,
        emergency=emergency,
        caller_name=extract_name(transcript),
        address=address,
        phone=extract_phone(transcript),
        preferred_time=(extract_preferred_time(transcript, move_out=category == "release")
                        if category in _TIMED else None),
        summary=summarize(transcript, category, urgent, address),
        quality=check(transcript, centre_name),
    )


def draft(extraction: Extraction, caller: str | None, history: CallerHistory | None) -> TicketDraft:
    """R4/R15: the transcript wins; the caller's history and caller ID fill what was not said."""
    name = extraction.caller_name or (history.name if history else None)
    address = extraction.address or (history.address if history else None)
    phone = extraction.phone or caller
    result = TicketDraft(extraction, caller, name, address, phone)
    result.missing_fields = missing_fields(extraction.category, extraction.urgent, caller_name=name,
                                           address=address, phone=phone,
                                           preferred_time=extraction.preferred_time)
    return result


def missing_fields(category: str, urgent: bool, **values: str | None) -> list[str]:
    """R4: the fields still empty; a (non-emergency) repair also needs a convenient time."""
    missing = [name for name in REQUIRED_FIELDS if not values.get(name)]
    if category == "repair" and not urgent and not values.get("preferred_time"):
        missing.append("preferred_time")
    return missing
