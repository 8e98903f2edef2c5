"""Screen pop (R15) and the apology reminder at the fourth ring (R1, R2), on a real database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from callcenter.agents.hub import DeskEvent, DeskHub
from callcenter.agents.pop import APOLOGY_TEXT, ScreenPop, ring_number
from callcenter.calls.model import AgentRingEnded, AgentRinging, CallEnded, CallRecord, GreetingDecision
from callcenter.clock import FrozenClock
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.hotline import Hotline

T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
CALLER = "13800138000"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as s:
        s.add(Call(linkedid="old.1", caller=CALLER, started_at=T0 - dt.timedelta(days=2),
                   ended_at=T0 - dt.timedelta(days=2), answered=True, talk_seconds=95.0,
                   hangup_first="caller"))
        s.add(Ticket(caller=CALLER, caller_name="张先生", address="3栋2单元501", category="repair",
                     summary="厨房水管漏水", owner="101", status="open"))
        s.add(Ticket(caller=CALLER, category="inquiry", summary="已办结的咨询", status="closed"))
        due = T0 + dt.timedelta(minutes=30)
        s.add(Callback(caller=CALLER, owner="101", reason="repair_reminder", due_at=due, promised_at=due,
                       status="pending", dedupe_key="pop-1"))
        s.add(Callback(caller=CALLER, owner="101", reason="dropped", due_at=T0, promised_at=T0, status="done",
                       dedupe_key="pop-2"))
    yield factory
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def hub() -> DeskHub:
    return DeskHub()


@pytest.fixture
def pop(hotline: Hotline, hub: DeskHub, sessions: sessionmaker[Session], clock: FrozenClock) -> ScreenPop:
    return ScreenPop(hotline, hub, sessions, clock)


@pytest.fixture
async def desk_101(hub: DeskHub) -> AsyncIterator[AsyncIterator[DeskEvent]]:
    stream = hub.subscribe("101")
    yield stream
    await stream.aclose()  # type: ignore[attr-defined]


async def _next(stream: AsyncIterator[DeskEvent]) -> DeskEvent:
    return await asyncio.wait_for(stream.__anext__(), 2)


def _ringing(clock: FrozenClock, agent: str = "PJSIP/8101", started: float | None = None,
             linkedid: str = "1795634553.8") -> AgentRinging:
    now = clock.time()
    return AgentRinging(linkedid=linkedid, caller=CALLER, queue="repair", agent=agent, member_name="李秀英",
                        attempt=1, caller_ring_started_at=now if started is None else started, at=now)


@pytest.mark.parametrize(("seconds", "ring"), [(0, 1), (4.99, 1), (5, 2), (14.99, 3), (15, 4), (21, 5)])
def test_ring_number_follows_the_five_second_cycle_r1(seconds: float, ring: int) -> None:
    assert ring_number(seconds, 5.0) == ring


async def test_ringing_pops_name_address_open_ticket_and_last_call_r15(
        pop: ScreenPop, clock: FrozenClock, desk_101: AsyncIterator[DeskEvent]) -> None:
    await pop.on_ringing(_ringing(clock))
    event = await _next(desk_101)
    assert event.kind == "pop"
    card = event.data["card"]
    assert card["name"] == "张先生" and card["address"] == "3栋2单元501"
    assert [t["summary"] for t in card["open_tickets"]] == ["厨房水管漏水"]  # the closed one is not shown
    assert card["last_calls"][0]["talk_seconds"] == 95.0
    assert card["last_calls"][0]["talk_text"] == {"zh": "1分35秒", "en": "1 min 35 s"}
    assert [c["reason"] for c in card["callbacks"]] == ["repair_reminder"]  # what is still owed
    assert event.data["department"] == "工程维修" and event.data["caller"] == CALLER


async def test_trace_members_without_a_hotline_agent_pop_nothing(pop: ScreenPop, clock: FrozenClock,
                                                                 hub: DeskHub) -> None:
    await pop.on_ringing(_ringing(clock, agent="Local/agent1@agents"))
    assert all(hub.latest(a.id, "pop") is None for a in pop.hotline.agents)


async def test_apology_reminder_appears_when_the_fourth_ring_begins_r2(
        pop: ScreenPop, clock: FrozenClock, desk_101: AsyncIterator[DeskEvent], hub: DeskHub) -> None:
    await pop.on_ringing(_ringing(clock))
    await _next(desk_101)
    clock.advance(14.9)
    pop.check_rings(clock.time())
    assert hub.latest("101", "apology") is None
    clock.advance(0.1)
    pop.check_rings(clock.time())
    event = await _next(desk_101)
    assert event.kind == "apology" and event.data["ring"] == 4 and event.data["text"] == APOLOGY_TEXT
    pop.check_rings(clock.time() + 5)  # once per call
    assert hub.subscribers("101") == 1 and desk_101 is not None


async def test_rolled_over_call_counts_rings_from_the_callers_first_ring_r13(
        pop: ScreenPop, clock: FrozenClock, hub: DeskHub) -> None:
    first_ring = clock.time()
    clock.advance(12)
    await pop.on_ringing(_ringing(clock, agent="PJSIP/8102", started=first_ring))
    pop.check_rings(clock.time())
    assert hub.latest("102", "apology") is None
    clock.advance(3)
    pop.check_rings(clock.time())
    latest = hub.latest("102", "apology")
    assert latest is not None and latest.data["ring"] == 4


async def test_answered_in_time_gets_no_reminder_and_the_pop_turns_to_talking(
        pop: ScreenPop, clock: FrozenClock, hub: DeskHub) -> None:
    await pop.on_ringing(_ringing(clock))
    clock.advance(8)
    pop.on_ring_ended(AgentRingEnded("1795634553.8", "PJSIP/8101", "answered", 8.0, clock.time()))
    clock.advance(30)
    pop.check_rings(clock.time())
    assert hub.latest("101", "apology") is None
    latest = hub.latest("101", "pop")
    assert latest is not None and latest.data["phase"] == "talking"


async def test_late_answer_greeting_decision_reminds_the_agent_r2(pop: ScreenPop, clock: FrozenClock,
                                                                 hub: DeskHub) -> None:
    await pop.on_ringing(_ringing(clock))
    pop.on_greeting(GreetingDecision("1795634553.8", None, "PJSIP/8101", "李秀英", 16.0, 4, "apology",
                                     clock.time()))
    latest = hub.latest("101", "apology")
    assert latest is not None and latest.data["ring"] == 4


async def test_ring_no_answer_takes_the_pop_away_r13(pop: ScreenPop, clock: FrozenClock, hub: DeskHub,
                                                    desk_101: AsyncIterator[DeskEvent]) -> None:
    await pop.on_ringing(_ringing(clock))
    await _next(desk_101)
    pop.on_ring_ended(AgentRingEnded("1795634553.8", "PJSIP/8101", "no_answer", 12.0, clock.time()))
    event = await _next(desk_101)
    assert event.kind == "pop_end" and hub.latest("101", "pop") is None


def _record(clock: FrozenClock, agent: str | None) -> CallRecord:
    now = clock.time()
    return CallRecord(linkedid="1795634553.8", server="pbx", caller=CALLER, caller_name=None,
                      direction="inbound",
                      queue="repair", agent=agent, member_name=None, started_at=now - 60,
                      queue_entered_at=now - 55,
                      answered_at=now - 50, ended_at=now, answered=agent is not None, abandoned=agent is None,
                      ring_seconds=5.0, rings=2, within_rule=True, greeting="standard", wait_seconds=5.0,
                      talk_seconds=50.0, hold_seconds=0.0, hangup_first="caller")


async def test_hang_up_clears_the_pop_and_starts_after_call_work(
        hotline: Hotline, hub: DeskHub, clock: FrozenClock, sessions: sessionmaker[Session]) -> None:
    done: list[str] = []
    pop = ScreenPop(hotline, hub, sessions, clock, on_call_done=done.append)
    await pop.on_ringing(_ringing(clock))
    pop.on_call_ended(CallEnded(_record(clock, "PJSIP/8101")))
    assert hub.latest("101", "pop") is None and done == ["101"]


async def test_a_new_desk_gets_the_ringing_pop_at_once(pop: ScreenPop, clock: FrozenClock,
                                                       hub: DeskHub) -> None:
    await pop.on_ringing(_ringing(clock))
    stream = hub.subscribe("101")
    event = await _next(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    assert event.kind == "pop" and event.data["card"]["name"] == "张先生"
