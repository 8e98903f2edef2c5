"""Access control (R17): nothing without a login, agents see only their own calls and masked
numbers, supervisors see all, every export and every call view is audited."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from callcenter.db.models.calls import Call
from callcenter.db.models.web import AuditEntry
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from callcenter.web.auth import mask_phone
from tests.browser.webapp import AGENT, OTHER_AGENT, SUPERVISOR, login, password
from tests.support import web as web_fixtures
from tests.support.csrf import post_login

DAY = "from=2026-11-24&to=2026-11-24"
ctx = web_fixtures.ctx  # the hand-computed day (tests/support/web.py)
client = web_fixtures.client


def call_id(ctx: ServiceContext, linkedid: str) -> int:
    with unit_of_work(ctx.sessions) as session:
        return session.scalars(select(Call.id).where(Call.linkedid == linkedid)).one()


def audit_actions(ctx: ServiceContext, user_id: str) -> list[str]:
    with unit_of_work(ctx.sessions) as session:
        return list(session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == user_id)
                                    .order_by(AuditEntry.id)))


@pytest.mark.parametrize("path", ["/reports", "/calls", "/calls/1", "/wallboard", "/spot-checks",
                                  f"/reports/export.csv?{DAY}", "/calls/1/recordings/0"])
async def test_pages_redirect_to_login_without_a_session(client: AsyncClient, path: str) -> None:
    response = await client.get(path, follow_redirects=False, headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert "13800138000" not in response.text


@pytest.mark.parametrize("path", ["/api/reports/answer-times", "/api/calls", "/api/calls/1", "/api/wallboard",
                                  "/wallboard/events"])
async def test_the_api_answers_401_without_a_session(client: AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.status_code == 401 and response.json()["detail"] == "login required"


async def test_a_wrong_password_does_not_log_in(client: AsyncClient) -> None:
    response = await post_login(client, SUPERVISOR, "wrong")
    assert response.status_code == 401
    assert "工号或密码错误" in response.text
    assert (await client.get("/api/calls")).status_code == 401


async def test_an_agent_cannot_open_another_agents_call_or_recording(ctx: ServiceContext,
                                                                     client: AsyncClient) -> None:
    await login(client, AGENT)
    others = call_id(ctx, "H")  # answered by 102
    assert (await client.get(f"/calls/{others}")).status_code == 403
    assert (await client.get(f"/api/calls/{others}")).status_code == 403
    assert (await client.get(f"/calls/{call_id(ctx, 'A')}/recordings/0")).status_code == 200  # their own
    await login(client, OTHER_AGENT)
    assert (await client.get(f"/calls/{call_id(ctx, 'A')}/recordings/0")).status_code == 403


async def test_an_agent_sees_only_their_own_figures_and_masked_numbers(ctx: ServiceContext,
                                                                       client: AsyncClient) -> None:
    await login(client, AGENT)
    data = (await client.get(f"/api/reports/answer-times?{DAY}&by=agent")).json()
    assert [row["key"] for row in data["rows"]] == [AGENT]
    calls = (await client.get(f"/api/calls?{DAY}")).json()["calls"]
    assert {c["linkedid"] for c in calls} == {"A", "B"}  # the calls they answered
    rang_out = (await client.get(f"/api/calls?{DAY}&figure=ring_no_answer")).json()["calls"]
    assert {c["linkedid"] for c in rang_out} == {"C", "D"}  # and those that rang out at their phone
    assert {c["caller"] for c in calls} == {"138****8000"}
    page = await client.get(f"/calls/{call_id(ctx, 'A')}")
    assert "138****8000" in page.text and "13800138000" not in page.text
    export = await client.get(f"/calls/export.csv?{DAY}")
    assert "13800138000" not in export.text and "138****8000" in export.text


async def test_a_supervisor_sees_every_call_and_whole_numbers(ctx: ServiceContext,
                                                              client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    calls = (await client.get(f"/api/calls?{DAY}")).json()
    assert calls["total"] == 8
    assert "13912345678" in {c["caller"] for c in calls["calls"]}
    assert (await client.get("/spot-checks?day=2026-11-24")).status_code == 200


async def test_agents_may_not_open_the_spot_checks(client: AsyncClient) -> None:
    await login(client, AGENT)
    assert (await client.get("/spot-checks")).status_code == 403


async def test_every_export_and_call_view_is_audited(ctx: ServiceContext, client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    await client.get(f"/reports/export.csv?{DAY}")
    await client.get(f"/reports/export.xlsx?{DAY}")
    await client.get(f"/calls/export.csv?{DAY}&figure=late")
    await client.get(f"/calls/{call_id(ctx, 'A')}")
    await client.get(f"/calls/{call_id(ctx, 'A')}/recordings/1")
    assert audit_actions(ctx, SUPERVISOR) == ["login", "export_csv", "export_xlsx", "export_csv", "view_call",
                                              "play_recording"]


def test_mask_phone_keeps_prefix_and_last_four() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("8101") == "**01"
    assert mask_phone(None) is None


async def test_logout_ends_the_session(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    assert (await client.get("/api/calls")).status_code == 200
    await client.post("/logout")
    assert (await client.get("/api/calls")).status_code == 401
    assert password(SUPERVISOR) not in (await client.get("/login")).text
