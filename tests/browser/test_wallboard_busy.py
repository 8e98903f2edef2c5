"""The wallboard of a busy centre, in Chromium: with 300 calls waiting it stays within one screen
height, lists the 20 longest waits first and says how many more wait (还有 N 通), and each queue's
tile shows its calls waiting and today's share answered within three rings equal to the report's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.calls.model import CallQueued, CallStarted
from callcenter.clock import FrozenClock
from callcenter.db.session import unit_of_work
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period
from callcenter.web.component import WebComponent
from tests.browser.webapp import NOON, SUPERVISOR, password
from tests.support.browser import ARGS, CHROMIUM, WAIT_MS, shots, sign_in
from tests.support.web import running_web

WAITING = {"service": 150, "repair": 100, "billing": 50}
SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture
async def busy(tmp_path: Path) -> AsyncIterator[WebComponent]:
    """The known day's stored calls (the report's figures) and 300 calls waiting now, at noon."""
    async with running_web(tmp_path, FrozenClock(NOON)) as component:
        ctx = component.ctx
        now = ctx.clock.time()
        n = 0
        for queue, count in WAITING.items():
            for i in range(count):
                n += 1
                linkedid, caller = f"W{n}", f"1380000{n:04d}"
                ctx.bus.publish(CallStarted(linkedid=linkedid, caller=caller, at=now - 10 - n))
                ctx.bus.publish(CallQueued(linkedid=linkedid, caller=caller, queue=queue, position=i + 1,
                                           at=now - n))
        await ctx.bus.drain()
        yield component


def report_within_rule(component: WebComponent) -> dict[str, Any]:
    ctx = component.ctx
    tz = ctx.settings.hotline.centre.timezone
    day = NOON.date()
    with unit_of_work(ctx.sessions) as session:
        report = answer_time_report(session, Period(day, day, tz), "queue",
                                    Thresholds.from_rules(ctx.settings.hotline.rules))
    return {row.key: row.value("within_rule_pct") for row in report.rows}


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_busy_wallboard_fits_one_screen_longest_waits_first_with_the_reports_queue_figures(
        busy: WebComponent, tmp_path: Path, lang: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright, expect

    expected = report_within_rule(busy)
    assert any(v is not None for v in expected.values())  # the known day has answered calls
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(base_url=f"http://127.0.0.1:{busy.port}", viewport=SCREEN,
                                          locale="zh-CN")
            page.set_default_timeout(WAIT_MS)
            await sign_in(page, SUPERVISOR, password(SUPERVISOR), "/wallboard")
            if lang == "en":
                await page.goto("/wallboard?lang=en")
            await expect(page.locator("#status")).to_have_class("status live")
            rows = page.locator("#live-calls tbody tr")
            await expect(rows).to_have_count(20)
            more = "还有 280 通" if lang == "zh" else "+280 more"
            await expect(page.locator("#more-calls")).to_have_text(more)
            # Longest wait first: W300 joined its queue first (now - 300 s).
            await expect(rows.first).to_have_id("call-W300")
            header = await page.locator("#live-calls thead th").all_inner_texts()
            assert header[3] == ("状态" if lang == "zh" else "State")
            for queue, count in WAITING.items():
                tile = page.locator(f"#queue-{queue}")
                await expect(tile.locator(".q-waiting b")).to_have_text(str(count))
                pct = expected.get(queue)
                await expect(tile.locator(".q-within b")).to_have_text("–" if pct is None else f"{pct:.1f}%")
            height = await page.evaluate("document.documentElement.scrollHeight")
            await page.screenshot(path=str(shots(tmp_path) / f"wallboard-busy-{lang}.png"), full_page=True)
        finally:
            await browser.close()
    assert height <= SCREEN["height"], height
