"""Hold (R11) and blind transfers (R12, R14) on the real Asterisk: a softphone's re-INVITE with
``a=sendonly`` and its REFER, and the service's own AMI ``BlindTransfer``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.pbx import Event, bridged, of_call, truth
from tests.asterisk.test_inbound_calls import assert_ring_time


async def test_r11_hold_by_reinvite_is_stored_with_the_ami_hold_time(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=0.3)
    caller = await pbx.call_in()
    agent_call = await phone.next_call()
    await bridged(pbx.stream, caller.linkedid)
    assert (await agent_call.hold()).status == 200
    await pbx.stream.wait_for(lambda e: e.get("Event") == "Hold" and e.get("Linkedid") == caller.linkedid)
    await asyncio.sleep(0.8)
    assert (await agent_call.unhold()).status == 200
    await pbx.stream.wait_for(lambda e: e.get("Event") == "Unhold" and e.get("Linkedid") == caller.linkedid)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("hold")
    events = of_call(pbx.stream.events, caller.linkedid)
    held = _stamp(events, "Hold")
    unheld = _stamp(events, "Unhold")
    assert (row.hold_count, row.answered, row.hangup_first) == (1, True, "caller")
    assert row.hold_seconds == pytest.approx(unheld - held, abs=0.05)
    assert_ring_time("hold", row.ring_seconds, truth(pbx.stream.events, caller.linkedid).ring_seconds)


def _stamp(events: list[Event], name: str) -> float:
    return float(next(e for e in events if e.get("Event") == name)["Timestamp"])


async def _transferred_call(pbx: Pbx, service: RunningService, how: str) -> tuple[Any, str]:
    first = await pbx.phone("8101", answer_after=0.3)
    second = await pbx.phone("8102", answer_after=None)
    await pbx.asterisk.arx("queue pause member PJSIP/8102")  # the queue rings 8101; 8102 is the target
    caller = await pbx.call_in()
    agent_call = await first.next_call()
    await bridged(pbx.stream, caller.linkedid)
    second.answer_after = 0.5
    if how == "refer":
        refer = await agent_call.blind_transfer("8102")
        assert refer.status == 202, refer.first_line
    else:
        agent_leg = next(e["DestChannel"] for e in pbx.stream.events if e.get("Event") == "AgentConnect"
                         and e.get("Linkedid") == caller.linkedid)
        response = await pbx.driver.action("BlindTransfer", Channel=agent_leg, Context="callcenter-transfer",
                                           Exten="8102")
        assert response.get("Response") == "Success", response
    target_call = await second.next_call()
    await asyncio.wait_for(target_call.answered.wait(), 20)
    await pbx.stream.wait_for(lambda e: e.get("Event") == "BlindTransfer")
    await asyncio.wait_for(agent_call.ended.wait(), 20)  # the transferer's phone is released
    await pbx.stream.wait_for(lambda e: e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER"
                              and e.get("DestChannel", "").startswith("PJSIP/8102"))
    await asyncio.sleep(0.3)
    assert (await target_call.hangup()).status == 200  # the colleague ends the conversation
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture(f"blind_transfer_{how}")
    return row, caller.linkedid


async def test_r12_r14_blind_transfer_by_ami_keeps_the_first_agent_and_counts_one_transfer(
        pbx: Pbx, service: RunningService) -> None:
    row, linkedid = await _transferred_call(pbx, service, "ami")
    assert (row.answered, row.agent_id, row.transfers, row.hangup_first) == (True, "101", 1, "agent")
    assert_ring_time("blind_transfer_ami", row.ring_seconds, truth(pbx.stream.events, linkedid).ring_seconds)


async def test_r12_r14_blind_transfer_by_refer_keeps_the_first_agent_and_counts_one_transfer(
        pbx: Pbx, service: RunningService) -> None:
    row, linkedid = await _transferred_call(pbx, service, "refer")
    complete = next(e for e in pbx.stream.events if e.get("Event") == "AgentComplete"
                    and e.get("Linkedid") == linkedid)
    assert complete["Reason"] == "transfer"
    assert (row.answered, row.agent_id, row.transfers, row.hangup_first) == (True, "101", 1, "agent")
    assert_ring_time("blind_transfer_refer", row.ring_seconds,
                     truth(pbx.stream.events, linkedid).ring_seconds)
