"""The pages in a real headless Chromium: log in, open the report, change the period, see the
charts, export CSV, drill down to a call's detail; the wallboard shows a call ringing, turning
red at the fourth ring (R1/R2) and being answered. Screenshots land in $CALLCENTER_SCREENSHOTS
(or the test's temporary directory)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.web.component import WebComponent
from tests.browser.webapp import SUPERVISOR, answer_call, password, place_call
from tests.support.web import running_web

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 5000


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


def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("CALLCENTER_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


async def log_in(page: Any, user_id: str) -> None:
    await page.goto("/reports")
    assert "/login" in page.url  # nothing without a login
    await page.fill("input[name=user_id]", user_id)
    await page.fill("input[name=password]", password(user_id))
    await page.click("button[type=submit]")
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
    assert "answered" in await page.locator("#timeline").inner_text()
    await page.click("text=English")
    await expect(page.locator("h1")).to_contain_text("Call detail")


async def test_wallboard_call_rings_turns_red_at_the_fourth_ring_and_is_answered_r1(
        page: Any, server: WebComponent, tmp_path: Path) -> None:
    from playwright.async_api import expect

    await log_in(page, SUPERVISOR)
    await page.goto("/wallboard")
    await expect(page.locator("#status")).to_have_class("status live")
    now = server.ctx.clock.time()
    # The caller's ringing began 13.2 s ago (rolled over from a neighbour, R13): third ring now.
    place_call(server.ctx.bus, "1795634553.8", "13800138000", now, ring_started_at=now - 13.2)
    row = page.locator("#live-calls tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.locator("td.ring")).to_have_attribute("data-ring", "3")
    assert "late" not in (await row.get_attribute("class") or "")
    await expect(row).to_have_class("state-ringing late", timeout=4000)  # the fourth ring begins at 15 s
    await expect(row.locator("td.ring")).to_have_attribute("data-ring", "4")
    await page.screenshot(path=str(shots(tmp_path) / "wallboard.png"), full_page=True)
    answer_call(server.ctx.bus, "1795634553.8", server.ctx.clock.time(), rings=4)
    await expect(row).to_have_attribute("data-state", "talking")
    await expect(row.locator("td.state")).to_have_text("通话")
