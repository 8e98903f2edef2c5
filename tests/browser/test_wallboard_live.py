"""The wallboard in Chromium while a call is transcribed live (issue 17): under the call's row
the latest words of both sides as they come, a call transcribed only after hang-up says so, and
a live alert names its call with the listen-in buttons (supervisors)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.clock import FrozenClock
from callcenter.messages import LiveStatus, LiveWords, SupervisorAlert
from callcenter.web.component import WebComponent
from tests.browser.webapp import AGENT, NOON, SUPERVISOR, answer_call, password, place_call
from tests.support.browser import ARGS, CHROMIUM, WAIT_MS, sign_in
from tests.support.web import running_web

pytestmark = pytest.mark.browser


@pytest.fixture
async def board(tmp_path: Path) -> AsyncIterator[WebComponent]:
    async with running_web(tmp_path, FrozenClock(NOON)) as component:
        ctx = component.ctx
        now = ctx.clock.time()
        for linkedid, caller in (("L1", "13800138000"), ("L2", "13900139000")):
            place_call(ctx.bus, linkedid, caller, now - 5, ring_started_at=now - 6)
            answer_call(ctx.bus, linkedid, now - 2, rings=1)
        await ctx.bus.drain()
        yield component


@pytest.mark.parametrize("user", [SUPERVISOR, AGENT])
async def test_the_wallboard_shows_both_sides_words_under_the_call_and_the_live_alert(
        board: WebComponent, user: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright, expect

    bus, now = board.ctx.bus, board.ctx.clock.time()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(base_url=f"http://127.0.0.1:{board.port}", locale="zh-CN")
            page.set_default_timeout(WAIT_MS)
            await sign_in(page, user, password(user), "/wallboard")
            await expect(page.locator("#status")).to_have_class("status live")
            bus.publish(LiveStatus("L1", "101", "live", None, now))
            bus.publish(LiveStatus("L2", "101", "after_call", "实时转写已满，挂机后转写", now))
            heard = "电梯 里 困 了 人 电话 一 三 八 零 零 一 三 八 零 零 零"
            bus.publish(LiveWords("L1", "101", "caller", heard, False, 0.2, 3.0, now + 1))
            bus.publish(LiveWords("L1", "101", "agent", "您好 请 别 着急", True, 0.1, 1.2, now + 1))
            said = page.locator('tr.live-words[data-linkedid="L1"]')
            await expect(said).to_contain_text("客户：电梯 里 困 了 人")
            await expect(said).to_contain_text("坐席：您好 请 别 着急")
            number = "一 三 八 零 零 一 三 八 零 零 零" if user == SUPERVISOR else "138****8000"
            await expect(said).to_contain_text(number)  # R17: masked for agents
            await expect(page.locator('tr.live-words[data-linkedid="L2"]')).to_have_text("挂机后转写")
            bus.publish(SupervisorAlert(kind="live_emergency", text="紧急情况（电梯困人）：电梯 里 困 了 人",
                                        ticket_id=None, callback_id=None, at=now + 2, linkedid="L1",
                                        words="电梯 里 困 了 人", agent_id="101"))
            alert = page.locator("#alerts li").first
            await expect(alert).to_contain_text("紧急情况（电梯困人）")
            buttons = alert.locator("button")
            if user == SUPERVISOR:  # the listen-in buttons of a call's alert
                await expect(buttons.first).to_be_visible()
            else:
                await expect(buttons).to_have_count(0)
        finally:
            await browser.close()
