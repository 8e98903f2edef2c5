"""pbxsim and the call tracker agree: each trace scenario runs on pbxsim, the bytes its AMI
listener received go through ``callcenter replay``'s path (replay_file: framer → ingest →
tracker), and the records must be the outcome the scenario intends (R1 ring time, R10 who hung up,
R11 hold, R13 roll-over, abandon). The intended figures are computed from the scenario file and
the traces' dialplan, not read back from pbxsim."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from test_pbxsim_fidelity import FastAgiRecorder, capture

from callcenter.calls.model import CallRecord
from callcenter.calls.replay import replay_file
from callcenter.pbxsim import PbxConfig
from callcenter.pbxsim.scenario import Scenario, load_scenario
from tests.support.virtual_time import in_virtual_time

SPEED = 5.0  # any speed gives the same figures: the scenarios run in virtual time
GREETING = PbxConfig().prompt_seconds["hello-world"]  # Playback before Queue() in the traces' dialplan


def ring(scenario: Scenario, agent: str, call: int = 0) -> float:
    return float(scenario.calls[call].variables[f"__RING_{agent}"] if f"__RING_{agent}" in
                 scenario.calls[call].variables else scenario.globals[f"RING_{agent}"])


Expected = dict[str, object]
INTENDED: dict[str, Callable[[Scenario], list[Expected]]] = {
    "answered_fast": lambda s: [
        {"answered": True, "agent": "Local/agent1@agents", "ring_seconds": ring(s, "agent1"), "attempts": 1,
         "outcomes": ["answered"], "hangup_first": "caller", "hold_seconds": 0.0}],
    "rollover": lambda s: [  # R13: agent 1 rings the member timeout, the queue waits retry, agent 2 answers
        {"answered": True, "agent": "Local/agent2@agents", "attempts": 2,
         "outcomes": ["no_answer", "answered"],
         "ring_seconds": s.queues[0].timeout + s.queues[0].retry + ring(s, "agent2"),
         "hangup_first": "caller"}],
    "abandoned": lambda s: [  # the caller gives up while agent 1 still rings
        {"answered": False, "abandoned": True, "agent": None, "attempts": 1, "outcomes": ["cancelled"],
         "ring_seconds": s.calls[0].hangup_after - GREETING, "hangup_first": "caller"}],
    "two_concurrent": lambda s: [
        {"caller": s.calls[0].caller, "answered": True, "ring_seconds": ring(s, "agent1", 0), "attempts": 1,
         "hangup_first": "caller"},
        {"caller": s.calls[1].caller, "answered": True, "ring_seconds": ring(s, "agent1", 1), "attempts": 1,
         "hangup_first": "caller", "abandoned": False}],
    "sip_hold": lambda s: [
        {"answered": True, "ring_seconds": ring(s, "agent1"), "hangup_first": "caller", "attempts": 1,
         "hold_seconds": s.calls[0].holds[0].seconds, "holds": len(s.calls[0].holds)}],
    "queue_agi_greeting": lambda s: [
        {"answered": True, "agent": "Local/agent1@agents", "ring_seconds": ring(s, "agent1"), "attempts": 1,
         "hangup_first": "caller", "greeting": "apology"}],  # 18 s is past three 5 s rings (R1, R2)
}
# Virtual time: what is left is the microsecond steps between the Timestamps of one burst.
TOLERANCE = {"ring_seconds": 0.001, "hold_seconds": 0.001}


def observed(record: CallRecord, keys: list[str]) -> Expected:
    values: Expected = {
        "caller": record.caller, "answered": record.answered, "abandoned": record.abandoned,
        "agent": record.agent,
        "ring_seconds": record.ring_seconds, "attempts": record.attempts, "hangup_first": record.hangup_first,
        "outcomes": [leg.outcome for leg in record.legs], "hold_seconds": record.hold_seconds,
        "holds": len(record.holds), "greeting": record.greeting,
    }
    return {key: values[key] for key in keys}


async def _run(name: str) -> bytes:
    scenario = load_scenario(name)
    if not any(q.agi for q in scenario.queues):
        stream, _ = await capture(scenario, speed=SPEED)
        return stream
    agi = FastAgiRecorder()  # the trace's FastAGI: GET VARIABLE ×2, STREAM FILE beep
    server = await asyncio.start_server(agi.handle, "127.0.0.1", 0)
    try:
        stream, _ = await capture(scenario, speed=SPEED,
                                  agi=f"agi://127.0.0.1:{server.sockets[0].getsockname()[1]}/answered")
    finally:
        server.close()
        await server.wait_closed()
    return stream


@pytest.mark.parametrize("name", list(INTENDED))
@in_virtual_time
async def test_tracker_records_the_outcome_the_scenario_intends(name: str, tmp_path: Path) -> None:
    trace = tmp_path / f"{name}.ami"
    trace.write_bytes(await _run(name))
    records = sorted(replay_file(trace), key=lambda r: r.started_at)  # what `callcenter replay` prints from
    intended = INTENDED[name](load_scenario(name))
    assert len(records) == len(intended)
    for record, want in zip(records, intended, strict=True):
        got = observed(record, list(want))
        for key, tolerance in TOLERANCE.items():
            if key in want:
                assert got.pop(key) == pytest.approx(want.pop(key), abs=tolerance), (name, key)
        assert got == want, name


@pytest.mark.parametrize("kind", ["redirect", "blind_transfer"])
@in_virtual_time
async def test_a_transferred_call_keeps_its_first_answer_and_whole_talk_time(kind: str,
                                                                             tmp_path: Path) -> None:
    from test_pbxsim_transfers import _moved_call

    from callcenter.pbxsim.scenario import parse_scenario

    scenario = parse_scenario(_moved_call(kind))
    stream, _pbx = await capture(scenario, speed=SPEED)
    trace = tmp_path / "moved.ami"
    trace.write_bytes(stream)
    (record,) = replay_file(trace)
    assert record.transfers == 1 and record.hangup_first == "caller"
    # R1/R2 at the first answer
    assert record.ring_seconds == pytest.approx(ring(scenario, "agent1"), abs=0.001)
    assert record.talk_seconds == pytest.approx(record.ended_at - record.legs[0].ended_at, abs=0.001)


@in_virtual_time
async def test_r1_a_member_phone_sending_its_180_late_still_rings_from_agent_called(tmp_path: Path) -> None:
    """pbxsim's RINGING_AFTER_<phone>: the phone's 180 comes 3 s after Asterisk called it. The
    caller's wait, and so the record's ring time, still starts at AgentCalled (DOMAIN "Ring time")."""
    from callcenter.pbxsim.scenario import parse_scenario

    scenario = parse_scenario({"name": "late_180", "queues": [
        {"name": "service", "members": [["Local/agent1@agents", "Agent 1"]], "timeout": 20}], "calls": [
        {"at": 1.0, "caller": "13800138000", "hangup_after": 40,
         "variables": {"__RING_agent1": "17", "__RINGING_AFTER_agent1": "3"}}]})
    stream, _pbx = await capture(scenario, speed=SPEED)
    trace = tmp_path / "late_180.ami"
    trace.write_bytes(stream)
    (record,) = replay_file(trace)
    text = stream.decode()
    called = text.index("Event: AgentCalled")
    assert text.index("ChannelStateDesc: Ringing", called) > called  # the 180 only after AgentCalled
    assert record.ring_seconds == pytest.approx(17.0, abs=0.2)
    assert (record.within_rule, record.greeting) == (False, "apology")  # R1/R2: not 14 s, within the rule
