"""The ring clock on the real Asterisk 20 (DOMAIN "Ring time", R1): the caller's wait starts when
Asterisk starts calling the member (AgentCalled/DialBegin), not at the phone's 180 Ringing."""

from __future__ import annotations

import asyncio

import pytest

from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.pbx import bridged, of_call, truth

RING_AGREEMENT = 0.05  # seconds: the stored ring time against the AMI Timestamps


async def test_r1_a_phone_sending_its_180_late_does_not_shorten_the_callers_wait(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=1.8)
    phone.ring_after = 1.2  # 180 Ringing 1.2 s after the INVITE, 200 OK at 1.8 s
    caller = await pbx.call_in()
    agent_call = await phone.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await asyncio.sleep(0.3)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("late_180")
    events = of_call(pbx.stream.events, caller.linkedid)
    called = next(e for e in events if e.get("Event") == "AgentCalled")
    ringing = next(e for e in events if e.get("Event") == "Newstate" and e["Channel"] == called["DestChannel"]
                   and e["ChannelStateDesc"] == "Ringing")
    assert float(ringing["Timestamp"]) - float(called["Timestamp"]) > 1.0  # the phone's 180 really was late
    ami = truth(pbx.stream.events, caller.linkedid)
    assert ami.ring_seconds is not None and row.ring_seconds is not None
    assert row.ring_seconds == pytest.approx(ami.ring_seconds, abs=RING_AGREEMENT)
    assert row.ring_seconds > 1.7
