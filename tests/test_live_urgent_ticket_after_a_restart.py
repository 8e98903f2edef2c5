"""The urgent ticket of an emergency heard live (R19, issue 17) stays the call's one ticket across a
restart mid-call: it is keyed to the call (PBX name and Linkedid) when opened, so the emergency
heard again after the restart, or by a second worker process, opens no second ticket and alerts
no second time, and the stored call joins it by that key. The link used to live only in the
memory of the process that opened the ticket. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.bus import EventBus
from callcenter.calls.model import CallRecord
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from callcenter.messages import CallStored, LiveEmergency, SupervisorAlert, TicketChanged, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.tickets.component import build
from tests.test_tickets_component import GAS_TURNS, _stored, context  # noqa: F401 (fixture)

LINKEDID = "1795634553.8"  # the call _stored() stores
HEARD = LiveEmergency(LINKEDID, "13800138000", "101", "燃气泄漏", "我 家 厨房 有 很 重 的 燃气 味", 0.0)


@pytest.fixture
def ctx(context: ServiceContext) -> ServiceContext:  # noqa: F811 (the imported fixture)
    return context


def record() -> CallRecord:
    return CallRecord(linkedid=LINKEDID, server="pbx", caller="13800138000", caller_name=None,
                      direction="inbound", queue="service", agent="PJSIP/8101", member_name=None,
                      started_at=0.0, queue_entered_at=None, answered_at=1.0, ended_at=60.0, answered=True,
                      abandoned=False, ring_seconds=3.0, rings=1, within_rule=True, greeting="standard",
                      wait_seconds=3.0, talk_seconds=59.0, hold_seconds=0.0, hangup_first="caller")


async def heard_in_one_run(ctx: ServiceContext, *messages: Any) -> None:
    """One run of the tickets component (a process) that receives these messages, then stops."""
    component = build(ctx)
    await component.start()
    for message in messages:
        ctx.bus.publish(message)
    await ctx.bus.drain()
    await ctx.bus.drain()
    await component.stop()


def tickets(ctx: ServiceContext) -> list[tuple[int, bool, int | None, list[int | None]]]:
    with unit_of_work(ctx.sessions) as s:
        return [(t.id, t.urgent, t.call_id, [c.call_id for c in t.calls]) for t in s.scalars(select(Ticket))]


async def test_an_emergency_heard_again_after_a_restart_keeps_one_ticket_and_one_alert_r19(
        ctx: ServiceContext) -> None:
    seen: list[Any] = []
    ctx.bus.subscribe((TicketChanged, SupervisorAlert), seen.append, name="test")
    await heard_in_one_run(ctx, HEARD)
    await heard_in_one_run(ctx, HEARD)  # restarted mid-call: the live transcription hears it again
    [(ticket_id, urgent, _, _)] = tickets(ctx)
    assert urgent
    call_id, transcript_id = _stored(ctx, GAS_TURNS)
    await heard_in_one_run(ctx, CallStored(call_id=call_id, record=record()),
                           TranscriptReady(call_id=call_id, transcript_id=transcript_id))
    assert tickets(ctx) == [(ticket_id, True, call_id, [call_id])]
    with unit_of_work(ctx.sessions) as s:  # the transcript's fields merged in (R4)
        merged = s.get(Ticket, ticket_id)
        assert merged is not None
        fields = (merged.caller_name, merged.address, merged.summary, merged.draft_differences)
    assert fields[:2] == ("李秀英", "B座1803")
    await heard_in_one_run(ctx, TranscriptReady(call_id=call_id, transcript_id=transcript_id))  # replayed
    with unit_of_work(ctx.sessions) as s:
        again = s.get(Ticket, ticket_id)
        assert again is not None
        assert (again.caller_name, again.address, again.summary, again.draft_differences) == fields
    assert tickets(ctx) == [(ticket_id, True, call_id, [call_id])]
    assert [m.change for m in seen if isinstance(m, TicketChanged)][:2] == ["created", "merged"]
    assert "merged" not in [m.change for m in seen if isinstance(m, TicketChanged)][2:]
    assert [m.ticket_id for m in seen if isinstance(m, SupervisorAlert)] == [ticket_id]


async def test_a_call_stored_after_a_restart_joins_its_live_urgent_ticket_r19(ctx: ServiceContext) -> None:
    await heard_in_one_run(ctx, HEARD)
    call_id, _ = _stored(ctx, GAS_TURNS)
    await heard_in_one_run(ctx, CallStored(call_id=call_id, record=record()))  # no transcript (yet)
    [(_, urgent, ticket_call, calls)] = tickets(ctx)
    assert (urgent, ticket_call, calls) == (True, call_id, [call_id])


async def test_two_workers_hearing_one_emergency_open_one_ticket_r19(ctx: ServiceContext) -> None:
    other = ServiceContext(settings=ctx.settings, bus=EventBus(), engine=ctx.engine,
                           sessions=ctx.sessions, clock=ctx.clock)
    await other.bus.start()
    try:
        await heard_in_one_run(ctx, HEARD)
        await heard_in_one_run(other, HEARD)  # the relay brings it to every worker process
    finally:
        await other.bus.stop()
    assert len(tickets(ctx)) == 1
