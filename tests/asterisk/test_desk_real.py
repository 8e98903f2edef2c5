"""The agent's desk against the real Asterisk: pause, resume, log-out and log-in go over the AMI
action user and come back from Asterisk as the agent's state (what the desk shows); click to call
rings the agent's softphone first and then the customer over the trunk (R14), stored outbound."""

from __future__ import annotations

import asyncio
from typing import Any

from callcenter.agents.desk import originate_agent_first
from tests.asterisk.conftest import Pbx, RunningService, random_caller
from tests.asterisk.pbx import Event


def _desk(service: RunningService) -> Any:
    assert service.service is not None
    return service.service.context.extras["agents"]


async def _state(service: RunningService, agent_id: str, wanted: str, timeout: float = 10.0) -> None:
    agents = _desk(service)
    async with asyncio.timeout(timeout):
        while agents.states.status(agent_id).state != wanted:
            await asyncio.sleep(0.05)


def _pause_event(agent_ext: str, paused: str) -> Any:
    return lambda e: (e.get("Event") == "QueueMemberPause" and e.get("Interface") == f"PJSIP/{agent_ext}"
                      and e.get("Paused") == paused)


async def test_pause_resume_log_out_and_in_from_the_desk_reach_asterisk_and_come_back(
        pbx: Pbx, service: RunningService) -> None:
    await pbx.phone("8101")
    agents = _desk(service)
    await _state(service, "101", "available")
    start = len(pbx.stream.events)
    await agents.states.pause("101", "lunch")
    paused: Event = await pbx.stream.wait_for(_pause_event("8101", "1"), after=start)
    assert paused["PausedReason"] == "午餐"
    await _state(service, "101", "paused")
    assert "(paused:午餐" in (await pbx.asterisk.arx("queue show service")).stdout
    start = len(pbx.stream.events)
    await agents.states.resume("101")
    await pbx.stream.wait_for(_pause_event("8101", "0"), after=start)
    await _state(service, "101", "available")
    # Log-out: the rendered members are static, so Asterisk refuses QueueRemove and the desk
    # parks the member paused as 下班 in every queue of the agent.
    await agents.states.log_out("101")
    await _state(service, "101", "logged_out")
    shown = (await pbx.asterisk.arx("queue show")).stdout
    member_lines = [line for line in shown.splitlines() if "(PJSIP/8101)" in line]
    assert member_lines and all("paused:下班" in line for line in member_lines)
    await agents.states.log_in("101")
    await _state(service, "101", "available")
    shown = (await pbx.asterisk.arx("queue show")).stdout
    assert not any("paused" in line for line in shown.splitlines() if "(PJSIP/8101)" in line)


async def test_r14_click_to_call_rings_the_agent_first_then_the_customer_stored_outbound(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=0.3)
    customer_phone = await pbx.customer(answer_after=0.8)
    number = random_caller()
    agents = _desk(service)
    assert service.service is not None
    agent = service.service.context.settings.hotline.agent("101")
    assert agent is not None
    await originate_agent_first(agents.actions, agent, number, label="回访", variables={})
    agent_leg = await phone.next_call()
    await asyncio.wait_for(agent_leg.answered.wait(), 20)
    customer_leg = await customer_phone.next_call()
    assert customer_leg.invite is not None
    assert customer_leg.invite.first_line.startswith(f"INVITE sip:{number}@")
    await asyncio.wait_for(customer_leg.answered.wait(), 20)
    await asyncio.sleep(0.5)
    assert (await customer_leg.hangup()).status == 200
    async with asyncio.timeout(20):
        while not service.stored:
            await asyncio.sleep(0.05)
    (stored,) = service.stored
    row = await service.stored_call(stored.record.linkedid)
    pbx.save_capture("click_to_call")
    assert (row.direction, row.answered, row.agent_id, row.caller) == ("outbound", True, "101", number)
    assert row.hangup_first == "caller"  # the customer ended it (R10: the customer's side)
