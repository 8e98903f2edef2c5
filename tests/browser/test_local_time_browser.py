"""One local time on every surface (issue 14 acceptance): with the service's clock injected at
23:30 in Asia/Shanghai (15:30 UTC), a caller placed by pbxsim gives up unanswered; the desk (its
callback due), the call detail (its start), ``callbacks list`` (its due time) and the wallboard's
alert when the callback is not reached (its promise) all say 2026-12-06 23:30, never 15:30 and
never a UTC text, in a browser whose own zone is New York."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from callcenter.callbacks.cli import app as callbacks_cli
from callcenter.config import load_settings
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.messages import SupervisorAlert
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.pbxsim.timebase import ScaledClock
from callcenter.service import Service
from tests.support.browser import ARGS, CHROMIUM, WAIT_MS, shots, sign_in
from tests.support.desk import PASSWORD, PBX_COMPONENTS, SMALL_HOTLINE, create_accounts, serve_web, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LATE = dt.datetime(2026, 12, 6, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 15:30 UTC
LOCAL = "2026-12-06 23:30"
CALLER = "13800138000"
# Callbacks around the clock for this test (the example centre waits for the morning), tried once
# and given up after a few seconds of ringing, so the "not reached" alert comes during the test.
CALLBACKS = """
[callbacks]
max_attempts = 1
calling_hours_start = 00:00:00
calling_hours_end = 23:59:59
abandoned_minutes = 0
originate_timeout_seconds = 5
"""


@pytest.fixture
async def late_service(tmp_path: Path) -> AsyncIterator[tuple[Service, str, dict[str, str]]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    hotline = tmp_path / "hotline.toml"
    hotline.write_text(SMALL_HOTLINE.format(cycle=2.0, member_timeout=5) + CALLBACKS, encoding="utf-8")
    env = {"CALLCENTER_HOTLINE": str(hotline), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
           "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'late.db'}", "CALLCENTER_WRAP_UP_SECONDS": "0"}
    settings = dataclasses.replace(load_settings(env), agi_port=0)
    factories = [*PBX_COMPONENTS[:2], "callcenter.ivr.component:build",
                 "callcenter.callbacks.component:build", PBX_COMPONENTS[2]]
    # The injected clock: the service and pbxsim (its event Timestamps) start at 23:30 Shanghai.
    service = Service(settings, clock=ScaledClock(1.0, start=LATE.timestamp()), factories=factories)
    await service.start()
    try:
        create_accounts(service.context)
        async with serve_web(service.context) as web:
            yield service, web.url, env
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.stop(), 15)


async def _give_up_unanswered(service: Service) -> None:
    """A caller dials at 23:30, presses 1 (repair: 101, whose phone never answers) and hangs up."""
    sim = service.context.extras["pbxsim"]
    sim.pbx.globals["RING_8101"] = "never"  # nor does it answer the callback's Originate
    driver = ScenarioDriver(sim.pbx, Scenario(name="late", flow="hotline"), sim.server.port)
    try:
        await driver.place(CallPlan(at=0, caller=CALLER, keys="1", hangup_after=8))
    finally:
        if driver._client is not None:
            await driver._client.close()


async def _signed_in(browser: Any, url: str, user: str, landing: str) -> Any:
    context = await browser.new_context(base_url=url, locale="zh-CN", timezone_id="America/New_York",
                                        viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await sign_in(page, user, PASSWORD.format(user), landing)
    return page


async def test_a_call_at_2330_shanghai_shows_2330_on_the_desk_call_detail_cli_and_wallboard(
        late_service: tuple[Service, str, dict[str, str]], tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    service, url, env = late_service
    ctx = service.context
    alerts: list[SupervisorAlert] = []
    ctx.bus.subscribe_sync(SupervisorAlert, alerts.append)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            wallboard = await _signed_in(browser, url, "900", "/wallboard")
            await _give_up_unanswered(service)

            def stored() -> tuple[Call, Callback] | None:
                with unit_of_work(ctx.sessions) as s:
                    call = s.scalars(select(Call).where(Call.caller == CALLER)).first()
                    callback = s.scalars(select(Callback).where(Callback.caller == CALLER)).first()
                    return (call, callback) if call and callback else None

            await wait_until(lambda: stored() is not None, timeout=30,
                             what="the call and its callback are stored")
            found = stored()
            assert found is not None
            call, callback = found
            assert call.abandoned and call.started_at.astimezone(LATE.tzinfo).strftime("%H:%M") == "23:30"
            assert callback.due_at.astimezone(LATE.tzinfo).strftime("%Y-%m-%d %H:%M") == LOCAL

            # The desk: 101's callbacks list the one owed to the caller, due at 23:30.
            desk = await _signed_in(browser, url, "101", "/desk")
            await expect(desk.locator("#my-callbacks")).to_contain_text(f"{LOCAL}", timeout=WAIT_MS)
            await expect(desk.locator("#btn-open-ticket")).to_be_hidden()  # the call was not 101's
            await desk.screenshot(path=str(shots(tmp_path) / "late-desk-zh.png"), full_page=True)

            # The call detail: started 23:30.
            detail = await _signed_in(browser, url, "900", "/reports")
            await detail.goto(f"/calls/{call.id}")
            body = await detail.locator("body").inner_text()
            assert LOCAL in body and "15:30" not in body, body[:500]
            await detail.screenshot(path=str(shots(tmp_path) / "late-call-detail-zh.png"), full_page=True)

            # callbacks list: due 23:30 in the hotline's zone (the real clock decides what is due:
            # --upcoming lists it whatever the machine's date).
            listed = CliRunner().invoke(callbacks_cli, ["list", "--upcoming"], env=env)
            assert listed.exit_code == 0, listed.output
            assert f"due {LOCAL}" in listed.output and "15:30" not in listed.output, listed.output
            as_json = json.loads(CliRunner().invoke(callbacks_cli, ["list", "--upcoming", "--json"],
                                                    env=env).output)
            assert [row["due_at"][:16] for row in as_json] == ["2026-12-06T23:30"]
            assert as_json[0]["due_at"].endswith("+08:00")

            # The wallboard: the callback rang 101 for 5 s unanswered, once: not reached, promised 23:30.
            await wait_until(lambda: any(a.kind == "callback_overdue" for a in alerts), timeout=30,
                             what="the callback not reached is alerted")
            alert = wallboard.locator("#alerts li").first
            await expect(alert).to_contain_text(f"promised {LOCAL}", timeout=WAIT_MS)
            text = await alert.inner_text()
            assert "15:30" not in text and "Z " not in text
            await wallboard.screenshot(path=str(shots(tmp_path) / "late-wallboard-zh.png"), full_page=True)
        finally:
            await browser.close()
