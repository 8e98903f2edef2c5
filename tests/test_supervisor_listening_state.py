"""A supervisor's phone in a spy session is listening in, not on a call: replaying Asterisk's own
captures of a listen-in (tests/data/asterisk-captures), the tracker reports the supervisor's phone as
``listening`` (监听中 on the wallboard) while ChanSpy runs, and the agent's phone as talking (R17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ami.framing import AmiFramer
from callcenter.calls.ingest import ingest
from callcenter.calls.tracker import CallTracker
from callcenter.messages import AgentStateChanged
from callcenter.words.enums import word

CAPTURES = Path(__file__).parent / "data" / "asterisk-captures"
AGENTS = {"PJSIP/8900": "900", "PJSIP/8101": "101"}


def states_in(capture: str, chunk: int = 97) -> dict[str, list[str]]:
    """Each phone's published states, the capture fed through the real framer in odd chunks."""
    published: list[object] = []
    tracker = CallTracker(publish=published.append, agent_id_for=lambda i: AGENTS.get(i or ""))
    framer = AmiFramer()
    data = (CAPTURES / f"{capture}.ami").read_bytes()
    for start in range(0, len(data), chunk):
        for message in framer.feed(data[start:start + chunk]):
            ingest(tracker, message, 0.0)
    states: dict[str, list[str]] = {}
    for m in published:
        if isinstance(m, AgentStateChanged) and m.agent_id is not None:
            states.setdefault(m.agent_id, []).append(m.state)
    return states


@pytest.mark.parametrize("capture", ["listen_in", "listen_in_call_ends"])
def test_the_supervisors_phone_is_listening_in_while_chanspy_runs_not_on_a_call(capture: str) -> None:
    states = states_in(capture)
    assert "listening" in states["900"] and "talking" not in states["900"]
    assert states["900"][-1] == "available"  # the session over, the phone is free again
    assert "talking" in states["101"] and "listening" not in states["101"]


def test_listening_in_has_its_words_in_both_languages() -> None:
    assert (word("zh", "agent_state", "listening"), word("en", "agent_state", "listening")) == (
        "监听中", "listening in")
