"""A callback keeps its promise only when the *customer* is reached (R6-R9, R14, R21, R22).

The running service (pbxsim, the real AMI listener/tracker/writer and action client, the callbacks
component) places the callback: the owner's phone rings first, and once the agent answers pbxsim
runs ``[callcenter-callback]`` and dials the customer on the trunk. The customer leg's DialEnd,
followed by the tracker on the same Linkedid as the OriginateResponse's Uniqueid, decides the
attempt. The callbacks' clock is a FrozenClock, so retries are checked to the second; pbxsim runs
on its own accelerated clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.agents.desk import originate_agent_first
from callcenter.callbacks.policies import Plan
from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.callbacks.survey import SurveyRecorder
from callcenter.calls.model import CallEnded, CallRecord, OriginateResult, SurveyScored
from callcenter.calls.replay import replay_chunks
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.models.calls import Call, CallLeg
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from callcenter.messages import SupervisorAlert
from callcenter.pbxsim.pbx import Pbx
from callcenter.pbxsim.wire import BANNER, Headers, encode, first
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.followups import satisfaction_by_owner
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period
from callcenter.service import Service

CUSTOMER = "13800138000"
SH = ZoneInfo("Asia/Shanghai")
FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.callbacks.component:build"]


# A week ahead of the wall clock: the scheduler's own wake-ups (APScheduler keeps wall-clock time)
# then lie in the future and leave the placing to the test's run_due() and the periodic sweep.
DAY = dt.datetime.now(SH).date() + dt.timedelta(days=7)


# pbxsim runs 40 times faster than the clock it reports: a busy machine's few real milliseconds
# late are a simulated second or two, so the customer's 45 s of ringing (the dial's timeout) may
# read 46 s. What the test asserts is that the ringing is told, and that it lasted the timeout.
_RANG = re.compile(r"customer did not answer \(rang (\d+) s\)")


def rang_the_timeout(detail: str) -> bool:
    match = _RANG.fullmatch(detail)
    return bool(match) and 45 <= int(match.group(1)) <= 48


def local(h: int, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(DAY.year, DAY.month, DAY.day, h, mi, s, tzinfo=SH).astimezone(dt.UTC)


class Running:
    """The service with its pbxsim, every pbxsim event and every bus message kept."""

    def __init__(self, service: Service, clock: FrozenClock) -> None:
        self.service, self.clock = service, clock
        self.runtime: CallbackRuntime = service.context.extras["callbacks"]
        self.pbx: Pbx = service.context.extras["pbxsim"].pbx
        self.events: list[Headers] = []
        self.pbx.listeners.append(self.events.append)
        self.results: list[OriginateResult] = []
        self.alerts: list[SupervisorAlert] = []
        self.records: list[CallRecord] = []
        service.context.bus.subscribe(OriginateResult, self.results.append)
        service.context.bus.subscribe(SupervisorAlert, self.alerts.append)
        service.context.bus.subscribe(CallEnded, lambda m: self.records.append(m.record))

    def originates(self) -> list[Headers]:
        server = self.service.context.extras["pbxsim"].server
        return [a for s in server.all_sessions for a in s.actions if first(a, "Action") == "Originate"]

    def named(self, event: str, **match: str) -> list[Headers]:
        return [e for e in self.events if first(e, "Event") == event
                and all((first(e, k) or "").startswith(v) for k, v in match.items())]

    def callback(self) -> Callback:
        with unit_of_work(self.service.context.sessions) as s:
            return s.scalars(select(Callback)).one()

    def log(self) -> list[tuple[str, str]]:
        with unit_of_work(self.service.context.sessions) as s:
            return [(e.kind, e.detail) for e in s.scalars(select(CallbackLog).order_by(CallbackLog.id))]

    def stored_calls(self) -> list[Call]:
        with unit_of_work(self.service.context.sessions) as s:
            return list(s.scalars(select(Call).order_by(Call.id)))

    def callbacks(self) -> list[tuple[str, str]]:
        with unit_of_work(self.service.context.sessions) as s:
            return [(cb.reason, cb.status) for cb in s.scalars(select(Callback).order_by(Callback.id))]

    def replayed(self) -> list[CallRecord]:
        """What ``callcenter replay`` makes of the AMI stream pbxsim sent."""
        return replay_chunks([BANNER + b"".join(encode(e) for e in self.events)])

    async def promise(self, reason: str = "dropped", owner: str | None = "101") -> None:
        await self.runtime.decide([Plan(reason, self.clock.now(), CUSTOMER, f"test:{reason}", owner=owner,
                                        department="service")])

    async def settled(self, attempts: int) -> Callback:
        """Wait until attempt ``attempts`` is decided and its call is stored."""
        def done() -> bool:
            cb = self.callback()
            return cb.attempts == attempts and cb.status != "running" and sum(
                1 for kind, _ in self.log() if kind == "call") == attempts
        await until(done)
        return self.callback()


async def until(condition: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not await asyncio.to_thread(condition):
            await asyncio.sleep(0.05)


@pytest.fixture
async def running(database_url: str, hotline_path: Path, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CALLCENTER_PBXSIM_SPEED", "40")  # the 45 s customer dial takes about 1 s
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url,
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var")})
    clock = FrozenClock(local(10, 0))
    service = Service(settings, clock=clock, factories=FACTORIES)
    await service.start()
    try:
        calls = next(c for c in service._started if c.name == "calls")
        async with asyncio.timeout(10):
            await calls.listener.connected.wait()  # type: ignore[attr-defined]
        yield Running(service, clock)
    finally:
        await service.stop()


async def test_r14_owner_rings_first_then_the_customer_who_hears_the_callback_announcement(
        running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "2", f"RING_{CUSTOMER}": "3", "TALK_8101": "6"})
    await running.promise()
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.attempts) == ("done", 1)
    assert cb.outcome == "customer answered"
    assert [kind for kind, _ in running.log()] == ["created", "attempt", "agent_answered", "answered", "call"]
    # pbxsim's side: the Originate rang the owner's phone with the customer as the callback's extension...
    [originate] = running.originates()
    assert (first(originate, "Channel"), first(originate, "Context"), first(originate, "Exten"),
            first(originate, "ActionID")) == ("PJSIP/8101", "callcenter-callback", CUSTOMER, "callback-1-1")
    # ...the agent leg's own dial came first, the customer's Dial on the trunk only after the answer.
    names = [first(e, "Event") for e in running.events]
    [agent_begin] = running.named("DialBegin", DestChannel="PJSIP/8101-")
    [customer_begin] = running.named("DialBegin", DestChannel="PJSIP/trunk-")
    assert first(agent_begin, "Channel") is None
    assert (first(customer_begin, "Channel") or "").startswith("PJSIP/8101-")
    assert first(customer_begin, "DialString") == f"{CUSTOMER}@trunk"
    assert (running.events.index(agent_begin) < names.index("OriginateResponse")
            < running.events.index(customer_begin))
    [customer_end] = running.named("DialEnd", DestChannel="PJSIP/trunk-")
    assert first(customer_end, "DialStatus") == "ANSWER"
    [result] = running.results
    linkedid = result.uniqueid
    assert linkedid is not None and first(customer_begin, "Linkedid") == linkedid
    assert running.pbx.calls[linkedid].heard == ["callcenter/zh/callback"]


async def test_r14_without_an_owner_the_department_queue_rings_first_then_the_customer(
        running: Running) -> None:
    running.pbx.globals.update({f"RING_{CUSTOMER}": "2", **{f"RING_810{n}": "1" for n in (1, 2, 3)},
                                **{f"TALK_810{n}": "8" for n in (1, 2, 3)}})
    await running.promise(owner=None)
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.outcome) == ("done", "customer answered")
    [originate] = running.originates()
    assert (first(originate, "Channel"), first(originate, "Context"), first(originate, "Exten")) == (
        "Local/service@callcenter-queues", "callcenter-callback", CUSTOMER)
    # The queue's member is connected first (the Local channel answers only then), then the customer.
    [connect] = running.named("AgentConnect", Channel="Local/service@callcenter-queues-")
    [response] = running.named("OriginateResponse")
    [customer_begin] = running.named("DialBegin", DestChannel="PJSIP/trunk-")
    order = running.events.index
    assert order(connect) < order(response) < order(customer_begin)
    queue_half = first(connect, "Channel") or ""
    assert first(response, "Reason") == "4"
    assert first(customer_begin, "Channel") == queue_half.replace(";2", ";1")  # the originated ;1 dials
    [result] = running.results
    assert result.uniqueid is not None
    assert "callcenter/zh/callback" in running.pbx.calls[result.uniqueid].heard


async def test_the_callback_call_is_tracked_into_the_calls_table_like_any_other(running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "4", "TALK_8101": "10"})
    await running.promise()
    await running.runtime.run_due()
    await running.settled(1)
    [result] = running.results
    with unit_of_work(running.service.context.sessions) as s:
        call = s.scalars(select(Call).where(Call.linkedid == result.uniqueid)).one()
        legs = list(s.scalars(select(CallLeg).where(CallLeg.call_id == call.id)))
        assert (call.caller, call.answered, call.abandoned, call.attempts) == (CUSTOMER, True, False, 1)
        # Talk runs from the customer's answer: the callback announcement is already the conversation.
        announcement = running.pbx.prompt_seconds("callcenter/zh/callback")
        assert call.talk_seconds == pytest.approx(10 + announcement, abs=1.0)
        [leg] = legs
        assert leg.channel.startswith("PJSIP/trunk-") and leg.outcome == "answered"
        # The ring time ends when the customer's phone answers, not at DialEnd ANSWER, which A()
        # holds back until the announcement has played.
        assert leg.ring_seconds == pytest.approx(4, abs=0.5)
    [stored] = [detail for kind, detail in running.log() if kind == "call"]
    prefix, _, talked = stored.rpartition(", talked ")
    assert prefix == f"call {call.id} stored: customer answered"
    assert float(talked.removesuffix(" s")) == pytest.approx(10 + announcement, abs=1.0)


async def test_the_callback_call_is_outbound_and_the_agent_hung_up_first(running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "2", "TALK_8101": "5"})
    await running.promise()
    await running.runtime.run_due()
    await running.settled(1)
    [result] = running.results
    with unit_of_work(running.service.context.sessions) as s:
        call = s.scalars(select(Call).where(Call.linkedid == result.uniqueid)).one()
        assert (call.direction, call.agent_interface, call.hangup_first) == ("outbound", "PJSIP/8101",
                                                                             "agent")


async def test_r22_customer_not_answering_is_retried_each_interval_and_fails_after_max_attempts(
        running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "never"})
    await running.promise()
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.due_at) == ("pending", local(10, 10))  # retry_interval_minutes = 10
    assert any(kind == "no_answer" and rang_the_timeout(detail) for kind, detail in running.log())
    running.clock.set(local(10, 9, 59))
    await running.runtime.run_due()
    assert (running.callback().attempts, len(running.originates())) == (1, 1)  # not a second early
    running.clock.set(local(10, 10))
    await running.runtime.run_due()  # (or the periodic sweep, whichever claims it first)
    cb = await running.settled(2)
    assert (cb.status, cb.due_at) == ("pending", local(10, 20))
    running.clock.set(local(10, 20))
    await running.runtime.run_due()
    cb = await running.settled(3)
    assert cb.status == "failed"  # max_attempts = 3
    last = re.fullmatch(r"not reached after 3 attempts \((.*)\)", cb.outcome or "")
    assert last and rang_the_timeout(last.group(1))
    assert [a.kind for a in running.alerts] == ["callback_overdue"]
    # Every attempt rang the owner first and then the customer, who never answered (pbxsim's side).
    assert [first(a, "ActionID") for a in running.originates()] == [f"callback-1-{n}" for n in (1, 2, 3)]
    ends = running.named("DialEnd", DestChannel="PJSIP/trunk-")
    assert [first(e, "DialStatus") for e in ends] == ["NOANSWER"] * 3
    running.clock.set(local(10, 40))
    await running.runtime.run_due()
    assert len(running.originates()) == 3  # nothing more is placed


async def test_r22_a_busy_customer_is_retried(running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "busy"})
    await running.promise()
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.attempts, cb.due_at) == ("pending", 1, local(10, 10))
    assert ("no_answer", "customer busy") in running.log()
    [end] = running.named("DialEnd", DestChannel="PJSIP/trunk-")
    assert first(end, "DialStatus") == "BUSY"


async def test_r21_repair_followup_hands_the_customer_to_the_survey_when_the_agent_hangs_up(
        running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "1", "TALK_8101": "4",
                                f"SURVEY_{CUSTOMER}": "5"})
    await running.promise("repair_followup")
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert cb.status == "done"
    [originate] = running.originates()
    assert "CC_SURVEY=1" in ",".join(v for k, v in originate if k == "Variable").split(",")
    [result] = running.results
    assert result.uniqueid is not None
    assert running.pbx.calls[result.uniqueid].heard == [
        "callcenter/zh/callback", "callcenter/zh/survey", "callcenter/zh/survey_thanks"]
    [survey] = running.named("UserEvent", UserEvent="CallcenterSurvey")
    assert (first(survey, "CallbackID"), first(survey, "Score")) == (str(cb.id), "5")


async def test_r22_the_agent_hanging_up_while_the_customer_rings_is_an_unanswered_attempt(
        running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "never"})
    await running.promise()
    await running.runtime.run_due()
    await until(lambda: running.named("DialState", DestChannel="PJSIP/trunk-"))
    [begin] = running.named("DialBegin", DestChannel="PJSIP/trunk-")
    await running.service.context.actions.hangup(first(begin, "Channel"))  # the real AMI action client
    cb = await running.settled(1)
    assert (cb.status, cb.due_at) == ("pending", local(10, 10))
    assert ("no_answer", "the agent hung up before the customer answered") in running.log()
    [end] = running.named("DialEnd", DestChannel="PJSIP/trunk-")
    assert first(end, "DialStatus") == "CANCEL"


async def test_r9_a_callback_the_customer_ends_is_not_itself_called_back(running: Running) -> None:
    # The customer ends the callback: not a dropped call (R9), and the callbacks area knows the
    # call as its own attempt and makes no new promise of it.
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "2", "TALK_8101": "50",
                                f"TALK_{CUSTOMER}": "4"})
    await running.promise()
    await running.runtime.run_due()
    await running.settled(1)
    with unit_of_work(running.service.context.sessions) as s:
        assert [(cb.reason, cb.status) for cb in s.scalars(select(Callback))] == [("dropped", "done")]
        assert s.scalars(select(Call.dropped)).one() is False


def _repair_ticket(running: Running) -> int:
    with unit_of_work(running.service.context.sessions) as s:
        ticket = Ticket(caller=CUSTOMER, category="repair", owner="101", department="repair", status="done",
                        created_at=local(9, 0))
        s.add(ticket)
        s.flush()
        return ticket.id


def _satisfaction(running: Running, ticket_id: int) -> int | None:
    with unit_of_work(running.service.context.sessions) as s:
        return s.get(Ticket, ticket_id).satisfaction  # type: ignore[union-attr]


async def test_r21_the_survey_score_lands_on_the_ticket_and_in_the_followup_report(running: Running) -> None:
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "1", "TALK_8101": "4",
                                f"SURVEY_{CUSTOMER}": "4"})
    ticket_id = _repair_ticket(running)
    await running.runtime.decide([Plan("repair_followup", running.clock.now(), CUSTOMER, "test:survey",
                                       owner="101", department="repair", ticket_id=ticket_id)])
    await running.runtime.run_due()
    cb = await running.settled(1)
    await until(lambda: _satisfaction(running, ticket_id) is not None)
    assert _satisfaction(running, ticket_id) == 4
    assert ("survey", "score 4") in running.log()
    with unit_of_work(running.service.context.sessions) as s:
        marks = satisfaction_by_owner(s, Period(DAY, DAY))
    assert marks["101"]["n"] == 1 and marks["101"]["average"] == 4 and marks["101"]["marks"][4] == 1
    assert cb.status == "done"


async def test_r21_a_score_that_is_not_1_to_5_or_names_no_callback_is_dropped(running: Running) -> None:
    ticket_id = _repair_ticket(running)
    await running.runtime.decide([Plan("repair_followup", local(11, 0), CUSTOMER, "test:survey",
                                       owner="101", department="repair", ticket_id=ticket_id)])
    cb_id = str(running.callback().id)
    recorder = SurveyRecorder(running.service.context.sessions, running.clock)
    for keyed, callback_id in (("", cb_id), ("7", cb_id), ("0", cb_id), ("5", "99999"), ("5", "")):
        assert await recorder.on_survey(SurveyScored("L1", callback_id, keyed, 0.0)) is None
    assert _satisfaction(running, ticket_id) is None
    assert await recorder.on_survey(SurveyScored("L1", cb_id, "2", 0.0)) == ticket_id
    assert _satisfaction(running, ticket_id) == 2


async def test_b6_replay_of_an_agent_first_callback_agrees_with_the_live_record(running: Running) -> None:
    """The agent-first call (the owner's phone, then the customer): ``callcenter replay`` of the
    very AMI stream names the same agent and the same side hanging up first as the live record."""
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "2", "TALK_8101": "5"})
    await running.promise()
    await running.runtime.run_due()
    await running.settled(1)
    [live] = running.records
    [replayed] = [r for r in running.replayed() if r.linkedid == live.linkedid]
    assert (live.direction, live.agent, live.caller, live.hangup_first) == (
        "outbound", "PJSIP/8101", CUSTOMER, "agent")
    assert replayed.as_replay_json() == live.as_replay_json()
    assert [leg.channel for leg in replayed.legs] == [leg.channel for leg in live.legs]


async def test_b4_a_department_callback_is_stored_as_outbound_with_the_member_as_its_agent(
        running: Running) -> None:
    """The queue route: a member answers, then the customer. Outbound, never an inbound call
    answered in one ring (三声内接听率, 呼入量), and replay agrees."""
    running.pbx.globals.update({f"RING_{CUSTOMER}": "2", **{f"RING_810{n}": "1" for n in (1, 2, 3)},
                                **{f"TALK_810{n}": "8" for n in (1, 2, 3)}})
    await running.promise(owner=None)
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.outcome) == ("done", "customer answered")
    [call] = running.stored_calls()
    assert (call.direction, call.caller, call.answered, call.abandoned) == ("outbound", CUSTOMER, True, False)
    assert call.agent_interface is not None and call.agent_interface.startswith("PJSIP/810")
    assert (call.within_rule, call.greeting, call.wait_seconds) == (None, None, None)
    [live] = running.records
    assert [leg.channel.split("-")[0] for leg in live.legs] == ["PJSIP/trunk"]  # the customer only
    [replayed] = [r for r in running.replayed() if r.linkedid == live.linkedid]
    assert replayed.as_replay_json() == live.as_replay_json()
    assert running.callbacks() == [("dropped", "done")]
    hotline = running.service.context.settings.hotline
    with unit_of_work(running.service.context.sessions) as s:  # the report and the wallboard's figures
        report = answer_time_report(s, Period(DAY, DAY, hotline.centre.timezone), "total",
                                    Thresholds.from_rules(hotline.rules))
    assert (report.total.value("offered"), report.total.value("answered")) == (0, 0)


async def test_a_department_callback_nobody_answers_is_a_retried_attempt_not_an_abandoned_inbound_call(
        running: Running) -> None:
    """Nobody in the queue answers within the Originate's timeout: the attempt is retried by the
    policy; the call is the centre's own outbound attempt, not a customer who gave up, so no
    second callback for the same number appears."""
    running.pbx.globals.update({f"RING_810{n}": "never" for n in (1, 2, 3)})
    await running.promise(owner=None)
    await running.runtime.run_due()
    await until(lambda: running.callback().status != "running" and running.stored_calls())
    cb = running.callback()
    assert (cb.status, cb.attempts, cb.due_at) == ("pending", 1, local(10, 10))
    [call] = running.stored_calls()
    assert (call.direction, call.answered, call.abandoned) == ("outbound", False, False)
    # The stored call's own handling has run (its decisions commit with this mark): no new promise of it.
    await until(lambda: not any(c.awaiting_decisions for c in running.stored_calls()))
    assert running.callbacks() == [("dropped", "pending")]


async def test_b3_a_customer_who_cannot_be_dialled_is_unreachable_and_retried(running: Running) -> None:
    """The dialplan's trunk is no PJSIP endpoint: the agent answers, Dial() cannot create the
    customer's channel (no DialBegin at all). Not "done, customer answered": unreachable, retried."""
    running.pbx.globals.update({"RING_8101": "1", "CALLCENTER_TRUNK": "carrier"})
    await running.promise()
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.attempts, cb.due_at) == ("pending", 1, local(10, 10))
    assert not running.named("DialBegin", DestChannel="PJSIP/carrier-")  # pbxsim, like Asterisk
    details = [detail for _, detail in running.log()]
    assert "customer unreachable (no call could be placed to the customer)" in details
    assert not any("customer answered" in d for d in details)
    [call] = running.stored_calls()
    assert (call.direction, call.answered, call.attempts) == ("outbound", False, 0)


async def test_b3_a_customer_who_does_not_answer_a_department_callback_is_not_also_answered(
        running: Running) -> None:
    running.pbx.globals.update({f"RING_{CUSTOMER}": "never", **{f"RING_810{n}": "1" for n in (1, 2, 3)}})
    await running.promise(owner=None)
    await running.runtime.run_due()
    cb = await running.settled(1)
    assert (cb.status, cb.due_at) == ("pending", local(10, 10))
    details = [detail for _, detail in running.log()]
    assert "customer did not answer (rang 45 s)" in details
    assert not any("customer answered" in d for d in details)
    assert running.callbacks() == [("dropped", "pending")]


async def test_b4_click_to_call_from_the_desk_is_stored_as_outbound_for_its_customer(
        running: Running) -> None:
    """The desk's click to call (agent first, then the customer, like a callback): an outbound call
    for the customer, never an inbound one in the day's figures, and replay agrees."""
    running.pbx.globals.update({"RING_8101": "1", f"RING_{CUSTOMER}": "2", "TALK_8101": "5"})
    agent = running.service.context.settings.hotline.agent("101")
    assert agent is not None
    await originate_agent_first(running.service.context.actions, agent, CUSTOMER, label="工单1",
                                variables={"CC_TICKET": "1"})
    await until(lambda: bool(running.stored_calls()))
    [call] = running.stored_calls()
    assert (call.direction, call.caller, call.agent_interface, call.answered) == (
        "outbound", CUSTOMER, "PJSIP/8101", True)
    [live] = running.records
    [replayed] = [r for r in running.replayed() if r.linkedid == live.linkedid]
    assert replayed.as_replay_json() == live.as_replay_json()
