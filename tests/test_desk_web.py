"""The desk over HTTP: who may see and do what (R14, R17), masking, audit, live events."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from callcenter.agents.component import AgentsComponent
from callcenter.db.models.agents import DeskAction
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.tickets import OwnerChange, Ticket
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from tests.support.desk import EventReader, create_accounts, desk_settings, login, make_context, serve_web

CALLER = "13800138000"


@pytest.fixture
async def desk(tmp_path: Path,
               database_url: str) -> AsyncIterator[tuple[ServiceContext, AgentsComponent, str]]:
    ctx = make_context(desk_settings(tmp_path, database_url))
    create_accounts(ctx)
    with unit_of_work(ctx.sessions) as s:
        s.add(Ticket(id=1, caller=CALLER, phone=CALLER, caller_name="张先生", address="3栋2单元501",
                     category="repair", summary="厨房漏水", owner="101", status="open",
                     missing_fields=["preferred_time"]))
        s.add(Ticket(id=2, caller="13900139000", category="complaint", summary="噪音", owner="102",
                     status="open"))
    component = AgentsComponent(ctx, wrap_up_seconds=0)
    await ctx.bus.start()
    await component.start()
    async with serve_web(ctx) as web:
        yield ctx, component, web.url
    await component.stop()
    await ctx.bus.stop()
    ctx.engine.dispose()


@contextlib.asynccontextmanager
async def _client(url: str, user: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await login(client, user)
        yield client


async def test_desk_page_is_chinese_first_with_an_english_switch(desk: tuple) -> None:
    _, _, url = desk
    async with _client(url, "101") as client:
        page = await client.get("/desk")
        assert page.status_code == 200 and "坐席工作台" in page.text and 'data-agent="101"' in page.text
        # nothing from a CDN
        assert "http://" not in page.text.replace(url, "") and "https://" not in page.text
        english = await client.get("/desk?lang=en")
        assert "Agent desk" in english.text and "Log in" in english.text


async def test_an_agent_reaches_only_their_own_desk_r17(desk: tuple) -> None:
    _, _, url = desk
    async with _client(url, "101") as client:
        assert (await client.get("/desk?agent=102")).status_code == 403
        assert (await client.get("/desk/api/tickets?agent=102")).status_code == 403
        assert (await client.get("/desk/api/tickets/2")).status_code == 403
        tickets = (await client.get("/desk/api/tickets")).json()
        assert [t["id"] for t in tickets] == [1]
        assert tickets[0]["phone"] == "138****8000" and tickets[0]["caller"] == "138****8000"


async def test_without_login_the_desk_api_answers_401(desk: tuple) -> None:
    _, _, url = desk
    async with httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/desk/api/state")).status_code == 401


async def test_a_supervisor_acts_for_an_agent_and_the_audit_names_both_r17(desk: tuple) -> None:
    ctx, _, url = desk
    async with _client(url, "900") as client:
        page = await client.get("/desk?agent=101")
        assert page.status_code == 200 and 'id="acting-for"' in page.text
        ticket = (await client.get("/desk/api/tickets/1?agent=101")).json()
        assert ticket["phone"] == CALLER  # supervisors see the number whole
        answer = await client.post("/desk/api/tickets/1?agent=101", json={"preferred_time": "明天上午"})
        assert answer.status_code == 200 and answer.json()["ticket"]["missing"] == []
        audit = (await client.get("/desk/api/audit?agent=101")).json()
    assert audit[0]["actor"] == "900" and audit[0]["actor_role"] == "supervisor"
    assert audit[0]["action"] == "ticket_update" and audit[0]["ok"] is True
    with unit_of_work(ctx.sessions) as s:
        row = s.scalars(select(DeskAction)).one()
        assert (row.actor, row.agent_id) == ("900", "101")


async def test_ownership_changes_hands_only_with_a_reason_r14(desk: tuple) -> None:
    ctx, _, url = desk
    async with _client(url, "101") as client:
        refused = await client.post("/desk/api/tickets/1/transfer", json={"to": "201", "reason": " "})
        assert refused.status_code == 400 and "原因" in refused.json()["error"]
        moved = await client.post("/desk/api/tickets/1/transfer",
                                  json={"to": "201", "reason": "需要工程部上门"})
        assert moved.status_code == 200 and moved.json()["ticket"]["owner"] == "201"
        # Now 201's: 101 can no longer see it.
        assert (await client.get("/desk/api/tickets/1")).status_code == 403
    with unit_of_work(ctx.sessions) as s:
        change = s.scalars(select(OwnerChange)).one()
        assert (change.from_owner, change.to_owner, change.by,
                change.reason) == ("101", "201", "101", "需要工程部上门")
        assert [r.ok for r in s.scalars(select(DeskAction).order_by(DeskAction.id))] == [False, True]


async def test_confirm_needs_the_r4_fields_then_assign_and_close(desk: tuple) -> None:
    _, _, url = desk
    async with _client(url, "101") as client:
        refused = await client.post("/desk/api/tickets/1/confirm", json={})
        assert refused.status_code == 400 and "preferred_time" in refused.json()["error"]
        ok = await client.post("/desk/api/tickets/1/confirm", json={"preferred_time": "周六下午"})
        assert ok.json()["ticket"]["status"] == "in_progress"
        visit = dt.datetime(2026, 11, 28, 6, 0, tzinfo=dt.UTC).isoformat()
        assigned = await client.post("/desk/api/tickets/1/assign",
                                     json={"department": "repair", "visit_at": visit})
        assert assigned.json()["ticket"]["due_at"].startswith("2026-11-28T06:00")
        assert (await client.post("/desk/api/tickets/1/close", json={"outcome": ""})).status_code == 400
        closed = await client.post("/desk/api/tickets/1/close", json={"outcome": "已修好，客户满意"})
        assert closed.json()["ticket"]["status"] == "closed"


async def test_state_actions_without_a_phone_system_say_so_in_plain_words(desk: tuple) -> None:
    _, _, url = desk
    async with _client(url, "101") as client:
        answer = await client.post("/desk/api/state", json={"action": "log_in"})
    assert answer.status_code == 502 and "电话系统未连接" in answer.json()["error"]


async def test_live_events_reach_the_desk_with_the_number_masked_for_agents_r15_r17(desk: tuple) -> None:
    _, component, url = desk
    async with _client(url, "101") as client, client.stream("GET", "/desk/events") as stream:
        events = EventReader(stream)
        await events.next({"state"})  # the snapshot comes first
        component.hub.push("101", "pop", {"linkedid": "x", "caller": CALLER, "card": {"name": "张先生"}})
        event = await events.next({"pop"})
    assert event["data"]["caller"] == "138****8000" and event["data"]["card"]["name"] == "张先生"


async def test_a_masked_number_sent_back_by_an_agents_form_leaves_the_phone_as_it_was_r17(
        desk: tuple) -> None:
    ctx, _, url = desk
    async with _client(url, "101") as client:
        answer = await client.post("/desk/api/tickets/1",
                                   json={"phone": "138****8000", "caller_name": "张建国"})
        assert answer.status_code == 200
    with unit_of_work(ctx.sessions) as s:
        ticket = s.get(Ticket, 1)
        assert ticket is not None and ticket.phone == CALLER and ticket.caller_name == "张建国"


async def test_callbacks_listed_for_their_owner_and_run_now_by_the_callbacks_area_r22(desk: tuple) -> None:
    ctx, _, url = desk
    due = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    with unit_of_work(ctx.sessions) as s:
        s.add(Callback(id=7, caller=CALLER, owner="101", department="repair", reason="repair_followup",
                       due_at=due,
                       promised_at=due, status="failed", attempts=3, dedupe_key="desk-7"))
        s.add(Callback(id=8, caller="13900139000", owner="102", department="service", reason="inquiry_30min",
                       due_at=due, promised_at=due, status="pending", dedupe_key="desk-8"))
    async with _client(url, "101") as client:
        listed = (await client.get("/desk/api/callbacks")).json()
        assert [c["id"] for c in listed] == [7] and listed[0]["caller"] == "138****8000"
        refused = await client.post("/desk/api/call", json={"callback_id": 8})
        assert refused.status_code == 403
        placed = await client.post("/desk/api/call", json={"callback_id": 7})
        assert placed.status_code == 200 and placed.json()["callback"]["status"] == "pending"
    with unit_of_work(ctx.sessions) as s:
        callback = s.get(Callback, 7)
        assert callback is not None and callback.status == "pending" and callback.attempts == 0


async def test_an_unsure_category_shows_its_two_choices_until_the_agent_decides_r5(desk: tuple) -> None:
    ctx, _, url = desk
    with unit_of_work(ctx.sessions) as s:
        s.add(Ticket(id=3, caller=CALLER, category="inquiry", summary="问费用", owner="101", status="open",
                     category_confidence=0.41, category_choices=["inquiry", "billing"]))
    async with _client(url, "101") as client:
        page = await client.get("/desk?agent=101")
        assert 'id="ticket-category-ask"' in page.text
        ticket = (await client.get("/desk/api/tickets/3")).json()
        assert ticket["category_choices"] == ["inquiry", "billing"] and ticket["category_confidence"] == 0.41
        decided = await client.post("/desk/api/tickets/3", json={"category": "billing"})
        assert decided.json()["ticket"]["category"] == "billing"
        assert decided.json()["ticket"]["category_choices"] is None


async def test_the_calls_words_status_and_heard_fields_reach_the_agents_desk_as_they_come(
        desk: tuple) -> None:
    """Issue 17 item 4, R17: the agent on the call gets both sides' words, whether the call is
    transcribed live, and the ticket fields heard so far, numbers masked; a live alert goes to the
    supervisors' desks with its call."""
    from callcenter.messages import LivePrefill, LiveStatus, LiveWords, SupervisorAlert

    ctx, _, url = desk
    async with _client(url, "101") as client, client.stream("GET", "/desk/events") as stream:
        events = EventReader(stream)
        await events.next({"state"})
        ctx.bus.publish(LiveStatus("L9", "101", "live", None, 1.0))
        ctx.bus.publish(LiveWords("L9", "101", "caller", "电话 是 一 三 八 零 零 一 三 八 零 零 零", False,
                                  0.2, 3.1, 2.0))
        ctx.bus.publish(LivePrefill("L9", "101", {"phone": CALLER, "address": "3号楼2单元501"}, 2.5))
        status = await events.next({"live_status"})
        words = await events.next({"live_words"})
        fields = await events.next({"prefill"})
    assert (status["data"]["linkedid"], status["data"]["state"]) == ("L9", "live")
    assert (words["data"]["side"], words["data"]["final"]) == ("caller", False)
    assert "138****8000" in words["data"]["text"] and "一 三 八 零 零 一" not in words["data"]["text"]
    assert fields["data"] == {"linkedid": "L9", "phone": "138****8000", "address": "3号楼2单元501"}
    async with _client(url, "900") as client, client.stream("GET", "/desk/events") as stream:
        events = EventReader(stream)
        await events.next({"state"})
        ctx.bus.publish(SupervisorAlert(kind="live_forbidden", text="禁用语“我们不管”：这个 我们 不管",
                                        ticket_id=None, callback_id=None, at=3.0, linkedid="L9",
                                        words="这个 我们 不管", agent_id="101"))
        alert = await events.next({"alert"})
    assert (alert["data"]["kind"], alert["data"]["linkedid"], alert["data"]["agent_id"]) == (
        "live_forbidden", "L9", "101")
