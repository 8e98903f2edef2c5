"""Which calls are stored already, by the keys Asterisk gives a call (data functions: the caller
owns the session)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call


def last_stored_end(session: Session, server: str) -> dt.datetime | None:
    """When the last call stored for this PBX ended: queue_log is read from there on."""
    return session.scalar(select(func.max(Call.ended_at)).where(Call.server == server))


def stored_ids(session: Session, server: str, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` that are the Linkedid or the queue channel's Uniqueid of a stored call."""
    wanted = set(ids)
    found: set[str] = set()
    chunk = sorted(wanted)
    for start in range(0, len(chunk), 500):
        part = chunk[start:start + 500]
        rows = session.execute(select(Call.linkedid, Call.queue_uniqueid).where(
            Call.server == server, or_(Call.linkedid.in_(part), Call.queue_uniqueid.in_(part))))
        for linkedid, queue_uniqueid in rows:
            found |= {linkedid, queue_uniqueid} & wanted
    return found
