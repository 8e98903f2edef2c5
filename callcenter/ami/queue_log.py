"""Asterisk's queue_log (logger.conf ``queue_log = yes``): what app_queue wrote, read back.

One line per queue event, ``epoch|callid|queuename|agent|event|data1|data2|…`` (logger.c
ast_queue_log), the epoch in whole seconds, the call id the Uniqueid of the channel that ran
Queue(), the agent the member's name. Asterisk keeps writing it while the service is down, so it
is what calls missed meanwhile are recorded from. Lines that do not parse are skipped (logged at
debug): a torn last line, a line from another tool.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# Events that end a caller's stay in the queue (app_queue.c).
ANSWERED_ENDS = frozenset({"COMPLETECALLER", "COMPLETEAGENT", "BLINDTRANSFER", "ATTENDEDTRANSFER",
                           "TRANSFER"})
UNANSWERED_ENDS = frozenset({"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"})


@dataclass(frozen=True)
class QueueLogLine:
    at: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    def number(self, index: int) -> int | None:
        try:
            return int(self.data[index])
        except (IndexError, ValueError):
            return None


@dataclass
class QueuedCall:
    """One caller's stay in one queue, as the queue_log tells it (whole seconds)."""

    callid: str
    queue: str
    entered_at: int | None = None
    caller: str | None = None
    unanswered: list[QueueLogLine] = field(default_factory=list)  # RINGNOANSWER / RINGCANCELED
    connect: QueueLogLine | None = None
    end: QueueLogLine | None = None

    @property
    def ended(self) -> bool:
        return self.end is not None

    @property
    def answered(self) -> bool:
        return self.connect is not None


def parse_line(text: str) -> QueueLogLine | None:
    parts = text.rstrip("\r\n").split("|")
    if len(parts) < 5:
        return None
    try:
        at = int(parts[0])
    except ValueError:
        return None
    if not 0 < at < 10**11:
        return None
    return QueueLogLine(at, parts[1], parts[2], parts[3], parts[4], tuple(parts[5:]))


def read_lines(path: Path, since: float | None = None) -> Iterator[QueueLogLine]:
    """The file's lines from ``since`` (epoch seconds) on; nothing when the file is missing."""
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    with handle:
        for text in handle:
            line = parse_line(text)
            if line is None:
                if text.strip():
                    log.debug("queue_log %s: skipping unreadable line %r", path, text[:120])
                continue
            if since is None or line.at >= since:
                yield line


def calls_of(lines: Iterable[QueueLogLine]) -> dict[str, QueuedCall]:
    """Group by call id (a caller who rejoins after a transfer keeps the first queue's record)."""
    calls: dict[str, QueuedCall] = {}
    for line in lines:
        if line.callid in ("", "NONE") or line.queue in ("", "NONE"):
            continue  # member events (ADDMEMBER, PAUSE…) and QUEUESTART/CONFIGRELOAD
        call = calls.get(line.callid)
        if call is None:
            call = calls[line.callid] = QueuedCall(line.callid, line.queue)
        if call.end is not None:
            continue
        if line.event == "ENTERQUEUE":
            call.entered_at = line.at
            call.caller = (line.data[1] if len(line.data) > 1 else "") or None
        elif line.event in ("RINGNOANSWER", "RINGCANCELED"):
            call.unanswered.append(line)
        elif line.event == "CONNECT":
            call.connect = line
        elif line.event in ANSWERED_ENDS or line.event in UNANSWERED_ENDS:
            call.end = line
    return calls
