"""Transfers on the real Asterisk 20 (R12, R14): a blind transfer by the phone's own REFER is one
transfer, and the first answering agent keeps the call. The transfer target is dialled with
Dial(…,A(工号 prompt)): its ring time ends when that phone answers, not after the announcement."""

from __future__ import annotations

import asyncio

import pytest

from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.pbx import bridged, of_call


async def test_r12_a_blind_transfer_by_refer_is_recorded_as_a_transfer(
        pbx: Pbx, service: RunningService) -> None:
    first = await pbx.phone("8101", answer_after=0.4)
    second = await pbx.phone("8102", answer_after=0.5)
    # The queue rings in rrmemory order, which earlier tests move on: 8102 must only be the target.
    await pbx.asterisk.arx("queue pause member PJSIP/8102")
    caller = await pbx.call_in()
    agent_call = await first.next_call()
    await bridged(pbx.stream, caller.linkedid)
    await asyncio.sleep(0.3)
    response = await agent_call.refer("8102")
    assert response.status == 202, response.first_line
    complete = await pbx.stream.wait_for(lambda e: e.get("Event") == "AgentComplete"
                                         and e.get("Linkedid") == caller.linkedid)
    assert complete["Reason"] == "transfer"
    target = await second.next_call()
    await asyncio.wait_for(target.answered.wait(), 20)
    await asyncio.sleep(0.5)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("refer_transfer")
    assert (row.answered, row.agent_id, row.transfers) == (True, "101", 1)  # R14: the first agent owns it
    assert row.hangup_first == "caller" and row.dropped is False
    # B5: the target's leg rang from its DialBegin to its phone going Up; Dial's A() was still
    # playing the 工号 prompt (no DialEnd ANSWER yet) when the caller hung up.
    [record] = [m.record for m in service.stored if m.record.linkedid == caller.linkedid]
    events = of_call(pbx.stream.events, caller.linkedid)
    begin = next(e for e in events
                 if e.get("Event") == "DialBegin" and e["DestChannel"].startswith("PJSIP/8102-"))
    up = next(e for e in events if e.get("Event") == "Newstate" and e["Channel"] == begin["DestChannel"]
              and e["ChannelStateDesc"] == "Up")
    target_leg = record.legs[-1]
    assert (target_leg.channel, target_leg.outcome) == (begin["DestChannel"], "answered")
    assert target_leg.ring_seconds == pytest.approx(float(up["Timestamp"]) - float(begin["Timestamp"]),
                                                    abs=0.05)
