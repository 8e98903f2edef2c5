"""The tracker and a supervisor listening in, on the real Asterisk 20 capture of one
(tests/data/asterisk-captures/listen_in.ami): the spied call's agent line is found from the
events alone, and the spy session is never a call, live, replayed or across a reconnect's
snapshot (nothing stored for it, nothing on the wallboard)."""

from __future__ import annotations

from pathlib import Path

from callcenter.ami import events as ev
from callcenter.ami.framing import AmiFramer, RawMessage
from callcenter.calls.ingest import ingest
from callcenter.calls.model import CallRecord
from callcenter.calls.replay import replay_file
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker, Journal

CAPTURE = Path(__file__).parent / "data" / "asterisk-captures" / "listen_in.ami"
RULE = RingRule(cycle_seconds=1, rule_rings=3)


def messages() -> list[RawMessage]:
    framer = AmiFramer()
    return [*framer.feed(CAPTURE.read_bytes()), *framer.flush()]


def first_spy_start(all_messages: list[RawMessage]) -> int:
    return next(i for i, m in enumerate(all_messages) if m.headers.get("Event") == "ChanSpyStart")


def tracker_until_spying() -> tuple[CallTracker, list[CallRecord], dict[str, str], list[RawMessage]]:
    records: list[CallRecord] = []

    def finished(record: CallRecord, _journal: Journal) -> None:
        records.append(record)

    tracker = CallTracker(RULE, on_finished=finished)
    stream = messages()
    at = first_spy_start(stream)
    for message in stream[:at]:
        ingest(tracker, message, 0.0)
    return tracker, records, stream[at].headers, stream[at + 1:]


def test_replaying_a_listened_in_call_stores_the_call_once_and_nothing_for_the_session() -> None:
    records = replay_file(CAPTURE, RULE)
    spy = messages()[first_spy_start(messages())].headers
    assert [r.linkedid for r in records] == [spy["SpyeeLinkedid"]]
    (call,) = records
    assert (call.answered, call.agent, call.hangup_first) == (True, "PJSIP/8101", "caller")


def test_the_agent_line_of_a_call_in_conversation_is_the_channel_chanspy_spied_on() -> None:
    tracker, records, spy, rest = tracker_until_spying()
    line = tracker.agent_line(spy["SpyeeLinkedid"])
    assert line is not None
    assert (line.channel, line.interface) == (spy["SpyeeChannel"], "PJSIP/8101")
    assert [c.linkedid for c in tracker.live_calls()] == [spy["SpyeeLinkedid"]]  # the session is no call
    assert tracker.agent_line(spy["SpyerLinkedid"]) is None
    assert tracker.is_listening_in("8900") and not tracker.is_listening_in("8101")
    for message in rest:
        ingest(tracker, message, 0.0)
    assert [r.linkedid for r in records] == [spy["SpyeeLinkedid"]]
    assert tracker.agent_line(spy["SpyeeLinkedid"]) is None and tracker.live_calls() == []
    assert not tracker.is_listening_in("8900")  # the session is over with its last channel


def _snapshot(channel: str, uniqueid: str, linkedid: str) -> ev.ChannelSnapshot:
    return ev.ChannelSnapshot("CoreShowChannel", 0.0, channel, uniqueid, linkedid, None, "Up", None, None,
                              None, None, 5.0, None)


def test_a_reconnects_snapshot_neither_adopts_the_session_as_a_call_nor_keeps_it_once_gone() -> None:
    tracker, records, spy, rest = tracker_until_spying()
    spyer, linkedid = spy["SpyerChannel"], spy["SpyerLinkedid"]
    # Met first in a snapshot (as after a restart): the session's channels stay out of the calls.
    fresh = CallTracker(RULE)
    fresh.resync([_snapshot(spyer, spy["SpyerUniqueid"], linkedid),
                  _snapshot("PJSIP/8900-00000002", "1.99", linkedid)], since_seq=0, taken_at=10.0)
    assert fresh.live_calls() == [] and fresh.open_calls == 0
    assert fresh.is_listening_in("8900")
    # Known, then missing from a snapshot: over; its late events start no call.
    tracker.resync([], since_seq=tracker.seq, taken_at=10.0)
    assert not tracker.is_listening_in("8900")
    for message in rest:
        ingest(tracker, message, 0.0)
    assert linkedid not in {r.linkedid for r in records}
    assert tracker.live_calls() == []
