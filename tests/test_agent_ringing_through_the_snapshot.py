"""The minute's queue snapshot does not turn a ringing agent into a talking one: Asterisk 20's
PJSIP phones report a ringing phone as BUSY (QueueMember Status 3, as in the real captures), the
same as a phone in a call; the desk and wallboard keep what the tracker saw (ringing) until the
ring ends or is answered."""

from __future__ import annotations

from pathlib import Path

from callcenter.agents.hub import DeskHub
from callcenter.agents.states import AgentStates
from callcenter.clock import SystemClock
from callcenter.hotline import load_hotline
from callcenter.messages import AgentStateChanged

ROOT = Path(__file__).resolve().parents[1]


def member(status: str, in_call: str = "0") -> dict[str, str]:
    return {"Event": "QueueMember", "Queue": "service", "StateInterface": "PJSIP/8101", "Status": status,
            "Paused": "0", "PausedReason": "", "InCall": in_call}


def states() -> AgentStates:
    return AgentStates(load_hotline(ROOT / "hotline.example.toml"), lambda: None, DeskHub(), SystemClock())


def test_a_ringing_agent_stays_ringing_through_the_snapshot() -> None:
    agents = states()
    agents.apply_snapshot([member("1")])
    agents.on_state_changed(AgentStateChanged("PJSIP/8101", "101", "ringing", False, None, None, 1.0))
    agents.apply_snapshot([member("3")])  # BUSY while it rings
    assert agents.status("101").state == "ringing"


def test_a_busy_phone_not_seen_ringing_shows_talking() -> None:
    agents = states()
    agents.apply_snapshot([member("3")])  # met busy at start-up: in a call, as far as anyone knows
    assert agents.status("101").state == "talking"


def test_a_ringing_agent_in_a_queue_call_shows_talking() -> None:
    agents = states()
    agents.on_state_changed(AgentStateChanged("PJSIP/8101", "101", "ringing", False, None, None, 1.0))
    agents.apply_snapshot([member("3", in_call="1")])  # the answer's events were missed: InCall says so
    assert agents.status("101").state == "talking"
