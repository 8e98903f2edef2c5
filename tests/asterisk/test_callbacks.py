"""The service's own callbacks on the real Asterisk 20 (R9, R14, R22): the owner's phone rings
first, then Asterisk dials the customer over the trunk. The call is stored as outbound (never an
inbound call in 呼入量 or 三声内接听率), replay of the same AMI stream agrees with the live record,
and the attempt's outcome is exactly the customer's: answered, or unreachable when the trunk the
dialplan names does not exist (B3, B4, B5, B6)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.callbacks.policies import Plan
from callcenter.calls.model import CallRecord
from callcenter.calls.replay import replay_chunks
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.session import unit_of_work
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period, local_today
from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.harness import TRUNK_HOST
from tests.asterisk.pbx import of_call
from tests.asterisk.sipua import SipUserAgent

CUSTOMER = "13800138001"
RING_AGREEMENT = 0.05


async def _customer_line(pbx: Pbx, answer_after: float | None) -> SipUserAgent:
    """The trunk's far end: the customer's phone, reached through the PJSIP endpoint ``trunk``."""
    ua = await SipUserAgent("trunk", None, pbx.sip, host=TRUNK_HOST, port=pbx.asterisk.ports.trunk).start()
    ua.answer_after = answer_after
    pbx.trunk = ua
    return ua


async def _promise(service: RunningService) -> None:
    assert service.service is not None
    runtime = service.service.context.extras["callbacks"]
    await runtime.decide([Plan("dropped", dt.datetime.now(dt.UTC), CUSTOMER, f"asterisk:{uuid.uuid4()}",
                               owner="101", department="service")])


def _callback(service: RunningService) -> tuple[Callback, list[tuple[str, str]]]:
    assert service.service is not None
    with unit_of_work(service.service.context.sessions) as s:
        cb = s.scalars(select(Callback)).one()
        log = [(e.kind, e.detail) for e in s.scalars(select(CallbackLog).order_by(CallbackLog.id))]
        s.expunge(cb)
        return cb, log


async def _until(condition: Any, timeout: float = 40.0) -> None:
    async with asyncio.timeout(timeout):
        while not await asyncio.to_thread(condition):
            await asyncio.sleep(0.1)


async def _stored_outbound(service: RunningService) -> CallRecord:
    await _until(lambda: bool(service.stored))
    return service.stored[0].record


async def test_b4_b6_an_answered_callback_is_outbound_live_and_in_replay(
        pbx: Pbx, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=0.3)
    customer = await _customer_line(pbx, answer_after=0.8)
    await _promise(service)
    agent_call = await phone.incoming.get()
    customer_call = await customer.incoming.get()
    await customer_call.answered.wait()
    await pbx.stream.wait_for(lambda e: e.get("Event") == "BridgeEnter"
                              and e.get("Channel", "").startswith("PJSIP/trunk-"))
    await asyncio.sleep(0.3)
    await agent_call.hangup()
    live = await _stored_outbound(service)
    await _until(lambda: _callback(service)[0].status != "running"
                 and any(kind == "call" for kind, _ in _callback(service)[1]))
    pbx.save_capture("callback_answered")
    cb, _ = _callback(service)
    assert (cb.status, cb.attempts, cb.outcome) == ("done", 1, "customer answered")
    assert (live.direction, live.agent, live.answered, live.hangup_first) == \
        ("outbound", "PJSIP/8101", True, "agent")
    assert live.caller == CUSTOMER
    assert (live.within_rule, live.greeting, live.abandoned) == (None, None, False)
    # B6: `callcenter replay` of the very stream names the same agent and sides.
    [replayed] = [r for r in replay_chunks([pbx.stream.raw]) if r.linkedid == live.linkedid]
    assert replayed.as_replay_json() == live.as_replay_json()
    # B5: the customer's ring time ends when their phone answered, not after the A() announcement.
    events = of_call(pbx.stream.events, live.linkedid)
    begin = next(e for e in events if e.get("Event") == "DialBegin" and e.get("DestChannel",
                                                                              "").startswith("PJSIP/trunk-"))
    up = next(e for e in events if e.get("Event") == "Newstate" and e["Channel"] == begin["DestChannel"]
              and e["ChannelStateDesc"] == "Up")
    [leg] = live.legs
    assert leg.ring_seconds == pytest.approx(float(up["Timestamp"]) - float(begin["Timestamp"]),
                                             abs=RING_AGREEMENT)
    # B4: not one inbound call in the day's figures.
    assert service.service is not None
    hotline = service.service.context.settings.hotline
    today = local_today(dt.datetime.now(dt.UTC), hotline.centre.timezone)
    with unit_of_work(service.service.context.sessions) as s:
        report = answer_time_report(s, Period(today, today, hotline.centre.timezone), "total",
                                    Thresholds.from_rules(hotline.rules))
    assert (report.total.value("offered"), report.total.value("answered")) == (0, 0)


async def test_b3_a_customer_the_trunk_cannot_reach_is_unreachable_never_answered(
        pbx: Pbx, service: RunningService) -> None:
    """The dialplan's trunk names no PJSIP endpoint: Asterisk logs "Unable to create PJSIP channel -
    endpoint '…' was not found" and Dial() returns at once. The attempt is "customer unreachable"
    in so many words, never "customer answered", and retried per policy (retry_interval_minutes)."""
    response = await pbx.driver.action("Setvar", Variable="CALLCENTER_TRUNK", Value="nosuchtrunk")
    assert response.get("Response") == "Success", response
    try:
        await pbx.phone("8101", answer_after=0.3)
        await _promise(service)
        await _until(lambda: any(kind == "no_answer" for kind, _ in _callback(service)[1]))
    finally:
        await pbx.driver.action("Setvar", Variable="CALLCENTER_TRUNK", Value="trunk")
    pbx.save_capture("callback_unreachable")
    cb, log = _callback(service)
    assert (cb.status, cb.attempts) == ("pending", 1)
    assert cb.due_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)  # the hotline retries after 10 min
    assert ("no_answer", "customer unreachable (no call could be placed to the customer)") in log
    assert not any("customer answered" in detail for _, detail in log)
    # Nobody was dialled: no DialBegin from a calling channel at all.
    assert not any(e.get("Event") == "DialBegin" and e.get("Channel") for e in pbx.stream.events)
    record = await _stored_outbound(service)
    assert (record.direction, record.caller, record.answered, record.abandoned, record.attempts) == (
        "outbound", CUSTOMER, False, False, 0)
