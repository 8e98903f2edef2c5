"""Callbacks at work on SQLite and PostgreSQL with a frozen clock (no sleeping): created from
calls, tickets and messages; placed agent first at their time; retried, escalated and cancelled
as R6-R9, R12, R14, R18 and R22 ask. The AMI side is a recording stand-in with contract C1's
``originate`` signature (the pbxsim test checks the real protocol)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.callbacks.policies import Plan
from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.calls.model import AgentRingEnded, CallRecord, OriginateResult
from callcenter.clock import FrozenClock
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.hotline import load_hotline
from callcenter.messages import MessageLeft, SupervisorAlert, TicketChanged

SH = ZoneInfo("Asia/Shanghai")
CUSTOMER = "13800138000"


def local(d: int, h: int, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, d, h, mi, s, tzinfo=SH).astimezone(dt.UTC)


class RecordingActions:
    """Records Originates like contract C1's client would send them; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.error: Exception | None = None

    async def originate(self, channel: str, *, context: str | None = None, exten: str | None = None,
                        priority: int = 1, application: str | None = None, data: str | None = None,
                        variables: dict[str, str] | None = None, caller_id: str | None = None,
                        timeout_ms: int = 30000, action_id: str | None = None) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append({"channel": channel, "context": context, "exten": exten, "priority": priority,
                              "variables": variables, "caller_id": caller_id, "timeout_ms": timeout_ms,
                              "action_id": action_id})
        return action_id or "generated"


def record(**over: Any) -> CallRecord:
    ended = over.pop("ended", local(25, 10, 0))
    base: dict[str, Any] = {
        "linkedid": "1795634553.8", "server": "pbx", "caller": CUSTOMER, "caller_name": None,
        "direction": "inbound",
        "queue": "service", "agent": None, "member_name": None, "started_at": ended.timestamp() - 60,
        "queue_entered_at": ended.timestamp() - 55, "answered_at": None, "ended_at": ended.timestamp(),
        "answered": False,
        "abandoned": True, "ring_seconds": 30.0, "rings": 7, "within_rule": False, "greeting": None,
        "wait_seconds": None,
        "talk_seconds": None, "hold_seconds": 0.0, "hangup_first": "caller"}
    base.update(over)
    return CallRecord(**base)


@dataclass
class Harness:
    runtime: CallbackRuntime
    clock: FrozenClock
    actions: RecordingActions
    alerts: list[SupervisorAlert] = field(default_factory=list)

    @property
    def sessions(self) -> Any:
        return self.runtime.sessions

    def store_call(self, rec: CallRecord) -> int:
        with unit_of_work(self.sessions) as s:
            call = Call(linkedid=rec.linkedid, caller=rec.caller, queue=rec.queue, direction=rec.direction,
                        started_at=dt.datetime.fromtimestamp(rec.started_at, dt.UTC),
                        ended_at=dt.datetime.fromtimestamp(rec.ended_at, dt.UTC), answered=rec.answered,
                        abandoned=rec.abandoned, hangup_first=rec.hangup_first, dropped=rec.dropped)
            s.add(call)
            s.flush()
            return call.id

    async def call_stored(self, rec: CallRecord) -> int:
        call_id = self.store_call(rec)
        await self.runtime.on_call_stored(call_id, rec)
        return call_id

    def add_ticket(self, **over: Any) -> int:
        base: dict[str, Any] = {"caller": CUSTOMER, "category": "inquiry", "status": "open", "owner": "101",
                                    "department": "service", "summary": "", "secondary_categories": [],
                                    "missing_fields": [],
                                    "created_at": self.clock.now(), "updated_at": self.clock.now()}
        base.update(over)
        with unit_of_work(self.sessions) as s:
            ticket = Ticket(**base)
            s.add(ticket)
            s.flush()
            return ticket.id

    async def ticket_changed(self, ticket_id: int, change: str, category: str = "inquiry") -> None:
        with unit_of_work(self.sessions) as s:
            ticket = s.get(Ticket, ticket_id)
            assert ticket is not None
            if change in ("done", "closed"):
                ticket.status = change
        await self.runtime.on_ticket_changed(TicketChanged(ticket_id, change, category, False, CUSTOMER,  # type: ignore[arg-type]
                                                           "101", self.clock.time()))

    def callbacks(self) -> list[Callback]:
        with unit_of_work(self.sessions) as s:
            return list(s.scalars(select(Callback).order_by(Callback.id)))

    def log(self, callback_id: int) -> list[str]:
        with unit_of_work(self.sessions) as s:
            return list(s.scalars(select(CallbackLog.kind).where(CallbackLog.callback_id == callback_id)
                                  .order_by(CallbackLog.id)))

    async def answer(self, index: int = -1, reason: str = "4", customer: str | None = "answered") -> None:
        """Asterisk's OriginateResponse for the agent leg; on Reason 4, the customer leg's DialEnd
        as the tracker reports it (``customer`` None: not reported)."""
        sent = self.actions.sent[index]
        await self.runtime.on_originate_result(OriginateResult(sent["action_id"], reason == "4", reason,
                                                               sent["channel"], "1795635000.1",
                                                               self.clock.time()))
        if reason == "4" and customer is not None:
            await self.runtime.on_customer_leg(AgentRingEnded("1795635000.1", "PJSIP/trunk", customer,  # type: ignore[arg-type]
                                                              3.0, self.clock.time(), customer=True))


@pytest.fixture
def harness(database_url: str, hotline_path: Path) -> Iterator[Harness]:
    engine = make_engine(database_url)
    actions = RecordingActions()
    clock = FrozenClock(local(25, 10, 0))
    alerts: list[SupervisorAlert] = []
    runtime = CallbackRuntime(load_hotline(hotline_path), make_session_factory(engine), clock,
                              lambda m: alerts.append(m), lambda: actions)
    yield Harness(runtime, clock, actions, alerts)
    engine.dispose()


async def test_abandoned_call_is_called_back_at_its_time_agent_first(harness: Harness) -> None:
    await harness.call_stored(record(ended=local(25, 10, 0)))
    [cb] = harness.callbacks()
    assert (cb.reason, cb.due_at, cb.status, cb.department) == ("abandoned", local(25, 10, 10), "pending",
                                                                "service")
    harness.clock.set(local(25, 10, 9, 59))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []
    harness.clock.set(local(25, 10, 10))
    assert await harness.runtime.run_due() == 1
    [sent] = harness.actions.sent
    # Nobody owns an abandoned call: the department's queue rings, then the customer is dialled.
    assert sent["channel"] == "Local/service@callcenter-queues"
    assert (sent["context"], sent["exten"], sent["priority"]) == ("callcenter-callback", CUSTOMER, 1)
    assert sent["action_id"] == f"callback-{cb.id}-1"
    assert sent["variables"]["CC_CALLBACK_ID"] == str(cb.id)
    await harness.answer()
    [cb] = harness.callbacks()
    assert (cb.status, cb.attempts, cb.outcome) == ("done", 1, "customer answered")
    assert harness.log(cb.id) == ["created", "attempt", "agent_answered", "answered"]


async def test_r9_r14_dropped_call_rings_the_owner_extension_at_once(harness: Harness) -> None:
    rec = record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101", answered_at=1.0,
                 hangup_first="agent")
    await harness.call_stored(rec)
    assert await harness.runtime.run_due() == 1
    [sent] = harness.actions.sent
    assert sent["channel"] == "PJSIP/8101" and sent["exten"] == CUSTOMER


async def test_r9_a_call_dropped_at_night_is_originated_only_when_calling_hours_open(
        harness: Harness) -> None:
    harness.clock.set(local(25, 22, 51))
    await harness.call_stored(record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101",
                                     answered_at=1.0, hangup_first="agent", ended=local(25, 22, 50)))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []
    [cb] = harness.callbacks()
    assert (cb.status, cb.due_at) == ("pending", local(26, 8, 0))
    harness.clock.set(local(26, 8, 0))
    assert await harness.runtime.run_due() == 1 and harness.actions.sent[0]["channel"] == "PJSIP/8101"


async def test_no_callback_is_originated_outside_calling_hours_however_it_became_due(
        harness: Harness) -> None:
    """A callback due at night (moved there by hand, or planned before the hours changed) waits
    for the next opening; its promise stays as it was."""
    await harness.runtime.decide([Plan("inquiry_30min", local(25, 21, 30), CUSTOMER, "test:night",
                                       owner="101",
                                       department="service")])
    harness.clock.set(local(25, 21, 40))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []
    [cb] = harness.callbacks()
    assert (cb.status, cb.attempts, cb.due_at, cb.promised_at) == ("pending", 0, local(26, 8, 0),
                                                                   local(25, 21, 30))
    assert harness.log(cb.id) == ["created", "deferred"]
    harness.clock.set(local(26, 7, 59))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []
    harness.clock.set(local(26, 8, 0))
    assert await harness.runtime.run_due() == 1


async def test_r14_owner_away_sends_the_callback_to_the_department_queue(harness: Harness) -> None:
    harness.runtime.on_agent_state("101", "paused")
    await harness.call_stored(record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101",
                                     answered_at=1.0))
    await harness.runtime.run_due()
    assert harness.actions.sent[0]["channel"] == "Local/service@callcenter-queues"


async def test_no_answer_retries_at_the_interval_and_stops_after_the_limit(harness: Harness) -> None:
    await harness.call_stored(record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101",
                                     answered_at=1.0))
    for attempt in (1, 2, 3):
        assert await harness.runtime.run_due() == 1, attempt
        await harness.answer(reason="3")
        [cb] = harness.callbacks()
        assert cb.attempts == attempt
        if attempt < 3:
            assert (cb.status, cb.due_at) == ("pending", harness.clock.now() + dt.timedelta(minutes=10))
            harness.clock.advance(9 * 60)
            assert await harness.runtime.run_due() == 0  # not before the retry interval
            harness.clock.advance(60)
    [cb] = harness.callbacks()
    assert cb.status == "failed" and cb.outcome == (
        "not reached after 3 attempts (agent not reached (no answer, Reason 3); the customer was not called)")
    assert [a.kind for a in harness.alerts] == ["callback_overdue"]
    # the supervisor reads who has it by name and 工号, in either language
    chinese, english = harness.alerts[0].text.split(" / ", 1)
    assert chinese.endswith("（负责人 李秀英 101）") and english.endswith("(owner 李秀英 101)")
    harness.clock.advance(3600)
    await harness.runtime.run_due()
    assert len(harness.actions.sent) == 3
    assert harness.log(cb.id).count("no_answer") == 3


async def test_an_ami_error_counts_as_an_unanswered_attempt(harness: Harness) -> None:
    await harness.call_stored(record())
    harness.clock.set(local(25, 10, 10))
    harness.actions.error = ConnectionError("Originate failed: no such channel")
    await harness.runtime.run_due()
    [cb] = harness.callbacks()
    assert (cb.status, cb.attempts, cb.due_at) == ("pending", 1, local(25, 10, 20))


async def test_r22_overdue_callbacks_escalate_to_the_department_with_an_alert(harness: Harness) -> None:
    await harness.call_stored(record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101",
                                     answered_at=1.0))
    await harness.runtime.run_due()
    await harness.answer(reason="3")  # not reached, retry in 10 min
    harness.clock.advance(29 * 60)
    await harness.runtime.run_due()
    assert all(cb.owner == "101" for cb in harness.callbacks()) and harness.alerts == []
    harness.actions.error = ConnectionError("down")
    harness.clock.advance(60)  # 30 min past due, still not reached
    await harness.runtime.run_due()
    [cb] = harness.callbacks()
    assert cb.owner is None and cb.department == "service" and cb.escalated_at == harness.clock.now()
    assert [a.kind for a in harness.alerts] == ["callback_escalated"]
    assert CUSTOMER not in harness.alerts[0].text and "138****8000" in harness.alerts[0].text  # R17
    # The promise in the hotline's local time, as the wallboard shows it (never "…Z").
    promised = cb.promised_at.astimezone(ZoneInfo("Asia/Shanghai"))
    text = harness.alerts[0].text
    assert f"promised {promised:%Y-%m-%d %H:%M} (" in text and "Z (" not in text
    # Chinese first, whole: the part before " / " has no English word in it; the department by the
    # name people know (客服中心), not its id in the hotline file.
    chinese, english = text.split(" / ", 1)
    assert f"承诺 {promised:%Y-%m-%d %H:%M}（部门 客服中心）" in chinese
    assert re.search(r"[A-Za-z]{2,}", chinese) is None and "promised" in english
    assert english.endswith("(department 客服中心)") and "service" not in english.replace("callback", "")
    await harness.runtime.run_due()
    assert len(harness.alerts) == 1  # once


async def test_r7_overdue_complaint_reply_alerts_complaint_overdue(harness: Harness) -> None:
    ticket = harness.add_ticket(category="complaint")
    await harness.ticket_changed(ticket, "created", "complaint")
    [cb] = harness.callbacks()
    assert cb.reason == "complaint_48h" and cb.due_at == local(27, 10, 0)
    harness.actions.error = ConnectionError("down")
    harness.clock.set(local(27, 10, 31))
    await harness.runtime.run_due()
    assert [a.kind for a in harness.alerts] == ["complaint_overdue"] and harness.alerts[0].ticket_id == ticket


async def test_r7_a_complaint_reply_is_followed_up_until_the_ticket_is_closed(harness: Harness) -> None:
    ticket = harness.add_ticket(category="complaint", status="in_progress")
    await harness.ticket_changed(ticket, "created", "complaint")
    harness.clock.set(local(27, 9, 59))
    await harness.runtime.run_due()
    assert harness.actions.sent == []
    harness.clock.set(local(27, 10, 0))
    await harness.runtime.run_due()
    await harness.answer()
    first, followup = harness.callbacks()
    assert first.status == "done"
    assert (followup.reason, followup.due_at,
            followup.status) == ("complaint_followup", local(28, 10, 0), "pending")
    await harness.ticket_changed(ticket, "closed", "complaint")
    assert harness.callbacks()[1].status == "cancelled"


async def test_r6_inquiry_callback_is_due_thirty_minutes_after_the_call(harness: Harness) -> None:
    call_id = harness.store_call(record(answered=True, abandoned=False, ended=local(25, 9, 50)))
    ticket = harness.add_ticket(call_id=call_id)
    await harness.ticket_changed(ticket, "created")
    await harness.ticket_changed(ticket, "updated")  # idempotent: still one callback
    [cb] = harness.callbacks()
    assert (cb.reason, cb.due_at, cb.owner, cb.ticket_id) == ("inquiry_30min", local(25, 10, 20), "101",
                                                              ticket)


async def test_r8_r21_repair_done_follow_up_asks_for_satisfaction(harness: Harness) -> None:
    visit = local(25, 15, 0)
    ticket = harness.add_ticket(category="repair", visit_at=visit, department="repair", owner="201")
    await harness.ticket_changed(ticket, "created", "repair")
    [reminder] = harness.callbacks()
    assert (reminder.reason, reminder.due_at) == ("repair_reminder", local(25, 14, 0))
    harness.clock.set(local(25, 14, 0))
    await harness.runtime.run_due()
    assert harness.actions.sent[0]["channel"] == "PJSIP/8201"  # the owner is reminded first (R8)
    await harness.answer()
    harness.clock.set(local(25, 16, 0))
    await harness.ticket_changed(ticket, "done", "repair")
    followup = harness.callbacks()[-1]
    assert (followup.reason, followup.due_at) == ("repair_followup", local(25, 17, 0))
    harness.clock.set(local(25, 17, 0))
    await harness.runtime.run_due()
    assert harness.actions.sent[-1]["variables"]["CC_SURVEY"] == "1"


async def test_r18_after_hours_message_is_called_back_at_opening(harness: Harness) -> None:
    harness.clock.set(local(25, 22, 30))
    await harness.runtime.on_message_left(MessageLeft("1795640000.1", CUSTOMER, "after_hours", "repair", None,
                                                      None, harness.clock.time()))
    [cb] = harness.callbacks()
    assert (cb.reason, cb.due_at, cb.department) == ("message", local(26, 8, 0), "repair")
    harness.clock.set(local(26, 7, 59))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []
    harness.clock.set(local(26, 8, 0))
    assert await harness.runtime.run_due() == 1
    assert harness.actions.sent[0]["channel"] == "Local/repair@callcenter-queues"


async def test_r12_messages_from_two_pbxs_with_one_linkedid_are_both_called_back(harness: Harness) -> None:
    harness.clock.set(local(25, 22, 30))
    for server, caller in (("pbx-a", CUSTOMER), ("pbx-b", "13900139000")):
        message = MessageLeft("1795640000.1", caller, "after_hours", "repair", None, None,
                              harness.clock.time(), server=server)
        await harness.runtime.on_message_left(message)
        await harness.runtime.on_message_left(message)  # delivered twice: still one callback each
    assert sorted(cb.caller for cb in harness.callbacks()) == sorted([CUSTOMER, "13900139000"])


async def test_abandoned_callback_cancelled_when_the_caller_reaches_an_agent_first(harness: Harness) -> None:
    await harness.call_stored(record())
    harness.runtime.remember_caller("1795634600.1", CUSTOMER)  # CallStarted/CallQueued of the new call
    await harness.runtime.on_greeting("1795634600.1")  # GreetingDecision: an agent answered
    [cb] = harness.callbacks()
    assert cb.status == "cancelled" and cb.outcome == "the caller got through to an agent"
    harness.clock.set(local(25, 10, 10))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []


async def test_abandoned_callback_cancelled_by_a_stored_answered_call_of_the_same_number(
        harness: Harness) -> None:
    await harness.call_stored(record())
    await harness.call_stored(record(linkedid="1795634700.1", answered=True, abandoned=False,
                                     agent="PJSIP/8102",
                                     ended=local(25, 10, 5)))
    assert [cb.status for cb in harness.callbacks()] == ["cancelled"]


async def test_abandoned_callback_checks_the_calls_table_before_dialling(harness: Harness) -> None:
    await harness.call_stored(record())
    # An answered call stored while this service did not hear about it (another node, a restart).
    harness.store_call(record(linkedid="1795634700.1", answered=True, abandoned=False,
                              ended=local(25, 10, 5)))
    harness.clock.set(local(25, 10, 10))
    assert await harness.runtime.run_due() == 0 and harness.actions.sent == []
    assert harness.callbacks()[0].status == "cancelled"


async def test_a_number_that_abandons_twice_gets_one_callback(harness: Harness) -> None:
    await harness.call_stored(record())
    await harness.call_stored(record(linkedid="1795634700.1", ended=local(25, 10, 3)))
    assert len(harness.callbacks()) == 1


async def test_a_wake_up_for_a_callback_already_done_does_nothing(harness: Harness) -> None:
    await harness.call_stored(record())
    [cb] = harness.callbacks()
    harness.clock.set(local(25, 10, 10))
    assert await harness.runtime.wake(cb.id) is True
    assert await harness.runtime.wake(cb.id) is False  # running: claimed once
    await harness.answer()
    assert await harness.runtime.wake(cb.id) is False  # done
    assert await harness.runtime.run_due() == 0
    assert len(harness.actions.sent) == 1


async def test_a_late_or_repeated_originate_response_is_ignored(harness: Harness) -> None:
    await harness.call_stored(record())
    harness.clock.set(local(25, 10, 10))
    await harness.runtime.run_due()
    await harness.answer(reason="3")  # retry pending
    await harness.answer(reason="4")  # the same attempt's action id again: ignored
    [cb] = harness.callbacks()
    assert (cb.status, cb.attempts) == ("pending", 1)
    await harness.runtime.on_originate_result(OriginateResult("someone-else-1", True, "4", None, None, 0.0))
    assert harness.callbacks()[0].status == "pending"


async def test_an_attempt_without_any_originate_response_counts_as_unanswered(harness: Harness) -> None:
    await harness.call_stored(record())
    harness.clock.set(local(25, 10, 10))
    await harness.runtime.run_due()
    harness.clock.advance(30 + 61)  # originate timeout + margin, no OriginateResponse came
    await harness.runtime.run_due()
    [cb] = harness.callbacks()
    assert (cb.status, cb.attempts, cb.due_at) == ("pending", 1,
                                                   harness.clock.now() + dt.timedelta(minutes=10))
    assert harness.log(cb.id) == ["created", "attempt", "no_answer"]


def _awaiting(harness: Harness, call_id: int) -> bool:
    with unit_of_work(harness.sessions) as s:
        call = s.get(Call, call_id)
        assert call is not None
        return call.awaiting_decisions


async def test_a_call_stored_while_callbacks_were_not_listening_is_called_back_once_from_its_row(
        harness: Harness) -> None:
    # The writer committed the call (awaiting its decisions) but the service died before the
    # callbacks area saw CallStored: at start-up the stored row decides it.
    call_id = harness.store_call(record(ended=local(25, 10, 0)))
    with unit_of_work(harness.sessions) as s:
        row = s.get(Call, call_id)
        assert row is not None
        row.awaiting_decisions = True
    assert await harness.runtime.decide_waiting_calls() == 1
    [cb] = harness.callbacks()
    assert (cb.reason, cb.call_id, cb.due_at) == ("abandoned", call_id, local(25, 10, 10))
    assert not _awaiting(harness, call_id)
    assert await harness.runtime.decide_waiting_calls() == 0  # decided once
    # A late CallStored for the same call (the spool drained after the sweep) doubles nothing.
    await harness.runtime.on_call_stored(call_id, record(ended=local(25, 10, 0)))
    assert len(harness.callbacks()) == 1


async def test_a_dropped_call_delivered_twice_gets_one_r9_callback(harness: Harness) -> None:
    rec = record(answered=True, abandoned=False, dropped=True, agent="PJSIP/8101", answered_at=1.0,
                 hangup_first="agent")
    call_id = harness.store_call(rec)
    await harness.runtime.on_call_stored(call_id, rec)
    await harness.runtime.on_call_stored(call_id, rec)
    assert [cb.reason for cb in harness.callbacks()] == ["dropped"]
    assert not _awaiting(harness, call_id)
