"""Inbound calls on the real Asterisk 20 with the rendered hotline configuration and the running
service: the stored call must say what the AMI stream says (R1 ring time within 50 ms, R2
greeting, R10 who hung up first, R13 roll-over, abandon)."""

from __future__ import annotations

import asyncio
import json
import os
import wave

import pytest

from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.harness import Asterisk
from tests.asterisk.pbx import agent_complete, bridged, truth
from tests.asterisk.sipua import SipUserAgent
from tests.support.postgres import PostgresCluster

RING_AGREEMENT = 0.05  # seconds: the stored ring time against the AMI Timestamps


async def _greeting_heard(pbx: Pbx, linkedid: str) -> str:
    """The prompt the answered AGI streamed to the caller (its AGIExecEnd on the caller's channel)."""
    event = await pbx.stream.wait_for(lambda e: e.get("Event") == "AGIExecStart"
                                      and e.get("Linkedid") == linkedid and "agent_" in e.get("Command", "")
                                      and e["Command"].startswith("STREAM"))
    return event["Command"].split()[2]


async def test_r1_fast_answer_is_stored_with_the_ami_ring_time_and_standard_greeting(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=0.6)
    caller = await pbx.call_in()
    agent_call = await phone.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    assert await _greeting_heard(pbx, caller.linkedid) == "callcenter/zh/agent_101"
    await bridged(pbx.stream, caller.linkedid)
    await asyncio.sleep(0.3)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("fast_answer")
    ami = truth(pbx.stream.events, caller.linkedid)
    assert_ring_time("fast_answer", row.ring_seconds, ami.ring_seconds)
    assert (row.answered, row.abandoned, row.agent_id, row.attempts) == (True, False, "101", 1)
    assert (row.greeting, row.within_rule, row.hangup_first) == ("standard", True, "caller")



@pytest.mark.postgres
async def test_r1_fast_answer_is_stored_on_postgresql_as_the_ami_says(
        pbx: Pbx, asterisk: Asterisk, postgres: PostgresCluster) -> None:
    running = RunningService(asterisk, postgres.create_database())
    await running.start()
    try:
        phone = await pbx.phone("8101", answer_after=0.5)
        caller = await pbx.call_in()
        agent_call = await phone.next_call()
        await asyncio.wait_for(agent_call.answered.wait(), 20)
        await bridged(pbx.stream, caller.linkedid)
        await pbx.hang_up(caller.channel)
        row = await running.stored_call(caller.linkedid)
    finally:
        await running.stop()
    assert (row.answered, row.agent_id, row.greeting, row.hangup_first) == (True, "101", "standard", "caller")
    ami = truth(pbx.stream.events, caller.linkedid)
    assert_ring_time("fast_answer_postgresql", row.ring_seconds, ami.ring_seconds)


def _prompt_samples(pbx: Pbx, prompt: str) -> int:
    with wave.open(str(pbx.asterisk.sounds / "zh" / f"{prompt}.wav"), "rb") as handle:
        return handle.getnframes()


def _record_agreement(name: str, stored: float, ami: float) -> None:
    """Kept for the tier's report when CALLCENTER_ASTERISK_FIGURES names a file (JSON lines)."""
    target = os.environ.get("CALLCENTER_ASTERISK_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"scenario": name, "stored": stored, "ami": ami,
                                     "difference_ms": round((stored - ami) * 1000, 3)}) + "\n")


def assert_ring_time(name: str, stored: float | None, ami: float | None) -> None:
    assert stored is not None and ami is not None, (stored, ami)
    _record_agreement(name, stored, ami)
    assert stored == pytest.approx(ami, abs=RING_AGREEMENT), name


async def test_r2_r13_late_answer_after_roll_over_is_stored_late_and_the_apology_streams_whole(
        pbx: Pbx, service: RunningService) -> None:
    first, second = await pbx.phone("8101", answer_after=None), await pbx.phone("8102", answer_after=None)
    caller = await pbx.call_in()
    rung = await _first_ringing(first, second)
    other = second if rung is first else first
    other.answer_after = 0.8  # the queue rolls over after 2 s + 1 s retry: 3.8 s > three 1 s rings
    answered = await other.next_call()
    await asyncio.wait_for(answered.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("late_answer_rollover")
    ami = truth(pbx.stream.events, caller.linkedid)
    assert_ring_time("late_answer_rollover", row.ring_seconds, ami.ring_seconds)
    agent = "101" if other is first else "102"
    assert (row.answered, row.attempts, row.agent_id) == (True, 2, agent)
    assert (row.greeting, row.within_rule) == ("apology", False)
    # The apology was streamed to the caller to its last sample before the bridge (R2).
    prompt = f"agent_{agent}_apology"
    played = [answer for command, answer in pbx.asterisk.agi_results(_caller_leg(pbx, caller.linkedid))
              if command.startswith(f"STREAM FILE callcenter/zh/{prompt}")]
    assert played == [f"200 result=0 endpos={_prompt_samples(pbx, prompt)}"]


async def _first_ringing(*phones: SipUserAgent) -> SipUserAgent:
    waits = {asyncio.ensure_future(phone.next_call()): phone for phone in phones}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    (task,) = done
    return waits[task]


def _caller_leg(pbx: Pbx, linkedid: str) -> str:
    """The ;2 half: the caller's channel in the hotline's dialplan (it runs Queue() and the AGIs)."""
    return next(e["Channel"] for e in pbx.stream.events
                if e.get("Event") == "Newchannel" and e.get("Linkedid") == linkedid
                and e["Channel"].endswith(";2"))


async def test_r1_caller_abandoning_while_ringing_is_stored_abandoned_with_the_ami_ring_time(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=None)
    caller = await pbx.call_in()
    ringing = await phone.next_call()
    await asyncio.sleep(0.7)
    await pbx.hang_up(caller.channel)
    await asyncio.wait_for(ringing.ended.wait(), 20)  # Asterisk cancelled the phone's INVITE
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("abandoned")
    ami = truth(pbx.stream.events, caller.linkedid)
    assert ami.abandoned_at is not None
    assert_ring_time("abandoned", row.ring_seconds, ami.ring_seconds)
    assert (row.answered, row.abandoned, row.agent_id, row.hangup_first) == (False, True, None, "caller")
    assert ringing.ended_by == "remote" and not ringing.answered.is_set()


async def test_r10_agent_hanging_up_first_is_stored_as_the_agent_side(pbx: Pbx,
                                                                      service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=0.4)
    caller = await pbx.call_in()
    agent_call = await phone.next_call()
    await bridged(pbx.stream, caller.linkedid)
    await asyncio.sleep(0.3)
    response = await agent_call.hangup()
    assert response.status == 200
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("agent_hangs_up_first")
    complete = await agent_complete(pbx.stream, caller.linkedid)  # under load: without the caller's fields
    assert complete["Reason"] == "agent"
    ami = truth(pbx.stream.events, caller.linkedid)
    assert_ring_time("agent_hangs_up_first", row.ring_seconds, ami.ring_seconds)
    assert (row.answered, row.agent_id, row.hangup_first, row.dropped) == (True, "101", "agent", True)


async def _at_menu(pbx: Pbx, linkedid: str, after: int = 0) -> int:
    """Wait until the menu's GET DATA runs on the caller's channel; returns the stream position."""
    await pbx.stream.wait_for(lambda e: e.get("Event") == "AGIExecStart" and e.get("Linkedid") == linkedid
                              and e.get("Command", "").startswith("GET DATA callcenter/zh/menu"), after=after)
    return len(pbx.stream.events)


def _commands(pbx: Pbx, linkedid: str) -> list[str]:
    return [e["Command"].split(" ")[2] if e["Command"].startswith(("STREAM", "GET DATA")) else e["Command"]
            for e in pbx.stream.events if e.get("Event") == "AGIExecStart" and e.get("Linkedid") == linkedid
            and e["Command"].startswith(("STREAM FILE", "GET DATA"))]


@pytest.mark.parametrize("keys,queue,phone_ext", [
    (["1"], "repair", "8103"),  # 报修
    (["9", "0"], "service", "8101"),  # an invalid key, the apology for it, then 人工服务
    ([], "service", "8101"),  # no key: the default department
])
async def test_ivr_keys_route_the_caller_to_the_department_queue(
        keys: list[str], queue: str, phone_ext: str, pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone(phone_ext, answer_after=0.3)
    caller = await pbx.call_in()
    position = 0
    for key in keys:
        position = await _at_menu(pbx, caller.linkedid, position)
        await pbx.press(caller.channel, key)
    agent_call = await phone.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture(f"ivr_{''.join(keys) or 'no_key'}")
    assert (row.queue, row.answered) == (queue, True)
    heard = _commands(pbx, caller.linkedid)
    expected_menu = ["callcenter/zh/greeting", "callcenter/zh/menu"]
    if keys == ["9", "0"]:
        expected_menu += ["callcenter/zh/invalid_key", "callcenter/zh/menu"]
    assert heard[:len(expected_menu)] == expected_menu
    ami = truth(pbx.stream.events, caller.linkedid)
    assert_ring_time(f"ivr_{''.join(keys) or 'no_key'}", row.ring_seconds, ami.ring_seconds)

