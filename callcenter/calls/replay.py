"""Replay a captured AMI byte stream through the live parser and tracker (DESIGN.md contract).

Times come from the events' ``Timestamp`` headers; without them, from the arrival times of a
trace sidecar (``message_arrival_s``, one per message after the banner) when given. A capture
file with neither is refused; ``replay_chunks`` alone falls back to the moment each message is read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from callcenter.ami.framing import AmiFramer, RawMessage
from callcenter.calls.ingest import ingest
from callcenter.calls.model import CallRecord
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker, Journal
from callcenter.errors import CallcenterError

CHUNK = 64 * 1024


class ReplayError(CallcenterError):
    """The trace or its sidecar cannot be read."""


@dataclass
class Seen:
    """What a replay read: messages after the banner, and events with and without a Timestamp."""

    messages: int = 0
    events: int = 0
    stamped_events: int = 0


def replay_chunks(chunks: Iterable[bytes], rule: RingRule | None = None,
                  arrivals: Sequence[float] | None = None,
                  now: Callable[[], float] = time.time, seen: Seen | None = None) -> list[CallRecord]:
    """Feed byte chunks of any size through the framer and tracker; the finished calls in order."""
    records: list[CallRecord] = []
    seen = Seen() if seen is None else seen

    def finished(record: CallRecord, _journal: Journal) -> None:
        records.append(record)

    def read(message: RawMessage) -> None:
        if "Event" in message.headers:
            seen.events += 1
            seen.stamped_events += "Timestamp" in message.headers
        ingest(tracker, message, _arrival(arrivals, message.index, now))

    tracker = CallTracker(rule, on_finished=finished)
    framer = AmiFramer()
    for chunk in chunks:
        for message in framer.feed(chunk):
            read(message)
    for message in framer.flush():
        read(message)
    tracker.flush()
    seen.messages = framer.stats.messages
    return records


def _arrival(arrivals: Sequence[float] | None, index: int, now: Callable[[], float]) -> float:
    if not arrivals:
        return now()
    return arrivals[index] if index < len(arrivals) else arrivals[-1]


def read_chunks(path: Path, size: int = CHUNK) -> Iterable[bytes]:
    try:
        with path.open("rb") as stream:
            while block := stream.read(size):
                yield block
    except OSError as exc:
        raise ReplayError(f"cannot read trace {path}: {exc.strerror or exc}") from None


def load_arrivals(path: Path) -> list[float]:
    """``message_arrival_s`` of a trace sidecar (seconds since the listener connected)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        values = data["message_arrival_s"]
        return [float(v) for v in values]
    except OSError as exc:
        raise ReplayError(f"cannot read arrivals file {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ReplayError(f"{path} is not a trace sidecar with message_arrival_s ({exc})") from None


def replay_file(path: Path, rule: RingRule | None = None,
                arrivals_path: Path | None = None) -> list[CallRecord]:
    """The calls of a capture file; refused when its times cannot be known (R1: a ring time
    made up from reading speed would look right and be wrong)."""
    if not path.is_file():
        raise ReplayError(f"trace {path} does not exist")
    arrivals = load_arrivals(arrivals_path) if arrivals_path else None
    seen = Seen()
    records = replay_chunks(read_chunks(path), rule, arrivals, seen=seen)
    if arrivals is None and seen.events and not seen.stamped_events:
        raise ReplayError(f"{path} has no Timestamp headers (captured with manager.conf "
                          "timestampevents = no), "
                          "so ring and talk times cannot be known: pass --arrivals SIDECAR.json with the "
                          "capture's message_arrival_s, or capture again with timestampevents = yes")
    if arrivals is not None and len(arrivals) != seen.messages:
        raise ReplayError(f"{arrivals_path} has {len(arrivals)} arrival times for {seen.messages} messages "
                          f"in {path}: it is not this capture's sidecar")
    return records
