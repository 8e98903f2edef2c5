"""Agent-first callbacks on the real Asterisk (R9, R14, R22): the service's Originate rings the
owner's softphone, the ``callcenter-callback`` context dials the customer over the trunk (the
tests' customer phone on 127.0.0.2), and the callback and the stored call must say what happened."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.callbacks.policies import Plan
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.session import unit_of_work
from tests.asterisk.conftest import Pbx, RunningService, random_caller
from tests.asterisk.pbx import Event, of_call


def _callback(service: RunningService) -> tuple[Callback, list[CallbackLog]]:
    assert service.service is not None
    with unit_of_work(service.service.context.sessions) as session:
        cb = session.scalars(select(Callback)).one()
        log = list(session.scalars(select(CallbackLog).where(CallbackLog.callback_id == cb.id)
                                   .order_by(CallbackLog.id)))
        session.expunge_all()
        return cb, log


async def _until(condition: Any, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not await asyncio.to_thread(condition):
            await asyncio.sleep(0.1)


async def _place(service: RunningService, customer: str) -> None:
    assert service.service is not None
    runtime = service.service.context.extras["callbacks"]
    await runtime.decide([Plan("dropped", dt.datetime.now(dt.UTC), customer, f"asterisk:{customer}",
                               owner="101", department="service")])


def _first_attempt_settled(service: RunningService) -> bool:
    _cb, log = _callback(service)
    return any(entry.kind in ("answered", "no_answer", "failed") for entry in log)


def _customer_leg(events: list[Event], customer: str) -> list[Event]:
    leg = next(e["Channel"] for e in events if e.get("Event") == "Newchannel"
               and e["Channel"].startswith("PJSIP/trunk-"))
    return [e for e in events if e.get("Channel") == leg or e.get("DestChannel") == leg]


async def test_r9_r14_agent_first_callback_reaching_the_customer_is_done(
        pbx: Pbx, service: RunningService) -> None:
    owner = await pbx.phone("8101", answer_after=0.3)
    customer_phone = await pbx.customer(answer_after=1.0)
    customer = random_caller()
    await _place(service, customer)
    agent_leg = await owner.next_call()
    await asyncio.wait_for(agent_leg.answered.wait(), 20)
    customer_leg = await customer_phone.next_call()
    assert customer_leg.invite is not None
    assert customer_leg.invite.first_line.startswith(f"INVITE sip:{customer}@")
    await asyncio.wait_for(customer_leg.answered.wait(), 20)
    await _until(lambda: _callback(service)[0].status == "done")
    await asyncio.sleep(0.3)
    await customer_leg.hangup()
    cb, log = _callback(service)
    kinds = [entry.kind for entry in log]
    assert (cb.status, cb.attempts) == ("done", 1)
    assert "no_answer" not in kinds and kinds.count("answered") == 1
    pbx.save_capture("callback_answered")


async def test_b4_b5_callback_is_stored_as_outbound_with_the_customers_own_ring_time(
        pbx: Pbx, service: RunningService) -> None:
    owner = await pbx.phone("8101", answer_after=0.3)
    customer_phone = await pbx.customer(answer_after=1.0)
    customer = random_caller()
    await _place(service, customer)
    await owner.next_call()
    customer_leg = await customer_phone.next_call()
    await asyncio.wait_for(customer_leg.answered.wait(), 20)
    await asyncio.sleep(0.3)
    await customer_leg.hangup()
    await _until(lambda: bool(service.stored))
    record = service.stored[0].record
    leg = _customer_leg(of_call(pbx.stream.events, record.linkedid), customer)
    dialled = float(next(e for e in leg if e.get("Event") == "DialBegin")["Timestamp"])
    up = next(e for e in leg if e.get("Event") == "Newstate" and e.get("ChannelStateDesc") == "Up")
    answered = float(up["Timestamp"])
    row = await service.stored_call(record.linkedid)
    assert row.direction == "outbound" and len(service.stored) == 1
    assert row.ring_seconds == pytest.approx(answered - dialled, abs=0.05)


async def test_r22_customer_busy_leaves_the_callback_for_its_retry(pbx: Pbx, service: RunningService) -> None:
    await pbx.phone("8101", answer_after=0.3)
    customer_phone = await pbx.customer()
    customer_phone.reject_with = 486
    await _place(service, random_caller())
    await customer_phone.next_call()
    await _until(lambda: _first_attempt_settled(service))
    await _until(lambda: _callback(service)[0].status != "running")
    cb, log = _callback(service)
    kinds = [entry.kind for entry in log]
    assert cb.status == "pending" and cb.attempts == 1
    assert "no_answer" in kinds and "answered" not in kinds
    pbx.save_capture("callback_customer_busy")


async def test_b3_r22_unreachable_trunk_is_not_closed_as_answered(pbx: Pbx, service: RunningService) -> None:
    await pbx.phone("8101", answer_after=0.3)
    await pbx.asterisk.arx("dialplan set global CALLCENTER_TRUNK no-such-trunk")
    try:
        await _place(service, random_caller())
        await _until(lambda: _first_attempt_settled(service))
        await _until(lambda: _callback(service)[0].status != "running")
    finally:
        await pbx.asterisk.arx("dialplan set global CALLCENTER_TRUNK trunk")
    cb, log = _callback(service)
    kinds = [entry.kind for entry in log]
    assert cb.status == "pending" and "answered" not in kinds
