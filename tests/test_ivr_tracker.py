"""The ``answered`` script with the real call tracker (contract C1), fed the recorded AMI stream
of queue_agi_greeting up to the moment Asterisk opened the FastAGI connection: Agent 1 answered
after 18 s of ringing, so the caller must hear the apology (R1, R2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from callcenter.ami.framing import AmiFramer
from callcenter.bus import EventBus
from callcenter.calls.ingest import ingest
from callcenter.calls.ringing import RingRule
from callcenter.calls.tracker import CallTracker
from callcenter.clock import FrozenClock
from callcenter.db.session import make_engine, make_session_factory
from callcenter.ivr.component import IvrComponent
from callcenter.service import ServiceContext
from tests.test_ivr_agi import Channel, _settings, agi_session, trace_environment


def _tracker_until(traces_dir: Path, keep: Callable[[float], bool]) -> CallTracker:
    tracker = CallTracker(RingRule(5.0, 3))
    framer = AmiFramer()
    for message in framer.feed((traces_dir / "queue_agi_greeting.ami").read_bytes()) + framer.flush():
        stamp = message.headers.get("Timestamp")
        if stamp is not None and keep(float(stamp)):
            ingest(tracker, message, float(stamp))
    return tracker


@pytest.mark.parametrize("seen", ["answer seen", "answer not seen yet"])
async def test_trace_answer_after_18_s_gets_the_apology(seen: str, traces_dir: Path, hotline_path: Path,
                                                       tmp_path: Path) -> None:
    agi = json.loads((traces_dir / "queue_agi_greeting.json").read_text())["agi"]
    connect = agi["connect_epoch"]
    # Either everything up to the AGI connection, or only up to just before the member's
    # Newstate Up: then the tracker counts the ring time up to the AGI request's arrival (C1).
    cut = connect if seen == "answer seen" else connect - 0.0016
    tracker = _tracker_until(traces_dir, lambda t: t < cut)
    engine = make_engine(f"sqlite:///{tmp_path / 'unused.db'}")
    ctx = ServiceContext(settings=_settings(hotline_path, tmp_path), bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine), clock=FrozenClock(connect), tracker=tracker)
    component = IvrComponent(ctx)
    await component.start()
    try:
        assert component.address is not None
        channel = await agi_session(component.address, trace_environment(traces_dir), Channel(
            {"MEMBERINTERFACE": "Local/agent1@agents", "MEMBERNAME": "Agent 1"}))
    finally:
        await component.stop()
        engine.dispose()
    # The trace's member has no hotline agent: the numberless apology (R2).
    assert channel.heard == ["callcenter/zh/agent_apology"]
    decision = tracker.greeting_for(agi["environment"]["agi_uniqueid"], None, connect)
    assert decision is not None and decision.greeting == "apology" and 17.5 < decision.ring_seconds < 18.5


def test_the_cut_really_precedes_the_answer(traces_dir: Path) -> None:
    agi = json.loads((traces_dir / "queue_agi_greeting.json").read_text())["agi"]
    before = _tracker_until(traces_dir, lambda t: t < agi["connect_epoch"] - 0.0016)
    live = before.live_calls()
    assert live and live[0].state == "ringing"  # not yet "talking": the answer has not been seen
