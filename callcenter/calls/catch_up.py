"""Catching up with Asterisk after a restart or a cut link, from its queue_log.

After every (re)connect's snapshot: the calls that came and went unseen are recorded (backfilled,
whole seconds), unless the tracker follows them or they are stored already (same Linkedid or
queue Uniqueid: never doubled). Calls the tracker followed that ended while the link was down get
their end from the queue_log (who hung up, the talk time) instead of a guess (R9, R10).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from callcenter.ami.queue_log import QueueLogLine, calls_of, read_lines
from callcenter.calls.backfill import MemberInterface, adopt_from_log, complete_from_log, record_of
from callcenter.calls.draft import CallDraft
from callcenter.calls.model import CallRecord
from callcenter.calls.ringing import RingRule

log = logging.getLogger(__name__)

# How far before the last stored call's end the queue_log is read: a call that was in the
# queue then and ended while the service was down has its ENTERQUEUE line there.
LOOKBACK_SECONDS = 4 * 3600.0
# A vanished call's queue_log lines start no earlier than this before the call did.
SLACK_SECONDS = 5.0

Submit = Callable[[CallRecord, list[tuple[float, str, str]]], None]


class QueueLogCatchUp:
    def __init__(self, path: Path | None, server: str, rule: RingRule, interface_for: MemberInterface,
                 last_stored_end: Callable[[], dt.datetime | None],
                 stored_ids: Callable[[set[str]], set[str]],
                 submit: Submit) -> None:
        self.path, self.server, self.rule = path, server, rule
        self._interface_for = interface_for
        self._last_stored_end, self._stored_ids, self._submit = last_stored_end, stored_ids, submit
        self.backfilled = 0

    def recall(self, vanished: list[CallDraft], adopted: list[CallDraft]) -> None:
        """At a resync (on the loop: rare, and only these calls' lines are kept): the end of the
        calls that vanished while the link was down, the earlier attempts of the calls adopted."""
        ended = {d.queue_uniqueid: d for d in vanished if d.queue_uniqueid}
        going = {d.queue_uniqueid: d for d in adopted if d.queue_uniqueid}
        wanted = ended | going
        if self.path is None or not wanted:
            return
        # A call whose queue entry was not seen (met at its end) may have entered long before.
        since = min(d.started_at - (LOOKBACK_SECONDS if d.queue_entered_at is None else 0.0)
                    for d in wanted.values()) - SLACK_SECONDS
        found = calls_of(line for line in read_lines(self.path, since) if line.callid in wanted)
        for callid, queued in found.items():
            if callid in ended:
                complete_from_log(ended[callid], queued)
                log.info("catch-up: call %s completed from the queue_log (%s)", ended[callid].linkedid,
                         queued.end.event if queued.end else "not ended there")
            else:
                adopt_from_log(going[callid], queued, self._interface_for)

    async def backfill(self, following: set[str]) -> int:
        """Record the calls missed; ``following`` are the ids of calls the tracker knows."""
        if self.path is None:
            return 0
        records = await asyncio.to_thread(self._missed, following)
        for record, lines in records:
            self._submit(record, [(float(line.at), f"queue_log:{line.event}", _raw(line)) for line in lines])
        if records:
            log.warning("catch-up: %d calls Asterisk handled unseen were recorded from %s (whole seconds)",
                        len(records), self.path)
        self.backfilled += len(records)
        return len(records)

    def _missed(self, following: set[str]) -> list[tuple[CallRecord, list[QueueLogLine]]]:
        last = self._last_stored_end()
        lines = list(read_lines(self.path, None if last is None else last.timestamp() - LOOKBACK_SECONDS)
                     ) if self.path else []
        if last is None and lines:
            # Nothing stored yet for this PBX (a first start, or a stop before any call ended):
            # the log's last LOOKBACK_SECONDS, not Asterisk's whole history.
            newest = max(line.at for line in lines)
            lines = [line for line in lines if line.at >= newest - LOOKBACK_SECONDS]
        calls = {callid: c for callid, c in calls_of(lines).items() if c.ended and callid not in following}
        stored = self._stored_ids(set(calls)) if calls else set()
        by_call: dict[str, list[QueueLogLine]] = {}
        for line in lines:
            by_call.setdefault(line.callid, []).append(line)
        out = []
        for callid, queued in calls.items():
            if callid in stored:
                continue
            record = record_of(queued, self.server, self.rule, self._interface_for)
            if record is not None:
                out.append((record, by_call.get(callid, [])))
        return out


def _raw(line: QueueLogLine) -> str:
    return "|".join([str(line.at), line.callid, line.queue, line.agent, line.event, *line.data])


def hotline_members(agents: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """(id, name, extension) → queue member names as rendered (``<id> <name>``) and plain → interface."""
    out: dict[str, str] = {}
    for agent_id, name, extension in agents:
        out.setdefault(name, f"PJSIP/{extension}")
        out[f"{agent_id} {name}"] = f"PJSIP/{extension}"
    return out
