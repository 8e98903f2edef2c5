"""CSRF (issue: a page on another port of the same host marked a spot check reviewed with the
supervisor's cookie; /login had no protection): every state-changing route wants the session's
token, and a request from another origin is refused even with it. Nothing changes on refusal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import Ticket
from callcenter.db.models.web import AuditEntry, SpotCheckMark, WebSession
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from tests.browser.webapp import AGENT, SUPERVISOR, login, password
from tests.support import web as web_fixtures
from tests.support.browser import CHROMIUM, sign_in
from tests.support.csrf import form_token
from tests.support.web import running_web

ctx = web_fixtures.ctx  # the hand-computed day, on SQLite and PostgreSQL
client = web_fixtures.client
DAY = "2026-11-24"
OTHER_PORT = "http://testserver:8081"  # the same host, another port: same site, another origin
FORM = {"content-type": "application/x-www-form-urlencoded"}


def a_call(ctx: ServiceContext) -> int:
    with unit_of_work(ctx.sessions) as session:
        return session.scalars(select(Call.id).where(Call.linkedid == "A")).one()


def marks(ctx: ServiceContext) -> int:
    with unit_of_work(ctx.sessions) as session:
        return session.scalar(select(func.count()).select_from(SpotCheckMark)) or 0


async def as_victim(client: AsyncClient) -> str:
    """The supervisor is logged in; the attacker's requests carry the cookie, never the token."""
    await login(client, SUPERVISOR)
    return client.headers.pop("X-CSRF-Token")


async def test_a_page_on_another_port_cannot_mark_a_spot_check_reviewed(ctx: ServiceContext,
                                                                         client: AsyncClient) -> None:
    await as_victim(client)
    # What Chromium sends for a form auto-submitted by a page on http://testserver:8081/.
    attack = await client.post(f"/spot-checks/{a_call(ctx)}/reviewed", content=f"day={DAY}",
                               headers={**FORM, "origin": OTHER_PORT, "sec-fetch-site": "same-site",
                                        "referer": f"{OTHER_PORT}/prize"})
    assert attack.status_code == 403 and "CSRF" in attack.text
    assert marks(ctx) == 0


async def test_another_origin_is_refused_even_with_the_right_token(ctx: ServiceContext,
                                                                   client: AsyncClient) -> None:
    token = await as_victim(client)
    for headers in ({"origin": OTHER_PORT}, {"referer": f"{OTHER_PORT}/x"}, {"origin": "null"},
                    {"sec-fetch-site": "cross-site"}):
        attack = await client.post(f"/spot-checks/{a_call(ctx)}/reviewed",
                                   content=f"day={DAY}&csrf_token={token}", headers={**FORM, **headers})
        assert attack.status_code == 403, headers
    assert marks(ctx) == 0


async def test_a_form_without_the_token_or_with_a_wrong_one_changes_nothing(ctx: ServiceContext,
                                                                             client: AsyncClient) -> None:
    await as_victim(client)
    for body in (f"day={DAY}", f"day={DAY}&csrf_token=guessed", f"day={DAY}&csrf_token="):
        answer = await client.post(f"/spot-checks/{a_call(ctx)}/reviewed", content=body, headers=FORM)
        assert answer.status_code == 403
    assert marks(ctx) == 0


async def test_the_same_origin_form_with_its_token_works(ctx: ServiceContext, client: AsyncClient) -> None:
    await as_victim(client)
    page = await client.get(f"/spot-checks?day={DAY}")
    answer = await client.post(f"/spot-checks/{a_call(ctx)}/reviewed",
                               content=f"day={DAY}&csrf_token={form_token(page.text)}",
                               headers={**FORM, "origin": "http://testserver",
                                        "sec-fetch-site": "same-origin"})
    assert answer.status_code == 303 and marks(ctx) == 1


async def test_the_desk_json_api_wants_the_header(ctx: ServiceContext, client: AsyncClient) -> None:
    with unit_of_work(ctx.sessions) as session:
        session.add(Ticket(id=1, caller="13800138000", phone="13800138000", category="repair",
                           summary="厨房漏水",
                           owner=AGENT, status="open"))
    await login(client, AGENT)
    token = client.headers.pop("X-CSRF-Token")
    refused = await client.post("/desk/api/tickets/1", json={"summary": "改掉"})
    assert refused.status_code == 403 and refused.json()["detail"].startswith("CSRF")
    cross = await client.post("/desk/api/tickets/1", json={"summary": "改掉"},
                              headers={"x-csrf-token": token, "origin": OTHER_PORT})
    assert cross.status_code == 403
    with unit_of_work(ctx.sessions) as session:
        assert session.get(Ticket, 1).summary == "厨房漏水"  # type: ignore[union-attr]


async def test_login_without_the_forms_token_is_refused_and_starts_no_session(ctx: ServiceContext,
                                                                               client: AsyncClient) -> None:
    # Login CSRF: another page logging the victim's browser in as someone else.
    answer = await client.post("/login", data={"user_id": AGENT, "password": password(AGENT)})
    assert answer.status_code == 403
    async with AsyncClient(transport=client._transport, base_url="http://testserver") as attacker:
        attackers_token = form_token((await attacker.get("/login")).text)
    await client.get("/login")  # the victim's own pre-session token differs from the attacker's
    answer = await client.post("/login", data={"user_id": AGENT, "password": password(AGENT),
                                               "csrf_token": attackers_token})
    assert answer.status_code == 403
    with unit_of_work(ctx.sessions) as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_the_token_changes_at_login(client: AsyncClient) -> None:
    before = form_token((await client.get("/login")).text)
    await login(client, SUPERVISOR)
    assert client.headers["X-CSRF-Token"] != before


async def test_logout_from_another_origin_does_not_end_the_session(client: AsyncClient) -> None:
    await as_victim(client)
    assert (await client.post("/logout", headers={"origin": OTHER_PORT})).status_code == 403
    assert (await client.get("/api/calls")).status_code == 200


@contextlib.asynccontextmanager
async def attacker_site(html: str) -> AsyncIterator[int]:
    """A plain page server on another port of 127.0.0.1: same host, same site, another origin."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = html.encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.browser
async def test_in_chromium_a_page_on_another_port_cannot_mark_a_spot_check(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright

    async with running_web(tmp_path) as web:
        ctx = web.ctx
        target = f"http://127.0.0.1:{web.port}/spot-checks/{a_call(ctx)}/reviewed"
        html = (f'<form id="f" method="post" action="{target}"><input name="day" value="{DAY}"></form>'
                f'<script>fetch("{target}", {{method: "POST", mode: "no-cors", credentials: "include", '
                f'headers: {{"Content-Type": "application/x-www-form-urlencoded"}}, body: "day={DAY}"}})'
                f'.finally(() => document.getElementById("f").submit());</script>')
        async with attacker_site(html) as port, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM,
                                               args=["--headless", "--no-sandbox"])
            page: Any = await (await browser.new_context(base_url=f"http://127.0.0.1:{web.port}")).new_page()
            await sign_in(page, SUPERVISOR, password(SUPERVISOR))
            answer = await page.goto(f"http://127.0.0.1:{port}/")
            await page.wait_for_url(target)
            assert "CSRF" in await page.content() and answer is not None
            assert marks(ctx) == 0
            await page.goto(f"/spot-checks?day={DAY}")  # the supervisor's own button still works
            await page.click("form[action$='/reviewed'] button >> nth=0")
            await page.wait_for_url("**/spot-checks?day=*")
            assert marks(ctx) == 1
            await browser.close()
