"""The tracker's rules on variations of real calls: who hung up first (R10), dropped calls (R9),
transfers (R12), plain Dial without a queue, holds (R11), agent states, originate results,
duplicates and out-of-order events, and the C1 queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ami import events as ev
from callcenter.ami.framing import AmiFramer
from callcenter.calls.ingest import ingest
from callcenter.calls.model import (
    AgentRingEnded,
    AgentRinging,
    CallEnded,
    CallQueued,
    CallRecord,
    CallStarted,
    GreetingDecision,
    HoldChanged,
    LiveCall,
    OriginateResult,
)
from callcenter.calls.replay import replay_chunks
from callcenter.calls.tracker import CallTracker
from callcenter.messages import AgentStateChanged


def trace_messages(traces_dir: Path, name: str) -> tuple[bytes, list[bytes]]:
    banner, _, rest = (traces_dir / f"{name}.ami").read_bytes().partition(b"\r\n")
    return banner, [m for m in rest.split(b"\r\n\r\n") if m]


def join(banner: bytes, messages: list[bytes]) -> bytes:
    return banner + b"\r\n" + b"\r\n\r\n".join(messages) + b"\r\n\r\n"


def message(**headers: str) -> bytes:
    return "\r\n".join(f"{k}: {v}" for k, v in headers.items()).encode()


def index_of(messages: list[bytes], *needles: bytes) -> int:
    return next(i for i, m in enumerate(messages) if all(n in m for n in needles))


CALLER2 = {"Channel": "Local/inbound@from-pstn-00000004;2", "Uniqueid": "1795634553.9",
           "Linkedid": "1795634553.8"}


def test_agent_hanging_up_first_is_recorded_and_counts_as_dropped(traces_dir: Path) -> None:
    """R10/R9: AgentComplete Reason agent → hangup_first agent, and the call is owed a callback."""
    banner, messages = trace_messages(traces_dir, "answered_fast")
    i = index_of(messages, b"Event: AgentComplete")
    messages[i] = messages[i].replace(b"Reason: caller", b"Reason: agent")
    (record,) = replay_chunks([join(banner, messages)])
    assert (record.hangup_first, record.dropped) == ("agent", True)


def test_without_agent_complete_the_first_hangup_request_after_the_bridge_decides(traces_dir: Path) -> None:
    banner, messages = trace_messages(traces_dir, "sip_answered_fast")
    messages = [m for m in messages if b"Event: AgentComplete" not in m]
    (record,) = replay_chunks([join(banner, messages)])
    assert record.hangup_first == "caller"  # HangupRequest on the SIP channel (a BYE)


def test_line_broken_mid_conversation_is_dropped(traces_dir: Path) -> None:
    """R9: the caller's leg dies with a network cause while talking (no hangup request first)."""
    banner, messages = trace_messages(traces_dir, "sip_answered_fast")
    messages = [m for m in messages if b"HangupRequest" not in m and b"Event: AgentComplete" not in m]
    first_hangup = index_of(messages, b"Event: Hangup", b"Channel: SIP/")
    messages[first_hangup] = messages[first_hangup].replace(b"Cause: 16", b"Cause: 38")
    (record,) = replay_chunks([join(banner, messages)])
    assert record.dropped is True
    assert record.hangup_first == "system"


def test_redirect_of_a_bridged_caller_counts_a_transfer(traces_dir: Path) -> None:
    """R12, traces README 10: a Redirect shows only as the caller's Newexten elsewhere."""
    banner, messages = trace_messages(traces_dir, "answered_fast")
    i = index_of(messages, b"Event: BridgeEnter", b"from-pstn-00000004;2")
    moved = message(Event="Newexten", Privilege="dialplan,all", Timestamp="1795634570.000000", **CALLER2,
                    ChannelStateDesc="Up", Context="from-pstn", Exten="repair", Priority="1",
                    Application="NoOp")
    messages.insert(i + 1, moved)
    (record,) = replay_chunks([join(banner, messages)])
    assert record.transfers == 1
    assert record.agent == "Local/agent1@agents"  # R14: the first answering agent stays the owner


@pytest.mark.parametrize("after", [False, True], ids=["blind_transfer_first", "agent_complete_first"])
def test_blind_transfer_counts_once_with_its_agent_complete(after: bool, traces_dir: Path) -> None:
    # Asterisk sends the two in one burst, in either order (seen on a real SIP REFER).
    banner, messages = trace_messages(traces_dir, "answered_fast")
    i = index_of(messages, b"Event: AgentComplete")
    messages[i] = messages[i].replace(b"Reason: caller", b"Reason: transfer")
    blind = message(Event="BlindTransfer", Privilege="call,all", Timestamp="1795634570.000000",
                    Result="Success",
                    TransfererChannel="Local/agent1@agents-00000005;1", TransfererLinkedid="1795634553.8",
                    TransfereeChannel="Local/inbound@from-pstn-00000004;2", TransfereeLinkedid="1795634553.8",
                    Context="from-pstn", Extension="repair")
    messages.insert(i + 1 if after else i, blind)
    (record,) = replay_chunks([join(banner, messages)])
    assert record.transfers == 1
    assert record.hangup_first == "caller"  # the first request after the bridge: the caller's ;2


def test_duplicated_and_reordered_events_do_not_change_the_record(traces_dir: Path) -> None:
    banner, messages = trace_messages(traces_dir, "rollover")
    (clean,) = replay_chunks([join(banner, messages)])
    doubled = [m for msg in messages
               for m in ([msg, msg] if b"Event: Dial" in msg or b"Event: Agent" in msg else [msg])]
    (again,) = replay_chunks([join(banner, doubled)])
    assert again.as_replay_json() == clean.as_replay_json()
    late = doubled + [messages[index_of(messages, b"Event: AgentConnect")]]  # long after the end
    assert [r.as_replay_json() for r in replay_chunks([join(banner, late)])] == [clean.as_replay_json()]


def test_bus_messages_of_a_rollover_call(traces_dir: Path) -> None:
    published: list[object] = []
    tracker = CallTracker(publish=published.append)
    framer = AmiFramer()
    for m in framer.feed((traces_dir / "rollover.ami").read_bytes()):
        ingest(tracker, m, 0.0)
    kinds = [type(m).__name__ for m in published]
    assert kinds.count("AgentRinging") == 2 and kinds.count("CallEnded") == 1
    assert kinds.index("CallStarted") < kinds.index("CallQueued") < kinds.index("AgentRinging")
    ringing = [m for m in published if isinstance(m, AgentRinging)]
    assert ringing[1].attempt == 2  # R13: the caller's ring start carries across attempts
    assert ringing[1].caller_ring_started_at == pytest.approx(ringing[0].caller_ring_started_at, abs=0.001)
    ended = [m for m in published if isinstance(m, AgentRingEnded)]
    assert [e.outcome for e in ended] == ["no_answer", "answered"]
    (decision,) = [m for m in published if isinstance(m, GreetingDecision)]
    assert decision.greeting == "apology" and decision.rings == 5  # R2: 21 s of ringing
    assert decision.caller_uniqueid == "1795634585.13"  # the ;2 running Queue() = agi_uniqueid
    assert isinstance(published[-1], CallEnded) or any(isinstance(m, CallEnded) for m in published)
    assert any(isinstance(m,
                          CallQueued) for m in published) and any(isinstance(m,
                                                                             CallStarted) for m in published)


def test_greeting_for_before_and_after_the_answer(traces_dir: Path) -> None:
    """C1: the FastAGI asks at answer time; before the member's phone is seen going Up, ring time
    runs to `now`."""
    tracker = CallTracker()
    banner, messages = trace_messages(traces_dir, "queue_agi_greeting")
    answer = index_of(messages, b"Event: Newstate", b"@agents-", b";1\r\nChannelState: 6")
    framer = AmiFramer()
    for m in framer.feed(join(banner, messages[:answer])):
        ingest(tracker, m, 0.0)
    (live,) = tracker.live_calls()
    assert live.state == "ringing" and live.member_name == "Agent 1"
    assert tracker.greeting_for("nope", "nope", 0.0) is None
    early = tracker.greeting_for(None, "Local/inbound@from-pstn-00000021;2", live.ring_started_at + 16.0)  # type: ignore[operator]
    assert early is not None and early.greeting == "apology" and early.ring_seconds == pytest.approx(16.0)
    for m in framer.feed(b"\r\n\r\n".join(messages[answer:answer + 1]) + b"\r\n\r\n"):
        ingest(tracker, m, 0.0)
    decided = tracker.greeting_for(early.caller_uniqueid, None, 0.0)
    assert decided is not None and decided.ring_seconds == pytest.approx(18.0, abs=0.2)
    assert tracker.live_calls()[0].state == "talking"


def test_hold_messages_and_live_state(traces_dir: Path) -> None:
    published: list[object] = []
    tracker = CallTracker(publish=published.append)
    for m in AmiFramer().feed((traces_dir / "sip_hold.ami").read_bytes()):
        ingest(tracker, m, 0.0)
    holds = [m for m in published if isinstance(m, HoldChanged)]
    assert [h.on_hold for h in holds] == [True, False]  # R11
    assert holds[1].at - holds[0].at == pytest.approx(5.008, abs=0.01)


def test_plain_dial_to_an_extension_is_tracked_without_queue_events() -> None:
    """R12/R14 routing `extension`: Dial(PJSIP/8101) — a leg from DialBegin, agent id from the
    extension, the agent's SoftHangupRequest decides who hung up first."""
    published: list[object] = []
    records: list[CallRecord] = []
    tracker = CallTracker(publish=published.append, on_finished=lambda r, j: records.append(r),
                          agent_id_for=lambda i: "1001" if i == "PJSIP/8101" else None)
    caller = {"channel": "PJSIP/trunk-00000001", "uniqueid": "10.1", "linkedid": "10.1",
              "caller_num": "13800138000",
                  "state_desc": "Up", "context": "callcenter-route", "exten": "extension"}
    agent = dict(caller, channel="PJSIP/8101-00000002", uniqueid="10.2", caller_num=None,
                 state_desc="Ringing")
    dial = {"channel": "PJSIP/trunk-00000001", "uniqueid": "10.1", "linkedid": "10.1",
                "dest_channel": "PJSIP/8101-00000002", "dest_uniqueid": "10.2"}
    for event in [ev.Newchannel("Newchannel", 100.0, **caller), ev.Newchannel("Newchannel", 100.1, **agent),
                  ev.DialBegin("DialBegin", 100.1, **dial), ev.Newstate("Newstate", 100.2, **agent),
                  ev.DialEnd("DialEnd", 116.2, **dial, status="ANSWER"),
                  ev.BridgeEnter("BridgeEnter", 116.3, **caller, bridge_id="b"),
                  ev.HangupRequest("SoftHangupRequest", 130.0, **dict(agent, state_desc="Up"), cause=16,
                                   soft=True),
                  ev.Hangup("Hangup", 130.0, **dict(agent, state_desc="Up"), cause=16),
                  ev.Hangup("Hangup", 130.1, **caller, cause=16)]:
        tracker.apply(event)
    (record,) = records
    (started,) = [m for m in published if isinstance(m, CallStarted)]
    assert started.caller == "13800138000"  # a trunk caller's number is known from the start
    assert record.agent == "PJSIP/8101" and record.queue is None
    assert record.ring_seconds == pytest.approx(16.1) and record.greeting == "apology"  # R2, from DialBegin
    assert (record.hangup_first, record.dropped) == ("agent", True)  # R10, R9


def test_agent_states_and_originate_results_are_published() -> None:
    published: list[object] = []
    tracker = CallTracker(publish=published.append,
                          agent_id_for=lambda i: "1001" if i == "PJSIP/8101" else None)
    tracker.apply(ev.MemberState("QueueMemberStatus", 1.0, "repair", "PJSIP/8101", "王工", 1, False, None))
    tracker.apply(ev.MemberState("QueueMemberStatus", 1.5, "repair", "PJSIP/8101", "王工", 1, False, None))
    tracker.apply(ev.MemberState("QueueMemberPause", 2.0, "repair", "PJSIP/8101", "王工", None, True, "午饭"))
    tracker.apply(ev.DeviceState("DeviceStateChange", 3.0, "PJSIP/8101", "RINGING"))
    tracker.apply(ev.DeviceState("DeviceStateChange", 3.0, "Queue:repair", "RINGING"))
    tracker.apply(ev.DeviceState("DeviceStateChange", 3.5, "PJSIP/8101", "NOT_INUSE"))
    tracker.apply(ev.MemberState("QueueMemberPause", 3.6, "repair", "PJSIP/8101", "王工", None, True, "培训"))
    tracker.apply(ev.MemberState("QueueMemberPause", 3.7, "repair", "PJSIP/8101", "王工", None, False, None))
    tracker.apply(ev.OriginateResponse("OriginateResponse", 4.0, "cb-7", False, "3", "PJSIP/8101", None))
    states = [(m.state, m.paused, m.reason,
               m.agent_id) for m in published if isinstance(m, AgentStateChanged)]
    assert states == [("available", False, None, "1001"), ("paused", True, "午饭", "1001"),
                      ("ringing", True, "午饭", "1001"), ("paused", True, "午饭", "1001"),
                      ("paused", True, "培训", "1001"),  # a new reason is news (the desk shows it)
                      ("available", False, None, "1001")]  # unpaused: back to the device's state
    (result,) = [m for m in published if isinstance(m, OriginateResult)]
    assert (result.action_id, result.success, result.reason) == ("cb-7", False, "3")


def test_a_failing_subscriber_or_bad_event_never_stops_the_tracker(traces_dir: Path) -> None:
    def explode(message: object) -> None:
        if isinstance(message, CallQueued):
            raise TypeError("subscriber bug")

    records: list[CallRecord] = []
    tracker = CallTracker(publish=explode, on_finished=lambda r, j: records.append(r))
    for m in AmiFramer().feed((traces_dir / "two_concurrent.ami").read_bytes()):
        ingest(tracker, m, 0.0)
    assert len(records) == 2  # the failures were logged with their Linkedid, the calls went on


def _caller(**over: object) -> dict[str, object]:
    base: dict[str, object] = {"channel": "PJSIP/trunk-00000001", "uniqueid": "20.1", "linkedid": "20.1",
                               "caller_num": "13800138000", "state_desc": "Up", "context": "callcenter-route",
                               "exten": "queue"}
    return base | over


def _leg(name: str, uniqueid: str) -> dict[str, object]:
    return _caller(channel=name, uniqueid=uniqueid, caller_num=None, state_desc="Ringing", context="agents")


def _agent(at: float, name: str, queue: str, dest: str, member: str,
           reason: str | None = None) -> ev.AgentEvent:
    return ev.AgentEvent(name, at, **_caller(), queue=queue, interface=dest.rsplit("-", 1)[0],  # type: ignore[arg-type]
                         member_name=member, dest_channel=dest, ring_time=None, reason=reason)


def test_a_transferred_call_keeps_its_first_answer_and_its_whole_talk_time() -> None:
    """R12/R14: after a blind transfer the next agent's answer gets its own greeting, but the
    record keeps the first answer (ring time, greeting, agent) and talks until the caller leaves."""
    published: list[object] = []
    records: list[CallRecord] = []
    tracker = CallTracker(publish=published.append, on_finished=lambda r, j: records.append(r))
    one, two = "PJSIP/8101-00000002", "PJSIP/8201-00000003"
    dial = {"channel": "PJSIP/trunk-00000001", "uniqueid": "20.1", "linkedid": "20.1"}
    for event in [
        ev.Newchannel("Newchannel", 100.0, **_caller()),  # type: ignore[arg-type]
        ev.QueueCallerJoin("QueueCallerJoin", 101.0, **_caller(), queue="service", position=1),  # type: ignore[arg-type]
        _agent(101.0, "AgentCalled", "service", one, "李秀英"),
        ev.Newstate("Newstate", 101.0, **_leg(one, "20.2")),  # type: ignore[arg-type]
        ev.DialEnd("DialEnd", 104.0, **dial, dest_channel=one, dest_uniqueid="20.2", status="ANSWER"),
        ev.BridgeEnter("BridgeEnter", 104.1, **_caller(), bridge_id="b1"),  # type: ignore[arg-type]
        ev.BlindTransfer("BlindTransfer", 110.0, "20.1", one, "callcenter-route", "repair"),
        _agent(110.0, "AgentComplete", "service", one, "李秀英", reason="transfer"),
        ev.Hangup("Hangup", 110.0, **_leg(one, "20.2") | {"state_desc": "Up"}, cause=16),  # type: ignore[arg-type]
        _agent(111.0, "AgentCalled", "repair", two, "陈师傅"),
        ev.Newstate("Newstate", 111.0, **_leg(two, "20.3")),  # type: ignore[arg-type]
        ev.DialEnd("DialEnd", 127.0, **dial, dest_channel=two, dest_uniqueid="20.3", status="ANSWER"),
        ev.BridgeEnter("BridgeEnter", 127.1, **_caller(), bridge_id="b2"),  # type: ignore[arg-type]
        ev.HangupRequest("HangupRequest", 150.0, **_caller(), cause=None, soft=False),  # type: ignore[arg-type]
        _agent(150.0, "AgentComplete", "repair", two, "陈师傅", reason="caller"),
        ev.Hangup("Hangup", 150.0, **_leg(two, "20.3") | {"state_desc": "Up"}, cause=16),  # type: ignore[arg-type]
        ev.Hangup("Hangup", 150.1, **_caller(), cause=16),  # type: ignore[arg-type]
    ]:
        tracker.apply(event)
    (record,) = records
    assert (record.agent, record.ring_seconds, record.greeting) == ("PJSIP/8101", 3.0, "standard")
    assert record.talk_seconds == pytest.approx(150.0 - 104.0) and record.transfers == 1
    assert [leg.outcome for leg in record.legs] == ["answered", "answered"]
    decisions = [m for m in published if isinstance(m, GreetingDecision)]
    assert [(d.agent, d.ring_seconds, d.greeting) for d in decisions] == [
        ("PJSIP/8101", 3.0, "standard"), ("PJSIP/8201", 16.0, "apology")]  # R2 for the second agent too


def test_a_callback_from_an_agents_phone_is_outbound_and_its_sides_are_right() -> None:
    """The callbacks' agent-first Originate: the agent's phone is the first channel, the customer
    is the dialled leg; the agent hanging up first is the agent side (R10), not the customer."""
    records: list[CallRecord] = []
    tracker = CallTracker(on_finished=lambda r, j: records.append(r),
                          agent_id_for=lambda i: "101" if i == "PJSIP/8101" else None)
    phone = {"channel": "PJSIP/8101-00000001", "uniqueid": "30.1", "linkedid": "30.1",
             "caller_num": "13800138000",
             "state_desc": "Up", "context": "callcenter-callback", "exten": "s"}
    trunk = phone | {"channel": "PJSIP/trunk-00000002", "uniqueid": "30.2", "state_desc": "Ringing"}
    dial = {"channel": "PJSIP/8101-00000001", "uniqueid": "30.1", "linkedid": "30.1",
            "dest_channel": "PJSIP/trunk-00000002", "dest_uniqueid": "30.2"}
    for event in [ev.Newchannel("Newchannel", 10.0, **phone),  # type: ignore[arg-type]
                  ev.Newchannel("Newchannel", 11.0, **trunk),  # type: ignore[arg-type]
                  ev.DialBegin("DialBegin", 11.0, **dial), ev.Newstate("Newstate", 11.1, **trunk),  # type: ignore[arg-type]
                  ev.DialEnd("DialEnd", 15.0, **dial, status="ANSWER"),
                  ev.BridgeEnter("BridgeEnter", 15.1, **phone, bridge_id="b"),  # type: ignore[arg-type]
                  ev.BridgeEnter("BridgeEnter", 15.1, **trunk, bridge_id="b"),  # type: ignore[arg-type]
                  ev.HangupRequest("HangupRequest", 20.0, **phone, cause=16, soft=False),  # type: ignore[arg-type]
                  ev.Hangup("Hangup", 20.0, **phone, cause=16),  # type: ignore[arg-type]
                  ev.Hangup("Hangup", 20.1, **trunk, cause=16)]:  # type: ignore[arg-type]
        tracker.apply(event)
    (record,) = records
    assert (record.direction, record.agent, record.caller, record.hangup_first) == (
        "outbound", "PJSIP/8101", "13800138000", "agent")
    assert record.answered and record.attempts == 1 and record.legs[0].channel == "PJSIP/trunk-00000002"
    assert record.greeting is None and record.within_rule is None  # R1/R2 are about callers waiting


def test_recordings_come_from_mixmonitor_for_the_transcript(traces_dir: Path) -> None:
    """C3/C4: the dialplan's MixMonitor names one file per side, beside the file MIXMONITOR_FILENAME
    names; the speech area transcribes the sides. A queue's own MixMonitor names only the mix."""
    banner, messages = trace_messages(traces_dir, "answered_fast")
    (record,) = replay_chunks([join(banner, messages)])
    assert record.recordings == ("/var/spool/asterisk/monitor/1795634553.9.wav",
                                 "/var/spool/asterisk/monitor/1795634553.9-caller.wav",
                                 "/var/spool/asterisk/monitor/1795634553.9-agent.wav")
    mix = message(Event="Newexten", Privilege="dialplan,all", Timestamp="1795634553.06", **CALLER2,
                  ChannelStateDesc="Up", Context="callcenter-inbound", Exten="s", Priority="2",
                  Application="MixMonitor",
                  AppData="1795634553.9.wav,r(1795634553.9-caller.wav)t(1795634553.9-agent.wav)")
    var = message(Event="VarSet", Privilege="dialplan,all", Timestamp="1795634553.07", **CALLER2,
                  Variable="MIXMONITOR_FILENAME", Value="/srv/rec/1795634553.9.wav")
    i = index_of(messages, b"Event: QueueCallerJoin")
    without_queue_recording = [m for m in messages if b"MIXMONITOR_FILENAME" not in m]
    (record,
     ) = replay_chunks([join(banner, without_queue_recording[:i] + [mix, var] + without_queue_recording[i:])])
    assert record.recordings == ("/srv/rec/1795634553.9.wav", "/srv/rec/1795634553.9-caller.wav",
                                 "/srv/rec/1795634553.9-agent.wav")


def _answered_call(events: list[ev.AmiEvent]) -> tuple[CallRecord, list[GreetingDecision]]:
    published: list[object] = []
    records: list[CallRecord] = []
    tracker = CallTracker(publish=published.append, on_finished=lambda r, j: records.append(r))
    for event in events:
        tracker.apply(event)
    (record,) = records
    return record, [m for m in published if isinstance(m, GreetingDecision)]


def _ending(at: float, leg: str, uniqueid: str) -> list[ev.AmiEvent]:
    return [ev.HangupRequest("HangupRequest", at, **_caller(), cause=16, soft=False),  # type: ignore[arg-type]
            ev.Hangup("Hangup", at, **_leg(leg, uniqueid) | {"state_desc": "Up"}, cause=16),  # type: ignore[arg-type]
            ev.Hangup("Hangup", at + 0.1, **_caller(), cause=16)]  # type: ignore[arg-type]


def test_r1_the_ring_clock_starts_when_the_pbx_calls_the_member_not_at_the_phones_late_180() -> None:
    """DOMAIN "Ring time": the caller's wait starts at AgentCalled. A phone whose 180 Ringing comes
    3 s late does not turn a 17.0 s wait into 14.0 s (within the rule, standard greeting)."""
    phone = "PJSIP/8101-00000002"
    dial = {"channel": "PJSIP/trunk-00000001", "uniqueid": "20.1", "linkedid": "20.1",
            "dest_channel": phone, "dest_uniqueid": "20.2"}
    record, decisions = _answered_call([
        ev.Newchannel("Newchannel", 99.0, **_caller()),  # type: ignore[arg-type]
        ev.QueueCallerJoin("QueueCallerJoin", 100.0, **_caller(), queue="service", position=1),  # type: ignore[arg-type]
        ev.Newchannel("Newchannel", 100.0, **_leg(phone, "20.2") | {"state_desc": "Down"}),  # type: ignore[arg-type]
        _agent(100.0, "AgentCalled", "service", phone, "李秀英"),
        ev.DialBegin("DialBegin", 100.0, **dial),
        ev.Newstate("Newstate", 103.0, **_leg(phone, "20.2")),  # type: ignore[arg-type]  # the late 180
        ev.DialState("DialState", 103.0, **dial, status="RINGING"),
        ev.Newstate("Newstate", 117.0, **_leg(phone, "20.2") | {"state_desc": "Up"}),  # type: ignore[arg-type]
        ev.DialEnd("DialEnd", 117.0, **dial, status="ANSWER"),
        _agent(117.0, "AgentConnect", "service", phone, "李秀英"),
        ev.BridgeEnter("BridgeEnter", 117.1, **_caller(), bridge_id="b1"),  # type: ignore[arg-type]
        *_ending(130.0, phone, "20.2")])
    assert record.ring_seconds == pytest.approx(17.0)
    assert (record.rings, record.within_rule, record.greeting) == (4, False, "apology")  # R1, R2
    assert record.legs[0].ring_seconds == pytest.approx(17.0)
    assert [(d.ring_seconds, d.greeting) for d in decisions] == [(pytest.approx(17.0), "apology")]


@pytest.mark.parametrize(("answer_after", "dial_end_after", "greeting"), [(3.0, 5.77, "standard"),
                                                                           (2.0, 9.58, "standard"),
                                                                           (13.0, 16.5, "standard"),
                                                                           (15.2, 17.0, "apology")])
def test_r1_the_ring_time_ends_when_the_phone_answers_not_after_dials_announcement(
        answer_after: float, dial_end_after: float, greeting: str) -> None:
    """R14 owner route / transfer target: Dial(PJSIP/8101,…,A(工号 prompt)) sends DialEnd ANSWER only
    once the announcement has played. The caller stopped waiting when the phone went Up."""
    phone = "PJSIP/8101-00000002"
    dial = {"channel": "PJSIP/trunk-00000001", "uniqueid": "20.1", "linkedid": "20.1",
            "dest_channel": phone, "dest_uniqueid": "20.2"}
    record, decisions = _answered_call([
        ev.Newchannel("Newchannel", 99.0, **_caller(exten="extension")),  # type: ignore[arg-type]
        ev.Newchannel("Newchannel", 100.0, **_leg(phone, "20.2") | {"state_desc": "Down"}),  # type: ignore[arg-type]
        ev.DialBegin("DialBegin", 100.0, **dial),
        ev.Newstate("Newstate", 100.05, **_leg(phone, "20.2")),  # type: ignore[arg-type]
        ev.DialState("DialState", 100.05, **dial, status="RINGING"),
        ev.Newstate("Newstate", 100.0 + answer_after, **_leg(phone, "20.2") | {"state_desc": "Up"}),  # type: ignore[arg-type]
        ev.DialEnd("DialEnd", 100.0 + dial_end_after, **dial, status="ANSWER"),
        ev.BridgeEnter("BridgeEnter", 100.1 + dial_end_after, **_caller(), bridge_id="b1"),  # type: ignore[arg-type]
        *_ending(140.0, phone, "20.2")])
    assert record.ring_seconds == pytest.approx(answer_after)
    assert record.answered_at == pytest.approx(100.0 + answer_after)
    assert record.legs[0].ring_seconds == pytest.approx(answer_after)
    assert record.greeting == greeting and record.within_rule is (greeting == "standard")
    assert [(d.ring_seconds, d.greeting) for d in decisions] == [(pytest.approx(answer_after), greeting)]


def _replayed(events: list[ev.AmiEvent], published: list[object] | None = None,
              live: list[LiveCall] | None = None) -> CallRecord:
    """What `callcenter replay` makes of these events: no list of the hotline's agents."""
    records: list[CallRecord] = []
    tracker = CallTracker(publish=(published if published is not None else []).append,
                          on_finished=lambda r, j: records.append(r))
    for event in events:
        tracker.apply(event)
        if live is not None:
            live += tracker.live_calls()
    (record,) = records
    return record


def _originated_phone(state: str = "Down", caller: str = "8101", context: str = "callcenter-agents",
                      exten: str = "s") -> dict[str, object]:
    return {"channel": "PJSIP/8101-00000000", "uniqueid": "40.1", "linkedid": "40.1", "caller_num": caller,
            "state_desc": state, "context": context, "exten": exten}


def _originate_dial(status: str | None = None) -> ev.AmiEvent:
    fields = {"channel": None, "uniqueid": None, "linkedid": "40.1", "dest_channel": "PJSIP/8101-00000000",
              "dest_uniqueid": "40.1"}
    return ev.DialBegin("DialBegin", 10.0, **fields) if status is None else ev.DialEnd(  # type: ignore[arg-type]
        "DialEnd", 10.3, **fields, status=status)  # type: ignore[arg-type]


def test_b6_replay_of_an_agent_first_callback_as_asterisk_20_sends_it() -> None:
    """As captured on Asterisk 20.20.1: the originated phone's Newchannel shows the phone's own
    number (8101), the customer is the callcenter-callback context's extension. Replay, knowing no
    agents, records the customer as the caller and the phone as the agent, outbound."""
    customer = "13800138001"
    cb = _originated_phone("Up", "4008001234", "callcenter-callback", customer)
    trunk = {"channel": "PJSIP/trunk-00000001", "uniqueid": "40.2", "linkedid": "40.1",
             "caller_num": customer,
             "state_desc": "Ringing", "context": "callcenter-inbound", "exten": "s"}
    dial = {"channel": "PJSIP/8101-00000000", "uniqueid": "40.1", "linkedid": "40.1",
            "dest_channel": "PJSIP/trunk-00000001", "dest_uniqueid": "40.2"}
    published: list[object] = []
    live: list[LiveCall] = []
    record = _replayed([
        ev.Newchannel("Newchannel", 10.0, **_originated_phone()),  # type: ignore[arg-type]
        ev.CallerIdChanged("NewCallerid", 10.0, **_originated_phone(caller=customer)),  # type: ignore[arg-type]
        _originate_dial(),
        ev.Newstate("Newstate", 10.3, **_originated_phone("Up", customer)),  # type: ignore[arg-type]
        _originate_dial("ANSWER"),
        ev.Newexten("Newexten", 10.31, **cb, application="Dial", app_data=f"PJSIP/{customer}@trunk"),  # type: ignore[arg-type]
        ev.Newchannel("Newchannel", 10.32, **trunk | {"state_desc": "Down", "caller_num": None}),  # type: ignore[arg-type]
        ev.DialBegin("DialBegin", 10.32, **dial),
        ev.Newstate("Newstate", 11.1, **trunk | {"state_desc": "Up"}),  # type: ignore[arg-type]
        ev.DialEnd("DialEnd", 12.9, **dial, status="ANSWER"),
        ev.BridgeEnter("BridgeEnter", 12.9, **trunk | {"state_desc": "Up"}, bridge_id="b"),  # type: ignore[arg-type]
        ev.HangupRequest("HangupRequest", 13.2, **cb, cause=16, soft=False),  # type: ignore[arg-type]
        ev.Hangup("Hangup", 13.2, **trunk | {"state_desc": "Up"}, cause=16),  # type: ignore[arg-type]
        ev.Hangup("Hangup", 13.2, **cb, cause=16)], published, live)  # type: ignore[arg-type]
    assert (record.direction, record.caller, record.agent, record.hangup_first) == (
        "outbound", customer, "PJSIP/8101", "agent")
    assert record.answered and [leg.channel for leg in record.legs] == ["PJSIP/trunk-00000001"]
    # The customer's phone is no member's: no screen pop, no caller's rings on the wallboard (R1).
    assert not [m for m in published if isinstance(m, AgentRinging)]
    assert live and all(c.ring_started_at is None for c in live)
    assert record.legs[0].ring_seconds == pytest.approx(11.1 - 10.32)  # B5: to the answer, not DialEnd


def test_b4_an_agent_first_call_the_agent_never_answers_is_outbound_in_replay_too() -> None:
    """The Originate rang the agent's phone, which never answered: no inbound call (呼入量) in replay."""
    customer = "13800138001"
    record = _replayed([
        ev.Newchannel("Newchannel", 10.0, **_originated_phone()),  # type: ignore[arg-type]
        ev.CallerIdChanged("NewCallerid", 10.0, **_originated_phone(caller=customer)),  # type: ignore[arg-type]
        _originate_dial(),
        ev.Newstate("Newstate", 10.1, **_originated_phone("Ringing", customer)),  # type: ignore[arg-type]
        _originate_dial("NOANSWER"),
        ev.Hangup("Hangup", 40.0, **_originated_phone("Ringing", customer), cause=19)])  # type: ignore[arg-type]
    assert (record.direction, record.answered, record.abandoned, record.agent) == (
        "outbound", False, False, "PJSIP/8101")
    assert record.caller == customer  # the Originate's CallerID, not the phone's own 8101


def test_b4_an_agent_calling_a_colleague_from_their_phone_is_outbound_in_replay_as_live() -> None:
    """The call starts in the softphones' own context (callcenter-agents): no caller waiting for
    the hotline, so no inbound call in 呼入量, whether or not the tracker knows the agents."""
    me = _originated_phone("Ring", "8101", "callcenter-agents", "8102") | {"channel": "PJSIP/8101-00000003"}
    colleague = {"channel": "PJSIP/8102-00000004", "uniqueid": "40.2", "linkedid": "40.1",
                 "caller_num": "8101", "state_desc": "Ringing", "context": "callcenter-agents",
                 "exten": "8102"}
    dial = {"channel": "PJSIP/8101-00000003", "uniqueid": "40.1", "linkedid": "40.1",
            "dest_channel": "PJSIP/8102-00000004", "dest_uniqueid": "40.2"}
    events: list[ev.AmiEvent] = [
        ev.Newchannel("Newchannel", 10.0, **me),  # type: ignore[arg-type]
        ev.Newexten("Newexten", 10.0, **me, application="Dial", app_data="PJSIP/8102,30"),  # type: ignore[arg-type]
        ev.DialBegin("DialBegin", 10.01, **dial),
        ev.Newstate("Newstate", 12.0, **colleague | {"state_desc": "Up"}),  # type: ignore[arg-type]
        ev.DialEnd("DialEnd", 12.0, **dial, status="ANSWER"),
        ev.Hangup("Hangup", 20.0, **colleague | {"state_desc": "Up"}, cause=16),  # type: ignore[arg-type]
        ev.Hangup("Hangup", 20.0, **me | {"state_desc": "Up"}, cause=16)]  # type: ignore[arg-type]
    replayed = _replayed(events)
    live: list[CallRecord] = []
    tracker = CallTracker(on_finished=lambda r, j: live.append(r),
                          agent_id_for=lambda i: {"PJSIP/8101": "101", "PJSIP/8102": "102"}.get(i or ""))
    for event in events:
        tracker.apply(event)
    assert (replayed.direction, replayed.agent, replayed.within_rule) == ("outbound", "PJSIP/8101", None)
    assert replayed.as_replay_json() == live[0].as_replay_json()
