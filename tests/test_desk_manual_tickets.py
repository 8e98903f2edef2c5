"""Manual tickets over the desk's HTTP API (R4, R14, R15, R17): the agent opens the ticket of a
call they answered, during it or after; it is prefilled from the caller's history, opening it again
gives the same ticket, only the agent who took the call (or a supervisor for them) may open it, the
post needs the session's CSRF token, and the transcript's draft merges into it with its
differences flagged, numbers masked for agents."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select, text

from callcenter.agents.component import AgentsComponent
from callcenter.calls.model import AgentRingEnded, AgentRinging
from callcenter.db.models.agents import DeskAction
from callcenter.db.models.calls import Agent, Call
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from callcenter.tickets.intake import CallFacts, ingest
from callcenter.tickets.transcript import Turn
from tests import test_desk_web as desk_web
from tests.test_desk_web import CALLER, _client

desk = desk_web.desk  # the desk fixture: agents component, web app, tickets 1 (101's) and 2 (102's)
Desk = tuple[ServiceContext, AgentsComponent, str]

LINKEDID = "1764050000.42"
# The caller gives another flat and another number than the desk's prefill from history.
TRANSCRIPT = [Turn("agent", "您好 深科 物业 服务 中心 工号 一 零 一 很 高兴 为 您 服务"),
              Turn("caller", "我 姓 张 五 栋 一 单元 一 二 零 二 卫生间 的 灯 不 亮 了"),
              Turn("caller", "电话 打 一 三 九 零 零 一 三 九 零 零 零"),
              Turn("agent", "好 的 感谢 您 的 来电 再见")]


def after_the_fixtures_ids(ctx: ServiceContext) -> None:
    """The desk fixture stores tickets 1 and 2 by id: PostgreSQL's sequence is moved past them."""
    if ctx.engine.dialect.name == "postgresql":
        with unit_of_work(ctx.sessions) as s:
            s.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                           "(SELECT max(id) FROM tickets))"))


async def answered_at_101(ctx: ServiceContext, linkedid: str = LINKEDID) -> None:
    """What the tracker publishes when 101's phone rings for the caller and 101 answers (C1)."""
    after_the_fixtures_ids(ctx)
    now = ctx.clock.time()
    ctx.bus.publish(AgentRinging(linkedid=linkedid, caller=CALLER, queue="repair", agent="PJSIP/8101",
                                 member_name="李秀英", attempt=1, caller_ring_started_at=now - 3, at=now - 3))
    ctx.bus.publish(AgentRingEnded(linkedid=linkedid, agent="PJSIP/8101", outcome="answered",
                                   ring_seconds=3.0, at=now))
    await ctx.bus.drain()


def draft_arrives(ctx: ServiceContext) -> str:
    """After the hang-up the call is stored and its transcript's draft is taken in (C4/C5)."""
    now = ctx.clock.now()
    with unit_of_work(ctx.sessions) as s:
        call = Call(server=ctx.settings.pbx_name, linkedid=LINKEDID, caller=CALLER, queue="repair",
                    started_at=now - dt.timedelta(minutes=2), ended_at=now, answered=True,
                    within_rule=True, greeting="standard", hangup_first="caller")
        s.add(call)
        s.flush()
        facts = CallFacts(call.id, CALLER, "101", False, server=call.server, linkedid=LINKEDID)
        return ingest(s, ctx.settings.hotline, TRANSCRIPT, facts, now).change


async def test_an_agent_opens_the_ticket_of_the_call_they_answered_prefilled_r4_r15(desk: Desk) -> None:
    ctx, _, url = desk
    await answered_at_101(ctx)
    async with _client(url, "101") as client:
        opened = await client.post(f"/desk/api/calls/{LINKEDID}/ticket", json={})
        assert opened.status_code == 200, opened.text
        ticket = opened.json()["ticket"]
        assert opened.json()["created"] is True
        assert (ticket["caller_name"], ticket["address"], ticket["category"], ticket["owner"]) == (
            "张先生", "3栋2单元501", "repair", "101")
        assert ticket["phone"] == ticket["caller"] == "138****8000"  # R17
        assert "summary" in ticket["missing"]
        again = await client.post(f"/desk/api/calls/{LINKEDID}/ticket", json={})
        assert again.json() == {"ticket": ticket, "created": False}
        audit = (await client.get("/desk/api/audit")).json()
    assert [a["action"] for a in audit[:2]] == ["ticket_open", "ticket_open"]
    with unit_of_work(ctx.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.caller == CALLER)) == 2


async def test_only_the_agent_who_took_the_call_or_a_supervisor_for_them_opens_its_ticket_r17(
        desk: Desk) -> None:
    ctx, _, url = desk
    await answered_at_101(ctx)
    async with _client(url, "102") as other:
        refused = await other.post(f"/desk/api/calls/{LINKEDID}/ticket", json={})
        assert refused.status_code == 403 and "自己接听" in refused.json()["error"]
        assert (await other.post(f"/desk/api/calls/{LINKEDID}/ticket?agent=101", json={})).status_code == 403
    async with _client(url, "101") as agent:
        unknown = await agent.post("/desk/api/calls/1764050000.99/ticket", json={})
        assert unknown.status_code == 403
        assert (await agent.post("/desk/api/calls/a%20b/ticket", json={})).status_code in (404, 422)
    async with _client(url, "900") as supervisor:
        answer = await supervisor.post(f"/desk/api/calls/{LINKEDID}/ticket?agent=101", json={})
        assert answer.status_code == 200 and answer.json()["ticket"]["phone"] == CALLER
        assert answer.json()["ticket"]["owner"] == "101"
    with unit_of_work(ctx.sessions) as s:
        refusals = s.scalars(select(DeskAction).where(DeskAction.ok.is_(False))).all()
        assert {(r.actor, r.action) for r in refusals} == {("102", "ticket_open"), ("101", "ticket_open")}


async def test_opening_a_calls_ticket_needs_the_sessions_csrf_token(desk: Desk) -> None:
    ctx, _, url = desk
    await answered_at_101(ctx)
    async with _client(url, "101") as client:
        client.headers.pop("X-CSRF-Token")
        answer = await client.post(f"/desk/api/calls/{LINKEDID}/ticket", json={})
    assert answer.status_code == 403
    with unit_of_work(ctx.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 2  # the two of the fixture


async def test_after_a_restart_the_stored_call_says_who_took_it(desk: Desk) -> None:
    ctx, _, url = desk
    after_the_fixtures_ids(ctx)
    now = ctx.clock.now()
    with unit_of_work(ctx.sessions) as s:
        if s.get(Agent, "101") is None:
            s.add(Agent(id="101", name="李秀英", extension="8101", interface="PJSIP/8101"))
            s.flush()
        s.add(Call(server=ctx.settings.pbx_name, linkedid="1764050000.7", caller=CALLER, agent_id="101",
                   started_at=now, ended_at=now, answered=True, hangup_first="caller"))
    async with _client(url, "101") as client:
        answer = await client.post("/desk/api/calls/1764050000.7/ticket", json={})
    assert answer.status_code == 200 and answer.json()["created"] is True


async def test_the_draft_merges_into_the_desks_ticket_and_the_agent_decides_the_differences(
        desk: Desk) -> None:
    ctx, _, url = desk
    await answered_at_101(ctx)
    async with _client(url, "101") as client:
        ticket = (await client.post(f"/desk/api/calls/{LINKEDID}/ticket", json={})).json()["ticket"]
        saved = await client.post(f"/desk/api/tickets/{ticket['id']}", json={"summary": "卫生间灯不亮"})
        assert saved.status_code == 200
        assert draft_arrives(ctx) == "merged"
        merged = (await client.get(f"/desk/api/tickets/{ticket['id']}")).json()
        differences = {d["field"]: (d["ticket"], d["draft"]) for d in merged["draft_differences"]}
        assert differences["address"] == ("3栋2单元501", "5栋1单元1202")
        assert differences["phone"] == ("138****8000", "139****9000")  # R17: masked for agents
        assert merged["summary"] == "卫生间灯不亮"  # the agent's words stay
        adopted = await client.post(f"/desk/api/tickets/{ticket['id']}/adopt", json={"field": "address"})
        assert adopted.json()["ticket"]["address"] == "5栋1单元1202"
        kept = await client.post(f"/desk/api/tickets/{ticket['id']}/keep", json={"field": "phone"})
        assert [d["field"] for d in kept.json()["ticket"]["draft_differences"] or []] == [
            f for f in differences if f not in ("address", "phone")]
    async with _client(url, "900") as supervisor:
        whole = (await supervisor.get(f"/desk/api/tickets/{ticket['id']}?agent=101")).json()
        assert whole["phone"] == CALLER
    with unit_of_work(ctx.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.caller == CALLER)) == 2
        stored = s.get(Ticket, ticket["id"])
        assert stored is not None and stored.call_id is not None and stored.phone == CALLER


async def test_the_desk_page_offers_the_calls_ticket_chinese_first(desk: Desk) -> None:
    _, _, url = desk
    async with httpx.AsyncClient(base_url=url) as client:
        from tests.support.desk import login

        await login(client, "101")
        page = (await client.get("/desk")).text
        english = (await client.get("/desk?lang=en")).text
    assert "为本次通话开工单" in page and 'id="ticket-differences"' in page
    assert "Open a ticket for this call" in english


async def test_a_reloaded_desk_still_knows_the_call_it_answered_last(desk: Desk) -> None:
    ctx, _, url = desk
    async with _client(url, "101") as agent, _client(url, "102") as other:
        assert (await agent.get("/desk/api/calls/last")).json() == {}
        await answered_at_101(ctx)
        assert (await agent.get("/desk/api/calls/last")).json() == {"linkedid": LINKEDID}
        assert (await other.get("/desk/api/calls/last")).json() == {}  # not 102's call
        assert (await other.get("/desk/api/calls/last?agent=101")).status_code == 403
