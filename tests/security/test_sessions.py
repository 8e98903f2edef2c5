"""Sessions end when they should (issue: the signed cookie stayed valid 12 h after logout, a
reset or a disable): logout, own password change, a supervisor's reset and disable end them at
once, even for a copied cookie; idle and absolute timeouts come from the hotline file; the
cookie is Secure behind TLS. Every change is audited (R17)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.web import AuditEntry, WebSession
from callcenter.db.session import unit_of_work
from callcenter.errors import ConfigError
from callcenter.service import ServiceContext
from tests.browser.webapp import AGENT, OTHER_AGENT, ROOT, SUPERVISOR, login, password, web_context
from tests.support import web as web_fixtures
from tests.support.csrf import browser_login, form_token, post_login
from tests.support.web import app_client

ctx = web_fixtures.ctx  # the hand-computed day, on SQLite and PostgreSQL; a FrozenClock at noon
client = web_fixtures.client


@contextlib.asynccontextmanager
async def logged_in(ctx: ServiceContext, user_id: str) -> AsyncIterator[AsyncClient]:
    async with app_client(ctx) as http:
        await login(http, user_id)
        yield http


async def can_read(ctx: ServiceContext, cookies: dict[str, str]) -> bool:
    async with app_client(ctx) as http:
        http.cookies.update(cookies)
        return (await http.get("/api/calls")).status_code == 200


def audit_of(ctx: ServiceContext, user_id: str) -> list[tuple[str, str]]:
    with unit_of_work(ctx.sessions) as session:
        rows = session.execute(select(AuditEntry.action,
                                      AuditEntry.detail).where(AuditEntry.user_id == user_id)
                               .order_by(AuditEntry.id))
        return [(a, d) for a, d in rows]


async def test_logout_ends_the_session_even_for_a_copied_cookie(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as http:
        cookies = dict(http.cookies)
        assert await can_read(ctx, cookies)
        assert (await http.post("/logout")).status_code == 303
        assert not await can_read(ctx, cookies)
    with unit_of_work(ctx.sessions) as session:
        assert session.scalars(select(WebSession).where(WebSession.user_id == AGENT)).first() is None


async def test_logout_elsewhere_leaves_other_sessions_alone(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as phone, logged_in(ctx, AGENT) as desk:
        await phone.post("/logout")
        assert (await desk.get("/api/calls")).status_code == 200


async def change_own_password(http: AsyncClient, current: str, new: str, repeat: str | None = None) -> str:
    page = await http.get("/account/password")
    assert page.status_code == 200 and "修改密码" in page.text
    answer = await http.post("/account/password",
                             data={"current": current, "new": new, "repeat": repeat or new,
                                                         "csrf_token": form_token(page.text)})
    return f"{answer.status_code} {answer.text}"


async def test_changing_ones_password_ends_every_other_session(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as here, logged_in(ctx, AGENT) as elsewhere:
        other_cookies = dict(elsewhere.cookies)
        answer = await change_own_password(here, password(AGENT), "a-new-long-secret")
        assert answer.startswith("200") and "其他已登录的地方均已退出" in answer
        assert (await here.get("/api/calls")).status_code == 200  # this browser carries on
        assert not await can_read(ctx, other_cookies)
    async with app_client(ctx) as http:
        assert (await post_login(http, AGENT, password(AGENT))).status_code == 401
        assert (await post_login(http, AGENT, "a-new-long-secret")).status_code == 303
    assert [a for a, _ in audit_of(ctx, AGENT)].count("password_change") == 1


@pytest.mark.parametrize(("current", "new", "repeat", "words"), [
    ("wrong-current-pw", "a-new-long-secret", None, "当前密码错误"),
    (None, "a-new-long-secret", "another-new-secret", "两次输入的新密码不一致"),
    (None, "short", None, "8–256"),
])
async def test_a_refused_password_change_changes_nothing(ctx: ServiceContext, current: str | None, new: str,
                                                         repeat: str | None, words: str) -> None:
    async with logged_in(ctx, AGENT) as here, logged_in(ctx, AGENT) as elsewhere:
        answer = await change_own_password(here, current or password(AGENT), new, repeat)
        assert answer.startswith("400") and words in answer
        assert (await elsewhere.get("/api/calls")).status_code == 200
    async with app_client(ctx) as http:
        assert (await post_login(http, AGENT, password(AGENT))).status_code == 303
    assert "password_change" not in [a for a, _ in audit_of(ctx, AGENT)]


async def test_a_supervisors_reset_ends_the_agents_sessions_and_is_audited(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as agent, logged_in(ctx, SUPERVISOR) as supervisor:
        agent_cookies = dict(agent.cookies)
        page = await supervisor.get("/account/users")
        assert page.status_code == 200 and "账号管理" in page.text
        answer = await supervisor.post(f"/account/users/{AGENT}/reset",
                                       data={"csrf_token": form_token(page.text)})
        assert answer.status_code == 200 and "只显示这一次" in answer.text
        found = re.search(r'<code id="new-password">([^<]+)</code>', answer.text)
        assert found is not None
        assert not await can_read(ctx, agent_cookies)
    async with app_client(ctx) as http:
        assert (await post_login(http, AGENT, password(AGENT))).status_code == 401
        assert (await post_login(http, AGENT, found.group(1))).status_code == 303
    assert ("password_reset", f"for {AGENT}; 1 session(s) ended") in audit_of(ctx, SUPERVISOR)


async def test_an_agent_cannot_reset_or_disable_anyone(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as agent, logged_in(ctx, OTHER_AGENT) as other:
        assert (await agent.get("/account/users")).status_code == 403
        assert (await agent.post(f"/account/users/{OTHER_AGENT}/reset")).status_code == 403
        assert (await agent.post(f"/account/users/{OTHER_AGENT}/disable")).status_code == 403
        assert (await other.get("/api/calls")).status_code == 200


async def test_a_supervisor_cannot_reset_a_supervisor_here(ctx: ServiceContext) -> None:
    async with logged_in(ctx, SUPERVISOR) as supervisor:
        assert (await supervisor.post(f"/account/users/{SUPERVISOR}/reset")).status_code == 403


async def test_disabling_an_account_ends_its_sessions_and_its_logins(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as agent, logged_in(ctx, SUPERVISOR) as supervisor:
        answer = await supervisor.post(f"/account/users/{AGENT}/disable")
        assert answer.status_code == 200 and "已停用" in answer.text
        assert (await agent.get("/api/calls")).status_code == 401
        async with app_client(ctx) as http:
            refused = await post_login(http, AGENT, password(AGENT))
            assert refused.status_code == 401 and "工号或密码错误" in refused.text
        await supervisor.post(f"/account/users/{AGENT}/enable")
        async with app_client(ctx) as http:
            assert (await post_login(http, AGENT, password(AGENT))).status_code == 303
    assert [a for a, _ in audit_of(ctx, SUPERVISOR)][-2:] == ["account_disable", "account_enable"]


def clock_of(ctx: ServiceContext) -> FrozenClock:
    assert isinstance(ctx.clock, FrozenClock)
    return ctx.clock


async def test_a_session_ends_after_the_idle_time(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as http:
        clock_of(ctx).advance(59 * 60)
        assert (await http.get("/api/calls")).status_code == 200  # used: the idle time starts again
        clock_of(ctx).advance(59 * 60)
        assert (await http.get("/api/calls")).status_code == 200
        clock_of(ctx).advance(60 * 60)
        assert (await http.get("/api/calls")).status_code == 401


async def test_a_session_ends_after_the_absolute_time_even_when_busy(ctx: ServiceContext) -> None:
    async with logged_in(ctx, AGENT) as http:
        for _ in range(23):
            clock_of(ctx).advance(30 * 60)
            assert (await http.get("/api/calls")).status_code == 200
        clock_of(ctx).advance(30 * 60)  # 12 h after login
        assert (await http.get("/api/calls")).status_code == 401


def hotline_with(tmp_path: Path, web: str) -> Path:
    text = (ROOT / "hotline.example.toml").read_text(encoding="utf-8").split("\n[web]")[0]
    path = tmp_path / "hotline.toml"
    path.write_text(text + "\n[web]\n" + web, encoding="utf-8")
    return path


async def test_timeouts_come_from_the_hotline_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'short.db'}"
    from callcenter.db.session import migrate

    migrate(url)
    ctx = web_context(url, tmp_path, CALLCENTER_HOTLINE=str(hotline_with(
        tmp_path, "session_idle_minutes = 5\nsession_max_hours = 1\n")))
    try:
        async with logged_in(ctx, AGENT) as http:
            clock_of(ctx).advance(5 * 60)
            assert (await http.get("/api/calls")).status_code == 401
    finally:
        ctx.engine.dispose()


@pytest.mark.parametrize(("web", "key"), [("session_idle_minutes = 0\n", "web.session_idle_minutes"),
                                          ("session_max_hours = -1\n", "web.session_max_hours"),
                                          ("secure_cookies = \"maybe\"\n", "web.secure_cookies"),
                                          ("session_idle_minutes = 600\nsession_max_hours = 1\n", "web")])
def test_bad_session_settings_are_refused_naming_the_key(tmp_path: Path, web: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings({"CALLCENTER_HOTLINE": str(hotline_with(tmp_path, web)),
                       "CALLCENTER_VAR_DIR": str(tmp_path / "var")})


async def test_the_cookie_is_secure_and_host_only_behind_tls(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tls.db'}"
    from callcenter.db.session import migrate

    migrate(url)
    ctx = web_context(url, tmp_path,
                      CALLCENTER_HOTLINE=str(hotline_with(tmp_path, "secure_cookies = true\n")))
    try:
        async with app_client(ctx) as http:
            http.base_url = "https://testserver"
            answer = await post_login(http, AGENT, password(AGENT))
            cookie = answer.headers["set-cookie"]
            assert cookie.startswith("__Host-callcenter_session=") and "secure" in cookie.lower()
            assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
            assert answer.headers["strict-transport-security"].startswith("max-age=")
    finally:
        ctx.engine.dispose()


async def test_without_tls_setting_the_cookie_is_not_marked_secure(client: AsyncClient) -> None:
    answer = await post_login(client, AGENT, password(AGENT))
    assert "secure" not in answer.headers["set-cookie"].lower()
    assert "httponly" in answer.headers["set-cookie"].lower()


async def test_a_valid_signed_cookie_without_its_server_side_session_is_refused(ctx: ServiceContext) -> None:
    """The signature alone proves nothing any more: the server's row decides."""
    async with app_client(ctx) as http:
        await browser_login(http, AGENT, password(AGENT))
        with unit_of_work(ctx.sessions) as session:
            for row in session.scalars(select(WebSession)):
                session.delete(row)
        assert (await http.get("/api/calls")).status_code == 401


async def test_a_reset_from_the_command_line_ends_the_sessions_too(ctx: ServiceContext,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from callcenter.web.cli import app

    async with logged_in(ctx, AGENT) as agent:
        monkeypatch.setenv("CALLCENTER_VAR_DIR", str(ctx.settings.var_dir))
        monkeypatch.setenv("CALLCENTER_DATABASE_URL", ctx.settings.database_url)
        monkeypatch.setenv("CALLCENTER_HOTLINE", str(ROOT / "hotline.example.toml"))
        reset = CliRunner().invoke(app, ["passwords", "--reset", AGENT])
        assert reset.exit_code == 0, reset.output
        assert (await agent.get("/api/calls")).status_code == 401


async def test_an_open_live_page_stops_when_its_session_ends(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    from callcenter.web import streams
    from tests.support.web import running_web

    monkeypatch.setattr(streams, "RECHECK_SECONDS", 0.2)
    async with running_web(tmp_path) as web, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}", timeout=10) as agent, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}", timeout=10) as supervisor:
        await login(agent, AGENT)
        await login(supervisor, SUPERVISOR)
        async with agent.stream("GET", "/wallboard/events") as stream:
            lines = stream.aiter_lines()
            while not (await anext(lines)).startswith("event: snapshot"):
                pass
            assert (await supervisor.post(f"/account/users/{AGENT}/disable")).status_code == 200
            async with asyncio.timeout(10):  # the server ends the stream: the lines run out
                rest = [line async for line in lines]
        assert not any(line.startswith("event: call") for line in rest)
        assert web.app.state.live._clients == set()  # the wallboard let go of the stream too
