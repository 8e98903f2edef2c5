"""In Chromium, on the known day with the clock at its noon: the report page's headline tiles
(Chinese first, English second) above the table, and the desk's team 三声内接听率 written exactly as
the report's 合计 (one definition of the team, issue 14 item 5). Screenshots land beside the
others (tests/browser/test_browser_pages.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.clock import FrozenClock
from callcenter.web.component import WebComponent
from tests.browser.webapp import AGENT, NOON, SUPERVISOR, password
from tests.support.browser import ARGS, CHROMIUM, WAIT_MS, shots, sign_in
from tests.support.web import running_web
from tests.test_reports_answer_times import DAY

pytestmark = pytest.mark.browser
RAW_FLOAT = re.compile(r"\d+\.\d{2,}")


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebComponent]:
    async with running_web(tmp_path, FrozenClock(NOON)) as component:
        yield component


async def _page(browser: Any, web: WebComponent, user: str, landing: str) -> Any:
    context = await browser.new_context(base_url=f"http://127.0.0.1:{web.port}", locale="zh-CN",
                                        viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await sign_in(page, user, password(user), landing)
    return page


async def test_report_tiles_and_the_desks_team_figure_agree_in_the_browser(web: WebComponent,
                                                                          tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            report = await _page(browser, web, SUPERVISOR, "/reports")
            await report.goto(f"/reports?from={DAY}&to={DAY}")
            tiles = report.locator("#tiles .tile")
            await expect(tiles.locator(".tile-label")).to_have_text(
                ["三声内接听率", "15秒接通率", "放弃率", "超时未致歉"])
            total = await report.locator("tr[data-figure=within_rule_pct] td").last.inner_text()
            await expect(report.locator("#tile-within_rule_pct .tile-value")).to_have_text(total)
            assert RAW_FLOAT.search(await report.locator("#tiles").inner_text()) is None
            tiles_box = await report.locator("#tiles").bounding_box()
            table_box = await report.locator("#figures").bounding_box()
            assert tiles_box is not None and table_box is not None and tiles_box["y"] < table_box["y"]
            await report.screenshot(path=str(shots(tmp_path) / "report-tiles-zh.png"))
            await report.goto(f"/reports?from={DAY}&to={DAY}&lang=en")
            await expect(tiles.locator(".tile-label")).to_have_text(
                ["Within 3 rings % of answered", "Answered within 15 s %", "Abandon rate",
                 "Late, without apology"])
            await report.screenshot(path=str(shots(tmp_path) / "report-tiles-en.png"))

            desk = await _page(browser, web, AGENT, "/desk")
            await expect(desk.locator("#q-team-three_ring_pct")).to_have_text(total)
            await expect(desk.locator("#q-own-three_ring_pct")).to_have_text("100.0%")
            await desk.screenshot(path=str(shots(tmp_path) / "desk-team-zh.png"))
        finally:
            await browser.close()
    assert total == "60.0%"
