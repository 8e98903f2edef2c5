"""Raw AMI messages → the tracker, the same way for live traffic and for replayed captures."""

from __future__ import annotations

import logging

from callcenter.ami.events import parse_event, timestamp_refused
from callcenter.ami.framing import RawMessage
from callcenter.calls.tracker import CallTracker

log = logging.getLogger(__name__)


def ingest(tracker: CallTracker, message: RawMessage, arrival: float) -> None:
    """One message: typed events go through the state machine (and, raw, into their call's
    journal: everything a record is rebuilt from); the rest (VarSet, RTCPSent, LocalBridge, …,
    more than half of the stream) is skipped at debug level."""
    headers = message.headers
    try:
        event = parse_event(headers, arrival)
    except Exception:  # a builder bug must not stop the stream
        log.exception("ingest: could not read %s", headers.get("Event"))
        return
    if event is not None:
        # A usable Timestamp gave the event its time; only an arrival time can hide a refused one.
        if event.at == arrival and timestamp_refused(headers):  # the record says so
            log.warning("ingest: %s of call %s has an impossible Timestamp %r; its arrival time is used",
                        event.name, getattr(event, "linkedid", "-"), headers.get("Timestamp", "")[:40])
            tracker.apply(event, message.raw, flag="time_from_arrival")
            return
        tracker.apply(event, message.raw)
    elif "Event" in headers:
        log.debug("ingest: skipping %s", headers["Event"])
