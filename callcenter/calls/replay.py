"""Replay a captured AMI byte stream through the live parser and tracker (DESIGN.md contract).

Times come from the events' ``Timestamp`` headers; without them, from the arrival times of a
trace sidecar (``message_arrival_s``, one per message after the banner) when given, else from
the moment each message is read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from callcenter.ami.framing import AmiFramer
from callcenter.calls.ingest import ingest
from callcenter.calls.model import CallRecord
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker, Journal
from callcenter.errors import CallcenterError

CHUNK = 64 * 1024


class ReplayError(CallcenterError):
    """The trace or its sidecar cannot be read."""


def replay_chunks(chunks: Iterable[bytes], rule: RingRule | None = None,
                  arrivals: Sequence[float] | None = None,
                  now: Callable[[], float] = time.time) -> list[CallRecord]:
    """Feed byte chunks of any size through the framer and tracker; the finished calls in order."""
    records: list[CallRecord] = []

    def finished(record: CallRecord, _journal: Journal) -> None:
        records.append(record)

    tracker = CallTracker(rule, on_finished=finished)
    framer = AmiFramer()
    last_at = 0.0
    for chunk in chunks:
        for message in framer.feed(chunk):
            last_at = _arrival(arrivals, message.index, now)
            ingest(tracker, message, last_at)
    for message in framer.flush():
        last_at = _arrival(arrivals, message.index, now)
        ingest(tracker, message, last_at)
    tracker.flush()
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


def replay_file(path: Path, rule: RingRule | None = None, arrivals_path: Path | None = None) -> list[CallRecord]:
    if not path.is_file():
        raise ReplayError(f"trace {path} does not exist")
    arrivals = load_arrivals(arrivals_path) if arrivals_path else None
    return replay_chunks(read_chunks(path), rule, arrivals)
