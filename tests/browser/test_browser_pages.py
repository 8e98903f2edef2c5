"""The pages in a real headless Chromium: log in, open the report, change the period, see the
charts, export CSV, drill down to a call's detail; the wallboard shows a call placed on pbxsim
ringing, turning red at the fourth ring (R1/R2) and being answered. Screenshots land in
$CALLCENTER_SCREENSHOTS (or the test's temporary directory)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.config import Settings, load_settings
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.service import Service
from callcenter.web.component import WebComponent
from tests.browser.webapp import SUPERVISOR, password
from tests.support.browser import ARGS, CHROMIUM, WAIT_MS, shots, sign_in, submit_login
from tests.support.desk import PASSWORD as DESK_PASSWORD
from tests.support.desk import PBX_COMPONENTS, SMALL_HOTLINE, create_accounts, serve_web
from tests.support.web import running_web

pytestmark = pytest.mark.browser
WALLBOARD_CYCLE = 2.0  # R1's cycle is configurable; 2 s keeps the real-time call short (4th ring at 6 s)
CALLER = "13800138000"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[WebComponent]:
    async with running_web(tmp_path) as component:
        yield component


@pytest.fixture
async def page(server: WebComponent) -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(base_url=f"http://127.0.0.1:{server.port}", accept_downloads=True,
                                            viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        tab = await context.new_page()
        tab.set_default_timeout(WAIT_MS)
        yield tab
        await context.close()
        await browser.close()


async def log_in(page: Any, user_id: str) -> None:
    await page.goto("/reports")
    assert "/login" in page.url  # nothing without a login
    await submit_login(page, user_id, password(user_id))
    await page.wait_for_url("**/reports")


async def test_report_period_chart_export_and_call_detail(page: Any, tmp_path: Path) -> None:
    from playwright.async_api import expect

    await log_in(page, SUPERVISOR)
    await page.fill("input[name=from]", "2026-11-24")
    await page.fill("input[name=to]", "2026-11-24")
    await page.select_option("select[name=by]", "agent")
    await page.click("#filters button[type=submit]")
    await page.wait_for_url("**from=2026-11-24**")
    offered = page.locator("tr[data-figure=offered] td").last
    await expect(offered).to_have_text("8")
    await expect(page.locator("svg.chart")).to_have_count(2)
    await expect(page.locator("svg.chart rect.bar.alert").first).to_be_visible()  # 4th ring and later in red
    await page.screenshot(path=str(shots(tmp_path) / "report.png"), full_page=True)

    async with page.expect_download() as download_info:
        await page.click("#export-csv")
    download = await download_info.value
    csv_text = Path(await download.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("坐席,呼入量,接听")
    assert csv_text.splitlines()[-1].startswith("合计,8,5,2,1,3")

    await page.locator("tr[data-figure=late_no_apology] td a").last.click()
    await expect(page.locator("#calls tbody tr")).to_have_count(1)
    await page.locator("#calls tbody tr a").first.click()
    await expect(page.locator("#timeline li").first).to_be_visible()
    assert "接通 · 标准问候" in await page.locator("#timeline").inner_text()  # R3, in words
    await page.click("text=English")
    await expect(page.locator("h1")).to_contain_text("Call detail")


# Every render of the wallboard's live-calls rows, as the browser drew them: (state, ring, red).
RECORD_ROWS = """() => {
  window.rowLog = [];
  const body = document.querySelector('#live-calls tbody');
  const note = () => body.querySelectorAll('tr').forEach(tr => window.rowLog.push(
    [tr.dataset.state, tr.querySelector('td.ring').dataset.ring, tr.classList.contains('late')]));
  new MutationObserver(note).observe(body, {childList: true, subtree: true, attributes: true});
}"""


@pytest.fixture
async def live_service(tmp_path: Path) -> AsyncIterator[tuple[Service, str]]:
    """pbxsim, the tracker (C1), the IVR (C3) and the web app on a real port, in real time."""
    settings = rollover_hotline_settings(tmp_path)
    service = Service(dataclasses.replace(settings, agi_port=0), factories=[*PBX_COMPONENTS,
                                                                           "callcenter.ivr.component:build"])
    await service.start()
    try:
        create_accounts(service.context)
        async with serve_web(service.context) as web:
            yield service, web.url
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.stop(), 15)


def rollover_hotline_settings(tmp_path: Path) -> Settings:
    """The small hotline with 王磊 (102) as the repair queue's second member, so a call unanswered by
    李秀英 (101) rolls over to him (R13); a 2 s cycle (R1) keeps the real-time call short."""
    path = tmp_path / "rollover.toml"
    text = SMALL_HOTLINE.format(cycle=WALLBOARD_CYCLE, member_timeout=5)
    path.write_text(text.replace('queue = "repair"\nagents = ["101"]',
                                 'queue = "repair"\nagents = ["101", "102"]'),
                    encoding="utf-8")
    settings = load_settings({"CALLCENTER_HOTLINE": str(path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                              "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"})
    repair = settings.hotline.department("repair")
    assert repair is not None and repair.agents == ["101", "102"]
    return settings


async def place_pbxsim_call(service: Service, **variables: str) -> None:
    """A caller dials the hotline on pbxsim and presses 1 (repair: agent 101 alone)."""
    sim = service.context.extras["pbxsim"]
    driver = ScenarioDriver(sim.pbx, Scenario(name="wallboard", flow="hotline"), sim.server.port)
    try:
        await driver.place(CallPlan(at=0, caller=CALLER, keys="1", hangup_after=40,
                                    variables={f"__{k}": v for k, v in variables.items()}))
    finally:
        if driver._client is not None:
            await driver._client.close()


async def test_wallboard_shows_a_pbxsim_call_ring_turn_red_at_the_fourth_ring_and_be_answered_r1_r2(
        live_service: tuple[Service, str], tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright, expect

    service, url = live_service
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(base_url=url, locale="zh-CN")
            page.set_default_timeout(WAIT_MS)
            await sign_in(page, SUPERVISOR, DESK_PASSWORD.format(SUPERVISOR), "/wallboard")
            await expect(page.locator("#status")).to_have_class("status live")
            await page.evaluate(RECORD_ROWS)
            # 101 rings out (5 s), the queue retries (1 s) and rolls over to 102, who answers after
            # 3 s: 9 s of ringing for the caller (R13), rings 1-3 end at 6 s with a 2 s cycle, so
            # the call is answered late, in the fifth ring (R1), and is red from the fourth on (R2).
            await place_pbxsim_call(service, RING_8101="never", RING_8102="3", TALK_8102="4")
            row = page.locator("#live-calls tbody tr")
            await expect(row).to_have_attribute("data-state", "ringing", timeout=15000)
            await expect(row.locator("td.state")).to_have_text("振铃")
            await expect(row).to_have_class("state-ringing late", timeout=15000)
            await page.screenshot(path=str(shots(tmp_path) / "wallboard.png"), full_page=True)
            await expect(row).to_have_attribute("data-state", "talking", timeout=15000)
            await expect(row.locator("td.state")).to_have_text("通话")
            # Answered: the talking colours again, the late ring count keeps a red mark.
            await expect(row).to_have_class("state-talking answered-late")
            log = await page.evaluate("window.rowLog")
        finally:
            await browser.close()
    ringing = [(int(ring), red) for state, ring, red in log if state == "ringing" and ring]
    assert {n for n, _ in ringing} >= {1, 2, 3, 4}, ringing  # every ring was shown as it came
    assert all(red == (n > 3) for n, red in ringing), ringing  # red exactly from the fourth ring
    answered = [c for c in service.context.extras["pbxsim"].pbx.calls.values() if c.caller == CALLER]
    assert [c.answered_by for c in answered] == ["PJSIP/8102"]
