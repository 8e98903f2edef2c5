"""A ticket on an answered call whose recording has been transcribed, as the desk finds it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript as StoredTranscript
from callcenter.hotline import Hotline
from callcenter.tickets import service


def transcribed_ticket(session: Session, hotline: Hotline, now: dt.datetime, linkedid: str, caller: str,
                       turns: Sequence[dict[str, str]], category: str) -> int:
    """The new ticket's id; its call's transcript holds ``turns`` (speaker, text), a second each."""
    call = Call(linkedid=linkedid, caller=caller, started_at=now, ended_at=now, answered=True,
                hangup_first="caller")
    session.add(call)
    session.flush()
    session.add(StoredTranscript(call_id=call.id, model="vosk", turns=[
        {"speaker": turn["speaker"], "text": turn["text"], "start": float(i), "end": float(i + 1)}
        for i, turn in enumerate(turns)]))
    ticket = service.create(session, hotline, now, category=category, caller=caller, owner="101",
                            call_id=call.id)
    return ticket.id
