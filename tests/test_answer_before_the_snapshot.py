"""A service (re)started while an agent's phone rings: the phone answers after the reconnect but
before the reconnect's snapshot is applied. The answer came for a leg the tracker did not know yet
(its AgentCalled was before the start), and the snapshot, taken a moment before the answer, shows
the leg still ringing. Found by make chaos (kill -9): the call was stored unanswered, without its
agent, and its R9 callback was never placed. The answer seen meanwhile must count (R1, R9, R14).
On the real Asterisk 20 capture ``fast_answer``."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ami import events as ev
from callcenter.ami.framing import AmiFramer, RawMessage
from callcenter.calls.ingest import ingest
from callcenter.calls.model import CallRecord
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker, Journal
from tests.asterisk.pbx import events_of, truth

CAPTURE = Path(__file__).parent / "data" / "asterisk-captures" / "fast_answer.ami"
RULE = RingRule(cycle_seconds=1, rule_rings=3)
LEG = "PJSIP/8101-0000000f"


def messages() -> list[RawMessage]:
    framer = AmiFramer()
    return [*framer.feed(CAPTURE.read_bytes()), *framer.flush()]


def at(message: RawMessage) -> float:
    return float(message.headers.get("Timestamp", "0"))


def channels_created(stream: list[RawMessage], taken_at: float) -> dict[str, tuple[float, str, str]]:
    """Each channel created by ``taken_at``: its creation time, Uniqueid and Linkedid."""
    created: dict[str, tuple[float, str, str]] = {}
    for m in stream:
        h = m.headers
        if h.get("Event") == "Newchannel" and at(m) <= taken_at:
            created[h["Channel"]] = (at(m), h["Uniqueid"], h["Linkedid"])
    return created


def snapshot(stream: list[RawMessage], taken_at: float) -> list[ev.ChannelSnapshot]:
    """CoreShowChannels as Asterisk answered it at ``taken_at``: the caller's Local pair (the ;2
    in Queue) and the agent's phone ringing, with its CDR start."""
    created = channels_created(stream, taken_at)
    out = []
    for channel, (start, uniqueid, linkedid) in created.items():
        if channel == LEG:
            app, data, state = "AppQueue", "(Outgoing Line)", "Ringing"
        elif channel.endswith(";2"):
            app, data, state = "Queue", "service,,,,,,", "Up"
        else:
            app, data, state = "AGI", "", "Up"
        out.append(ev.ChannelSnapshot("CoreShowChannel", taken_at, channel, uniqueid, linkedid, "13800138000",
                                      state, None, None, app, data, taken_at - start, None,
                                      created_at=start if channel == LEG else None))
    return out


def test_an_answer_seen_between_a_restart_and_its_snapshot_is_kept_r1_r9() -> None:
    stream = messages()
    up = next(i for i, m in enumerate(stream) if m.headers.get("Event") == "Newstate"
              and m.headers.get("Channel") == LEG and m.headers.get("ChannelStateDesc") == "Up")
    connect = next(i for i, m in enumerate(stream) if m.headers.get("Event") == "AgentConnect")
    taken_at = at(stream[up]) - 0.05  # the snapshot was taken just before the phone answered
    records: list[CallRecord] = []

    def finished(record: CallRecord, _journal: Journal) -> None:
        records.append(record)

    tracker = CallTracker(RULE, on_finished=finished)
    tracker.snapshot_pending = True  # started: connected, the snapshot not applied yet
    for message in stream[up:connect + 1]:  # the answer and the bridge arrive first
        ingest(tracker, message, at(message))
    tracker.resync(snapshot(stream, taken_at), since_seq=0, taken_at=taken_at)
    for message in stream[connect + 1:]:
        ingest(tracker, message, at(message))
    (record,) = [r for r in records if r.direction == "inbound"]
    ami = truth(events_of(CAPTURE.read_bytes()), record.linkedid)
    assert (record.answered, record.agent, record.hangup_first) == (True, "PJSIP/8101", "caller")
    assert ami.ring_seconds is not None and record.ring_seconds == pytest.approx(ami.ring_seconds, abs=0.05)
    assert not record.abandoned and not record.dropped
