"""R21: the satisfaction score a customer keys after a callback's follow-up (回访).

``[callcenter-survey]`` sends it as the UserEvent CallcenterSurvey, which the tracker passes on
as SurveyScored. The score lands on the callback's ticket (``tickets.satisfaction``), where the
follow-up report (``reports/followups.py``) counts it per owner, and in the callback's log.
A score that is not 1-5 (nothing keyed, a stray key) or names no known callback is logged and
dropped: the customer has already hung up and nothing else depends on it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.orm import Session, sessionmaker

from callcenter.callbacks import store
from callcenter.calls.model import SurveyScored
from callcenter.clock import Clock
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work

log = logging.getLogger(__name__)

SCORES = range(1, 6)


class SurveyRecorder:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def on_survey(self, msg: SurveyScored) -> int | None:
        """Store the score; the ticket id it was stored on, or None when it was dropped."""
        score = parse_score(msg.score)
        if score is None or not msg.callback_id.isdigit():
            log.info("callbacks: survey of call %s ignored: score %r for callback %r (R21 wants 1-5)",
                     msg.linkedid, msg.score, msg.callback_id)
            return None
        now = self.clock.now()

        def work() -> int | None:
            with unit_of_work(self.sessions) as session:
                return record_score(session, int(msg.callback_id), score, now)
        ticket_id = await asyncio.to_thread(work)
        log.info("callbacks: survey score %d for callback %s (ticket %s, call %s)",
                 score, msg.callback_id, ticket_id, msg.linkedid)
        return ticket_id


def parse_score(keyed: str) -> int | None:
    return int(keyed) if keyed.isdigit() and int(keyed) in SCORES else None


def record_score(session: Session, callback_id: int, score: int, now: dt.datetime) -> int | None:
    cb = session.get(Callback, callback_id)
    if cb is None:
        log.warning("callbacks: survey score %d names unknown callback %d; dropped", score, callback_id)
        return None
    store.note(session, cb, "survey", now, f"score {score}")
    ticket = session.get(Ticket, cb.ticket_id) if cb.ticket_id is not None else None
    if ticket is None:
        return None
    ticket.satisfaction = score  # the latest follow-up's mark is the ticket's (R21)
    ticket.updated_at = now
    return ticket.id
