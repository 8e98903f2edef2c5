"""The hotline's other routes on the real Asterisk: a real SIP caller through the trunk endpoint
with RFC 4733 menu keys, the after-hours message that becomes a callback (R18), and a repeat
caller rung through to the owner of their open ticket first (R14)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.db.models.callbacks import Callback
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from tests.asterisk.conftest import Pbx, RunningService, random_caller
from tests.asterisk.harness import CENTRE_NUMBER, Asterisk
from tests.asterisk.pbx import bridged, truth
from tests.asterisk.test_inbound_calls import assert_ring_time


async def test_r1_sip_caller_through_the_trunk_keys_1_and_reaches_repair(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8103", answer_after=0.5)
    number = random_caller()
    trunk = await pbx.customer()
    start = len(pbx.stream.events)
    placing = asyncio.create_task(trunk.invite(CENTRE_NUMBER, caller=number))
    menu = await pbx.stream.wait_for(
        lambda e: e.get("Event") == "AGIExecStart"
        and e.get("Command", "").startswith("GET DATA callcenter/zh/menu"), after=start)
    assert menu["Channel"].startswith("PJSIP/trunk-") and menu["CallerIDNum"] == number
    call = await asyncio.wait_for(placing, 10)
    assert call.final_status == 200
    await call.send_digits("1")  # RFC 4733 telephone-event, as a mobile network sends it
    agent_call = await phone.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    linkedid = menu["Linkedid"]
    await bridged(pbx.stream, linkedid)
    await asyncio.sleep(0.3)
    assert (await call.hangup()).status == 200
    row = await service.stored_call(linkedid)
    pbx.save_capture("sip_caller_trunk")
    assert (row.caller, row.queue, row.agent_id, row.answered, row.hangup_first) == (
        number, "repair", "103", True, "caller")
    assert_ring_time("sip_caller_trunk", row.ring_seconds, truth(pbx.stream.events, linkedid).ring_seconds)


@pytest.fixture
async def closed_service(asterisk: Asterisk, tmp_path: Path) -> AsyncIterator[RunningService]:
    """The service on a hotline that is closed all day (R18)."""
    running = RunningService(asterisk, f"sqlite:///{tmp_path / 'closed.db'}", hotline=asterisk.closed_hotline)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_r18_after_hours_message_is_recorded_and_becomes_a_callback(
        pbx: Pbx, closed_service: RunningService) -> None:
    number = random_caller()
    trunk = await pbx.customer()  # a real SIP caller: its RTP is what Record() writes
    start = len(pbx.stream.events)
    call = await trunk.invite(CENTRE_NUMBER, caller=number)
    recording = await pbx.stream.wait_for(
        lambda e: e.get("Event") == "Newexten" and e.get("Application") == "Record"
        and e.get("CallerIDNum") == number, after=start)
    linkedid = recording["Linkedid"]
    await asyncio.sleep(1.0)  # a second of message after the beep
    assert (await call.hangup()).status == 200
    row = await closed_service.stored_call(linkedid)
    pbx.save_capture("after_hours_message")
    assert (row.answered, row.queue, row.attempts) == (False, None, 0)
    played = [e["AppData"] for e in pbx.stream.events if e.get("Event") == "Newexten"
              and e.get("Linkedid") == linkedid and e.get("Application") == "Playback"]
    assert played == ["callcenter/zh/after_hours"]
    message = Path(recording["AppData"].split(",")[0].replace("${UNIQUEID}", recording["Uniqueid"]))
    assert message.name == f"callcenter-message-{recording['Uniqueid']}.wav"

    def pending() -> list[Callback]:
        assert closed_service.service is not None
        with unit_of_work(closed_service.service.context.sessions) as session:
            rows = list(session.scalars(select(Callback).where(Callback.caller == number)))
            session.expunge_all()
            return rows

    async with asyncio.timeout(15):
        while not (callbacks := await asyncio.to_thread(pending)):
            await asyncio.sleep(0.1)
    (callback,) = callbacks
    assert (callback.reason, callback.status) == ("message", "pending")
    due = callback.due_at if callback.due_at.tzinfo else callback.due_at.replace(tzinfo=dt.UTC)
    assert due > dt.datetime.now(dt.UTC)  # when the centre opens (R18), not now
    spooled = pbx.asterisk.spool / "monitor" / message.name
    assert spooled.exists() and spooled.stat().st_size > 44  # the caller's second of message


async def test_r14_repeat_caller_rings_the_owner_first_with_the_announcement(
        pbx: Pbx, service: RunningService) -> None:
    number = random_caller()
    assert service.service is not None
    with unit_of_work(service.service.context.sessions) as session:
        session.add(Ticket(caller=number, category="repair", owner="102", status="open",
                           department="service"))
        session.commit()
    owner = await pbx.phone("8102", answer_after=0.7)
    await pbx.phone("8101", answer_after=None)
    caller = await pbx.call_in(number)
    agent_call = await owner.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    await pbx.stream.wait_for(lambda e: e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER"
                              and e.get("Linkedid") == caller.linkedid)  # after A()'s 工号 prompt
    await asyncio.sleep(0.3)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("owner_first")
    dials = [e["AppData"] for e in pbx.stream.events if e.get("Event") == "Newexten"
             and e.get("Linkedid") == caller.linkedid and e.get("Application") == "Dial"]
    assert dials and dials[0].startswith("PJSIP/8102,") and "A(callcenter/zh/agent_102" in dials[0]
    assert (row.answered, row.agent_id, row.attempts, row.within_rule) == (True, "102", 1, True)
    ami = truth(pbx.stream.events, caller.linkedid)
    assert ami.ring_seconds is not None and ami.ring_seconds < 1.0  # the phone's answer, not A()'s end
    assert_ring_time("owner_first", row.ring_seconds, ami.ring_seconds)
