"""A service (re)started while an agent talks: the caller hangs up after the reconnect but before
the reconnect's snapshot is applied. The tracker meets the call only at its end (HangupRequest,
AgentComplete, the Hangups): its legs and its answer were before we looked. Found by make chaos
(kill -9): the call was stored at its last Hangup, before the snapshot, as a call nobody rang,
unanswered, without its agent. It must wait for the snapshot (which, taken a moment before, shows
the answered leg in the caller's bridge) or, when the snapshot no longer lists it, for the
queue_log's CONNECT (R1, R9, R10, R14). On the real Asterisk 20 capture ``fast_answer``."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ami import events as ev
from callcenter.ami.framing import AmiFramer, RawMessage
from callcenter.calls.catch_up import QueueLogCatchUp
from callcenter.calls.draft import CallDraft
from callcenter.calls.ingest import ingest
from callcenter.calls.model import CallRecord
from callcenter.calls.tracker import CallTracker, Journal
from tests.asterisk.pbx import events_of, truth
from tests.test_answer_before_the_snapshot import CAPTURE, LEG, RULE, at, channels_created, messages

MEMBER = "101 李秀英"
BRIDGE = "5d8f3c1e-bridge"


def first(stream: list[RawMessage], event: str, channel: str | None = None, state: str | None = None) -> int:
    return next(i for i, m in enumerate(stream) if m.headers.get("Event") == event
                and (channel is None or m.headers.get("Channel") == channel)
                and (state is None or m.headers.get("ChannelStateDesc") == state))


def talking_snapshot(stream: list[RawMessage], taken_at: float,
                     answered_at: float) -> list[ev.ChannelSnapshot]:
    """CoreShowChannels while the agent talks: the caller's ;2 in Queue and the agent's phone
    (AppQueue, with its CDR start and answer) in one bridge, the ;1 in the dialplan."""
    created = channels_created(stream, taken_at)
    out = []
    for channel, (start, uniqueid, linkedid) in created.items():
        app, data, bridge = ("AppQueue", "(Outgoing Line)", BRIDGE) if channel == LEG else (
            ("Queue", "service,,,,,,", BRIDGE) if channel.endswith(";2") else ("AGI", "", None))
        out.append(ev.ChannelSnapshot("CoreShowChannel", taken_at, channel, uniqueid, linkedid, "13800138000",
                                      "Up", None, None, app, data, taken_at - start, bridge,
                                      created_at=start if channel == LEG else None,
                                      answered_at=answered_at if channel == LEG else None))
    return out


def run(stream: list[RawMessage], snapshot: list[ev.ChannelSnapshot], taken_at: float,
        catch_up: QueueLogCatchUp | None = None) -> CallRecord:
    """Restarted before the hang-up: the call's last events arrive, then the snapshot is applied."""
    records: list[CallRecord] = []

    def finished(record: CallRecord, _journal: Journal) -> None:
        records.append(record)

    tracker = CallTracker(RULE, on_finished=finished, recall=catch_up.recall if catch_up else None)
    tracker.snapshot_pending = True  # started: connected, the snapshot not applied yet
    for message in stream[first(stream, "HangupRequest"):]:
        ingest(tracker, message, at(message))
    tracker.resync(snapshot, since_seq=0, taken_at=taken_at)
    (record,) = [r for r in records if r.direction == "inbound"]
    return record


def test_a_call_over_before_the_snapshot_is_stored_answered_as_the_snapshot_shows_it_r1_r10() -> None:
    stream = messages()
    answered_at = at(stream[first(stream, "Newstate", LEG, "Up")])
    taken_at = at(stream[first(stream, "HangupRequest")]) - 0.05  # just before the caller hung up
    record = run(stream, talking_snapshot(stream, taken_at, answered_at), taken_at)
    ami = truth(events_of(CAPTURE.read_bytes()), record.linkedid)
    assert (record.answered, record.agent, record.hangup_first) == (True, "PJSIP/8101", "caller")
    assert ami.ring_seconds is not None and record.ring_seconds == pytest.approx(ami.ring_seconds, abs=0.05)
    assert not record.abandoned and not record.dropped
    assert [leg.outcome for leg in record.legs] == ["answered"]


def test_a_call_over_before_a_snapshot_that_no_longer_lists_it_is_completed_from_the_queue_log_r1_r10(
        tmp_path: Path) -> None:
    stream = messages()
    join = at(stream[first(stream, "QueueCallerJoin")])
    called = at(stream[first(stream, "AgentCalled")])
    answered_at = at(stream[first(stream, "Newstate", LEG, "Up")])
    ended = at(stream[-1])
    caller = stream[first(stream, "QueueCallerJoin")].headers["Uniqueid"]
    # What app_queue wrote meanwhile (whole seconds): ENTERQUEUE, CONNECT (hold, peer, ring), COMPLETECALLER.
    queue_log = tmp_path / "queue_log"
    queue_log.write_text(
        f"{int(join)}|{caller}|service|NONE|ENTERQUEUE||13800137428|1\n"
        f"{int(answered_at)}|{caller}|service|{MEMBER}|CONNECT|{int(answered_at - join)}|1796577669.23|"
        f"{int(answered_at - called)}\n"
        f"{int(ended)}|{caller}|service|{MEMBER}|COMPLETECALLER|{int(answered_at - join)}|"
        f"{int(ended - answered_at)}|1\n", encoding="utf-8")
    catch_up = QueueLogCatchUp(queue_log, "pbx", RULE, {MEMBER: "PJSIP/8101"}.get, lambda: None,
                               lambda ids: set(), lambda record, journal: None)
    record = run(stream, [], ended + 0.05, catch_up)  # the snapshot came after the last Hangup
    ami = truth(events_of(CAPTURE.read_bytes()), record.linkedid)
    assert (record.answered, record.agent, record.member_name) == (True, "PJSIP/8101", MEMBER)
    assert record.hangup_first == "caller" and not record.abandoned and not record.dropped
    assert ami.ring_seconds is not None and record.ring_seconds == pytest.approx(ami.ring_seconds, abs=1.0)
    assert "adopted" in record.flags  # its ring and answer to the queue_log's whole second


def test_a_caller_who_gave_up_before_a_snapshot_that_no_longer_lists_the_call_keeps_the_ring_time_r1(
        tmp_path: Path) -> None:
    capture = Path(__file__).parent / "data" / "asterisk-captures" / "abandoned.ami"
    framer = AmiFramer()
    stream = [*framer.feed(capture.read_bytes()), *framer.flush()]
    join = at(stream[first(stream, "QueueCallerJoin")])
    called = at(stream[first(stream, "AgentCalled")])
    gave_up = at(stream[first(stream, "QueueCallerAbandon")])
    caller = stream[first(stream, "QueueCallerJoin")].headers["Uniqueid"]
    queue_log = tmp_path / "queue_log"
    queue_log.write_text(
        f"{int(join)}|{caller}|service|NONE|ENTERQUEUE||13800133207|1\n"
        f"{int(gave_up)}|{caller}|service|{MEMBER}|RINGCANCELED|{round((gave_up - called) * 1000)}\n"
        f"{int(gave_up)}|{caller}|service|NONE|ABANDON|1|1|{int(gave_up - join)}\n", encoding="utf-8")
    catch_up = QueueLogCatchUp(queue_log, "pbx", RULE, {MEMBER: "PJSIP/8101"}.get, lambda: None,
                               lambda ids: set(), lambda record, journal: None)
    record = run(stream, [], at(stream[-1]) + 0.05, catch_up)
    ami = truth(events_of(capture.read_bytes()), record.linkedid)
    assert (record.answered, record.abandoned, record.queue) == (False, True, "service")
    assert ami.ring_seconds is not None and record.ring_seconds == pytest.approx(ami.ring_seconds, abs=1.0)
    assert [leg.outcome for leg in record.legs] == ["cancelled"]


def test_a_call_met_at_its_end_gets_every_attempt_since_it_entered_the_queue_r13(tmp_path: Path) -> None:
    """Its queue entry unseen, the queue_log is read back far enough for its first attempt."""
    queue_log = tmp_path / "queue_log"
    queue_log.write_text(
        "1000|c1|service|NONE|ENTERQUEUE||13800133207|1\n"
        f"1020|c1|service|{MEMBER}|RINGNOANSWER|15000\n"
        "1090|c1|service|102 王芳|RINGCANCELED|4000\n"
        "1090|c1|service|NONE|ABANDON|1|1|90\n", encoding="utf-8")
    catch_up = QueueLogCatchUp(queue_log, "pbx", RULE, {MEMBER: "PJSIP/8101"}.get, lambda: None,
                               lambda ids: set(), lambda record, journal: None)
    draft = CallDraft("l1", "pbx", 1090.2, 1090.2, queue="service", queue_uniqueid="c1")
    catch_up.recall([], [draft])
    assert draft.queue_entered_at == 1000.5
    assert sorted(leg.outcome or "" for leg in draft.legs.values()) == ["cancelled", "no_answer"]
    assert draft.first_ring_at == pytest.approx(1005.5)
