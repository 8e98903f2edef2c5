"""An agent's phone that rings shows as ringing, then talking once answered, on real Asterisk 20:
its PJSIP endpoints (device_state_busy_at = 1) report a ringing phone as BUSY (QueueMemberStatus
Status 3, DeviceStateChange BUSY), the same as a phone in a call. Replays live captures of the
real-Asterisk tier (tests/data/asterisk-captures) through the tracker."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ami.framing import AmiFramer
from callcenter.calls.ingest import ingest
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker
from callcenter.messages import AgentStateChanged

CAPTURES = Path(__file__).parent / "data" / "asterisk-captures"
PHONES = {"PJSIP/8101": "101", "PJSIP/8102": "102", "PJSIP/8103": "103"}


def agent_states(capture: str) -> list[tuple[str, str]]:
    """(agent, shown state) as the tracker publishes them while the capture is replayed."""
    published: list[object] = []
    tracker = CallTracker(RingRule(cycle_seconds=1, rule_rings=3), publish=published.append,
                          agent_id_for=lambda interface: PHONES.get(interface or ""))
    framer = AmiFramer()
    for message in [*framer.feed((CAPTURES / f"{capture}.ami").read_bytes()), *framer.flush()]:
        ingest(tracker, message, 0.0)
    return [(m.agent_id or "", m.state) for m in published if isinstance(m, AgentStateChanged)]


def test_the_capture_reports_a_ringing_phone_as_busy_like_a_phone_in_a_call() -> None:
    # The premise: without the open AgentCalled, BUSY alone cannot tell ringing from talking.
    raw = (CAPTURES / "fast_answer.ami").read_bytes().decode()
    called = raw.index("Event: AgentCalled")
    answered = raw.index("Event: AgentConnect")
    assert "Device: PJSIP/8101\r\nState: BUSY" in raw[called:answered]
    assert "Device: PJSIP/8101\r\nState: RINGING" not in raw
    assert "Status: 3" in raw[called:answered]


@pytest.mark.parametrize("capture, expected", [
    ("fast_answer", [("101", "ringing"), ("101", "talking"), ("101", "available")]),
    ("late_180", [("101", "ringing"), ("101", "talking"), ("101", "available")]),
    ("late_answer_rollover", [("101", "ringing"), ("101", "available"),
                              ("102", "ringing"), ("102", "talking"), ("102", "available")]),
    ("abandoned", [("101", "ringing"), ("101", "available")]),
    ("owner_first", [("102", "ringing"), ("102", "talking"), ("102", "available")]),
])
def test_an_agent_shows_ringing_while_the_phone_rings_and_talking_once_answered(
        capture: str, expected: list[tuple[str, str]]) -> None:
    states = agent_states(capture)
    # Registration comes first in each capture (phones going available); the call follows.
    first_ring = states.index(expected[0])
    assert states[first_ring:] == expected
    assert all(state == "available" for _agent, state in states[:first_ring])
