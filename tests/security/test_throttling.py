"""Login throttling (issue: 13 wrong passwords a second, no lock, nothing audited, and the
answer's timing told whether a 工号 exists): growing delays per 工号 and per address, then a
temporary lock; every failure audited; unknown 工号 go through the same scrypt work."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from callcenter.clock import FrozenClock
from callcenter.db.models.web import AuditEntry
from callcenter.db.session import unit_of_work
from callcenter.service import ServiceContext
from callcenter.web import login, password_worker, scrypt
from callcenter.web.password_worker import WORKER
from tests.browser.webapp import AGENT, OTHER_AGENT, SUPERVISOR, password
from tests.support import web as web_fixtures
from tests.support.csrf import form_token, post_login

ctx = web_fixtures.ctx  # the hand-computed day, on SQLite and PostgreSQL; a FrozenClock at noon
client = web_fixtures.client


@pytest.fixture(autouse=True)
def no_tarpit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused logins are held up to 5 s against floods; the tests' clock is frozen, so no wait."""
    monkeypatch.setattr(login, "TARPIT_SECONDS", 0.0)
    monkeypatch.setattr(login, "BUSY_TARPIT_SECONDS", 0.0)


def clock_of(ctx: ServiceContext) -> FrozenClock:
    assert isinstance(ctx.clock, FrozenClock)
    return ctx.clock


def audit_rows(ctx: ServiceContext) -> list[tuple[str, str, str]]:
    with unit_of_work(ctx.sessions) as session:
        rows = session.execute(select(AuditEntry.user_id, AuditEntry.action,
                                      AuditEntry.detail).order_by(AuditEntry.id))
        return [(u, a, d) for u, a, d in rows]


async def test_delays_grow_after_three_failures_and_refuse_even_the_right_password(
        ctx: ServiceContext, client: AsyncClient) -> None:
    for _ in range(3):
        assert (await post_login(client, AGENT, "wrong-password")).status_code == 401
    early = await post_login(client, AGENT, password(AGENT))
    assert early.status_code == 429 and "请 1 秒后再试" in early.text and early.headers["retry-after"] == "1"
    clock_of(ctx).advance(1)
    assert (await post_login(client, AGENT, "wrong-password")).status_code == 401  # the 4th failure
    clock_of(ctx).advance(1)
    assert (await post_login(client, AGENT, password(AGENT))).status_code == 429  # now 2 s
    clock_of(ctx).advance(1)
    assert (await post_login(client, AGENT, password(AGENT))).status_code == 303
    assert [a for _, a, _ in audit_rows(ctx)] == ["login_failed"] * 4 + ["login"]


async def test_ten_failures_lock_the_account_for_the_lock_time(
        ctx: ServiceContext, client: AsyncClient) -> None:
    for _ in range(10):
        assert (await post_login(client, SUPERVISOR, "wrong-password")).status_code == 401
        clock_of(ctx).advance(300)  # never too early: every try is checked and counted
    locked = await post_login(client, SUPERVISOR, password(SUPERVISOR))
    assert locked.status_code == 429 and "尝试次数过多" in locked.text
    clock_of(ctx).advance(15 * 60 - 300 - 1)
    assert (await post_login(client, SUPERVISOR, password(SUPERVISOR))).status_code == 429
    clock_of(ctx).advance(2)
    assert (await post_login(client, SUPERVISOR, password(SUPERVISOR))).status_code == 303
    actions = [a for _, a, _ in audit_rows(ctx)]
    assert actions.count("login_failed") == 10 and actions.count("login_locked") == 1


async def test_one_address_guessing_many_ids_is_slowed_too(ctx: ServiceContext, client: AsyncClient) -> None:
    for user_id in ("101", "102", "103"):
        assert (await post_login(client, user_id, "wrong-password")).status_code == 401
    answer = await post_login(client, "201", password("201"))  # a fresh 工号, the same address
    assert answer.status_code == 429


async def test_a_success_clears_the_ids_count_but_not_the_addresss(
        ctx: ServiceContext, client: AsyncClient) -> None:
    for _ in range(2):
        await post_login(client, AGENT, "wrong-password")
    await post_login(client, OTHER_AGENT, "wrong-password")  # the address has 3 failures
    clock_of(ctx).advance(1)
    assert (await post_login(client, AGENT, password(AGENT))).status_code == 303  # clears 101's count only
    assert (await post_login(client, OTHER_AGENT, "wrong-password")).status_code == 401  # the address's 4th
    assert (await post_login(client, AGENT, "wrong-password")).status_code == 429  # the address waits 2 s


async def test_an_unknown_id_answers_like_a_known_one_after_the_same_scrypt_work(
        ctx: ServiceContext, client: AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str | None] = []
    real = WORKER.check

    async def spy(given: str, stored: str | None) -> bool:
        checked.append(stored)
        return await real(given, stored)

    monkeypatch.setattr(WORKER, "check", spy)
    known = await post_login(client, AGENT, "wrong-password")
    clock_of(ctx).advance(3600)  # the address's count aside
    unknown = await post_login(client, "99999", "wrong-password")
    assert (known.status_code, unknown.status_code) == (401, 401)
    assert known.text.replace(form_token(known.text), "") == \
        unknown.text.replace(form_token(unknown.text), "")
    assert len(checked) == 2 and checked[0] is not None and checked[1] is None  # both to the worker
    rows = audit_rows(ctx)
    assert [(u, a) for u, a, _ in rows] == [(AGENT, "login_failed"), ("99999", "login_failed")]
    assert all("from 127.0.0.1" in d for _, _, d in rows)


def test_the_worker_checks_an_unknown_id_against_the_dummy_hash_with_the_same_scrypt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = scrypt.verify_password

    def spy(given: str, stored: str) -> bool:
        checked.append(stored)
        return real(given, stored)

    monkeypatch.setattr(scrypt, "verify_password", spy)
    known = scrypt.hash_password("the-right-password")
    assert scrypt.verify_or_dummy("the-right-password", known)
    assert not scrypt.verify_or_dummy("the-right-password", None)
    assert checked == [known, scrypt.dummy_hash()]
    assert known.split("$")[:4] == scrypt.dummy_hash().split("$")[:4]  # the same scrypt cost


async def test_a_login_refused_busy_is_audited_counted_per_id_and_address(
        ctx: ServiceContext, client: AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(password_worker, "MAX_WAITING", 0)  # every check finds the worker's hands full
    first = await post_login(client, AGENT, password(AGENT))
    assert first.status_code == 503 and "登录繁忙" in first.text
    assert [(u, a) for u, a, _ in audit_rows(ctx)] == [(AGENT, "login_busy")]  # the first at once
    for _ in range(3):  # within the second: counted, written together with the next one after it
        assert (await post_login(client, AGENT, "wrong-password")).status_code == 503
    assert len(audit_rows(ctx)) == 1
    clock_of(ctx).advance(1)
    assert (await post_login(client, "99999", "wrong-password")).status_code == 503
    rows = audit_rows(ctx)
    assert [(u, a) for u, a, _ in rows] == [(AGENT, "login_busy")] * 2 + [("99999", "login_busy")]
    assert "from 127.0.0.1: 1 refused" in rows[0][2] and "from 127.0.0.1: 3 refused" in rows[1][2]
    assert "1 refused" in rows[2][2]


async def test_an_overlong_id_or_password_is_refused_in_words_without_scrypt(client: AsyncClient) -> None:
    token = form_token((await client.get("/login")).text)
    answer = await client.post("/login", data={"user_id": "1" * 33, "password": "x", "csrf_token": token},
                               headers={"accept": "text/html"})
    assert answer.status_code == 422 and "user_id" in answer.text


async def test_a_throttled_login_from_another_origin_or_without_its_token_is_still_refused_as_csrf(
        ctx: ServiceContext, client: AsyncClient) -> None:
    """Throttled logins are answered before the routes (login_gate.py), never before the CSRF check."""
    for _ in range(3):
        assert (await post_login(client, AGENT, "wrong-password")).status_code == 401
    token = form_token((await client.get("/login")).text)
    form = {"user_id": AGENT, "password": "wrong-password", "csrf_token": token}
    crossed = await client.post("/login", data=form, headers={"origin": "http://127.0.0.1:8666"})
    tokenless = await client.post("/login", data={**form, "csrf_token": "forged"})
    assert crossed.status_code == 403 and tokenless.status_code == 403
    assert (await client.post("/login", data=form)).status_code == 429
    assert [a for _, a, _ in audit_rows(ctx)] == ["login_failed"] * 3


async def test_a_login_refused_early_keeps_the_form_the_next_page_and_its_metrics_label(
        ctx: ServiceContext, client: AsyncClient) -> None:
    from callcenter.observability.metrics import REGISTRY

    def refused() -> float:
        return REGISTRY.get_sample_value("callcenter_web_requests_total",
                                         {"method": "POST", "route": "/login", "status": "429"}) or 0.0

    for _ in range(3):
        assert (await post_login(client, AGENT, "wrong-password")).status_code == 401
    before = refused()
    early = await post_login(client, AGENT, "wrong-password", next="/wallboard")
    assert early.status_code == 429 and "请 1 秒后再试" in early.text
    assert 'value="/wallboard"' in early.text and form_token(early.text)  # the form, ready to try again
    assert refused() - before == 1  # counted under its route, as every answer

