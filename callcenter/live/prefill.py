"""The ticket form's fields from a call's words so far (R4): the same extraction as the ticket
made after hang-up (tickets/builder.py), run on the utterances recognised live."""

from __future__ import annotations

from callcenter.live.spotting import Side
from callcenter.tickets.builder import extract
from callcenter.tickets.transcript import Transcript, Turn

FIELDS = ("phone", "address", "caller_name", "category")


def prefill_fields(finals: list[tuple[Side, str]], centre_name: str | None) -> dict[str, str]:
    """phone, address, caller_name and category, each only when the words give it."""
    if not finals:
        return {}
    transcript = Transcript(id="live", turns=tuple(Turn(side, text) for side, text in finals))
    extraction = extract(transcript, centre_name, learned_urgency=False)  # the form has no urgent field
    values = {"phone": extraction.phone, "address": extraction.address, "caller_name": extraction.caller_name,
              "category": extraction.category if any(side == "caller" for side, _ in finals) else None}
    return {name: value for name, value in values.items() if value}
