"""Edges answer in words: every bad parameter that used to give HTTP 500 now gets 400/404 with a
Chinese-first page (English with ?lang=en, a way back) or RFC 9457 problem details on the APIs;
nothing reaches the log as a traceback; refused exports are not audited as exports (R17)."""

from __future__ import annotations

import logging

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from callcenter.db.models.tickets import Ticket
from callcenter.db.models.web import AuditEntry
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from tests.browser.webapp import AGENT, SUPERVISOR, login, password
from tests.support import web as web_fixtures

ctx = web_fixtures.ctx  # the hand-computed day, on SQLite and PostgreSQL
client = web_fixtures.client
HTML = {"accept": "text/html"}

BAD_PAGES = [
    ("/reports?from=0001-01-01", 400, "out of range"),
    ("/reports?to=9999-12-31", 400, "out of range"),
    ("/calls?from=9999-12-31&to=9999-12-31", 400, "out of range"),
    ("/calls?page=99999999999999999999", 400, "page must be"),
    ("/calls?page=0", 400, "page must be"),
    ("/calls?page=abc", 400, "page must be"),
    ("/calls/999999999999999999999", 404, "没有这通通话"),  # a known reason, in Chinese
    ("/calls/1/recordings/99999999999999999999", 404, "没有这段录音"),
    ("/spot-checks?day=0001-01-01", 400, "out of range"),
    ("/calls/1%00", 400, "NUL"),
    ("/static/app.css%00x", 400, "NUL"),
    ("/calls?key=%00&by=agent", 400, "NUL"),
    ("/no-such-page", 404, ""),
]
BAD_API = [
    ("/api/calls?page=99999999999999999999", 400),
    ("/api/calls/999999999999999999999", 404),
    ("/api/reports/answer-times?from=0001-01-01", 400),
    ("/api/reports/answer-times?by=nonsense", 400),
    ("/desk/api/tickets/99999999999999999999", 404),
    ("/api/calls?from=2026-11-24&to=2026-11-24%00", 400),
]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text


@pytest.mark.parametrize(("path", "status", "words"), BAD_PAGES)
async def test_bad_page_parameters_answer_with_a_chinese_page_and_a_way_back(
        client: AsyncClient, caplog: pytest.LogCaptureFixture, path: str, status: int, words: str) -> None:
    await login(client, SUPERVISOR)
    response = await client.get(path, headers=HTML)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert {400: "请求有误", 404: "找不到该页面"}[status] in response.text
    assert words in response.text and 'href="/"' in response.text and "返回首页" in response.text
    assert "Traceback" not in response.text
    no_tracebacks(caplog)


async def test_error_pages_speak_english_with_lang_en(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    response = await client.get("/reports?from=0001-01-01&lang=en", headers=HTML)
    assert response.status_code == 400
    assert "Bad request" in response.text and "Back to the start" in response.text
    assert "请求有误" not in response.text


@pytest.mark.parametrize(("path", "status"), BAD_API)
async def test_bad_api_parameters_answer_with_problem_details(
        client: AsyncClient, caplog: pytest.LogCaptureFixture, path: str, status: int) -> None:
    await login(client, SUPERVISOR)
    response = await client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    no_tracebacks(caplog)


async def test_a_method_not_allowed_and_a_bad_form_answer_in_words(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    response = await client.delete("/reports", headers=HTML)
    assert response.status_code == 405 and "不支持该操作" in response.text
    invalid = await client.post("/spot-checks/1/reviewed", data={}, headers=HTML)  # no day
    assert invalid.status_code == 422 and "填写的内容有误" in invalid.text and "day" in invalid.text


async def test_a_refused_export_is_not_audited_as_an_export(ctx: ServiceContext, client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    for path in ("/reports/export.pdf", "/calls/export.html", "/reports/export.csv?from=0001-01-01"):
        assert (await client.get(path)).status_code in (400, 404)
    with unit_of_work(ctx.sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == SUPERVISOR)))
    assert actions == ["login"]


def add_ticket(ctx: ServiceContext) -> None:
    with unit_of_work(ctx.sessions) as session:
        session.add(Ticket(id=1, caller="13800138000", phone="13800138000", caller_name="张先生",
                           address="3栋2单元501", category="repair", summary="厨房漏水", owner=AGENT,
                           status="open"))


def ticket_summary(ctx: ServiceContext) -> str:
    with unit_of_work(ctx.sessions) as session:
        ticket = session.get(Ticket, 1)
        assert ticket is not None
        return ticket.summary


async def test_a_20_mb_ticket_summary_is_refused_and_nothing_is_stored(ctx: ServiceContext,
                                                                       client: AsyncClient) -> None:
    add_ticket(ctx)
    await login(client, AGENT)
    huge = await client.post("/desk/api/tickets/1", json={"summary": "漏" * (20 * 1024 * 1024 // 3)})
    assert huge.status_code == 413 and "KB" in huge.json()["detail"]
    too_long = await client.post("/desk/api/tickets/1", json={"summary": "漏" * 2001})
    assert too_long.status_code == 422 and "summary: at most 2000 characters" in too_long.json()["detail"]
    long_address = await client.post("/desk/api/tickets/1", json={"address": "3" * 65})
    assert long_address.status_code == 422 and "address" in long_address.json()["detail"]
    nul = await client.post("/desk/api/tickets/1", json={"summary": "a\u0000b"})
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
    assert ticket_summary(ctx) == "厨房漏水"


async def test_security_headers_on_every_response(client: AsyncClient) -> None:
    for path in ("/login", "/static/app.css", "/no-such-page", "/api/calls"):
        headers = (await client.get(path, headers=HTML)).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    await login(client, SUPERVISOR)
    page = await client.get("/calls?from=2026-11-24&to=2026-11-24")
    assert page.headers["cache-control"] == "no-store" and "13800138000" in page.text
    assert (await client.get("/api/calls")).headers["cache-control"] == "no-store"


async def test_pages_have_no_inline_script_or_style_the_csp_would_block(client: AsyncClient) -> None:
    await login(client, SUPERVISOR)
    for path in ("/reports?from=2026-11-24&to=2026-11-24", "/calls?from=2026-11-24&to=2026-11-24",
                 "/wallboard",
                 "/spot-checks?day=2026-11-24", "/followups", "/account/password", "/account/users"):
        page = (await client.get(path)).text
        assert "style=" not in page and " onclick=" not in page and " onsubmit=" not in page, path
        assert "<script>" not in page, path


async def test_nothing_counts_a_huge_body_or_a_nul_before_login(ctx: ServiceContext,
                                                                client: AsyncClient) -> None:
    big = await client.post("/login", content=b"user_id=1&password=" + b"x" * (300 * 1024),
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413
    with unit_of_work(ctx.sessions) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_an_unexpected_failure_answers_in_words_without_its_traceback(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from httpx import ASGITransport

    from callcenter.web import pages
    from callcenter.web.app import create_app

    def broken(*_: object) -> None:
        raise RuntimeError("secret internals /var/lib/callcenter")

    monkeypatch.setattr(pages, "load_reports", broken)
    transport = ASGITransport(app=create_app(ctx), raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        await login(http, SUPERVISOR)
        page = await http.get("/reports", headers=HTML)
        assert page.status_code == 500 and "系统出错了" in page.text and 'href="/"' in page.text
        assert "secret internals" not in page.text and "Traceback" not in page.text
        english = await http.get("/reports?lang=en", headers=HTML)
        assert "Something went wrong" in english.text


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example/", "/\\evil.example", "https://evil.example/"])
async def test_login_never_sends_the_browser_to_another_site(client: AsyncClient, target: str) -> None:
    from tests.support.csrf import post_login

    answer = await post_login(client, AGENT, password(AGENT), next=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/reports"
