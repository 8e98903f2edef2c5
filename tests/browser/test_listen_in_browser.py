"""Listening in from the wallboard in headless Chromium against pbxsim (real AMI, a real call in
real time): a supervisor's live call row offers 监听 / 耳语 / 强插 once the call is answered, a
click rings the supervisor's own phone into it (the Originate pbxsim received, ChanSpy started)
and says so on the page; a live alert about a call (R19) carries the same buttons; an agent's
wallboard has no such column or buttons (R17)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from callcenter.messages import SupervisorAlert
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.service import Service
from tests.support.browser import ARGS, CHROMIUM, shots, sign_in
from tests.support.desk import (
    PASSWORD,
    PBX_COMPONENTS,
    create_accounts,
    sent_actions,
    serve_web,
    small_hotline_settings,
    wait_until,
)
from tests.support.service import listener_ready

playwright_api = pytest.importorskip("playwright.async_api", reason="python playwright is not installed")



@dataclass
class Board:
    service: Service
    url: str
    browser: Any

    @property
    def pbxsim(self) -> Any:
        return self.service.context.extras["pbxsim"]

    async def page_of(self, user_id: str) -> Any:
        page = await self.browser.new_page()
        await sign_in(page, user_id, PASSWORD.format(user_id), "/wallboard", server=self.url)
        return page

    async def call_answered(self) -> None:
        pbx = self.pbxsim.pbx
        driver = ScenarioDriver(pbx, Scenario(name="spy", flow="hotline"), self.pbxsim.server.port)
        try:
            await driver.place(CallPlan(at=0, caller="13800138000", keys="1",
                                        variables={"__RING_8101": "0.2", "__RING_8102": "0.2",
                                                   "__TALK_8101": "never", "__TALK_8102": "never"}))
        finally:
            if driver._client is not None:
                await driver._client.close()
        tracker = self.service.context.tracker
        await wait_until(lambda: any(tracker.agent_line(c.linkedid) for c in tracker.live_calls()),
                         timeout=20, what="a call in conversation")


@pytest.fixture
async def board(tmp_path: Path) -> AsyncIterator[Board]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    service = Service(small_hotline_settings(tmp_path, f"sqlite:///{tmp_path / 'spy.db'}"),
                      factories=PBX_COMPONENTS)
    await service.start()
    await listener_ready(service)
    create_accounts(service.context)
    async with serve_web(service.context) as web, playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield Board(service, web.url, browser)
        await browser.close()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(service.stop(), 15)


async def test_a_supervisor_whispers_from_the_wallboards_call_row_and_an_agent_has_no_buttons_r17(
        board: Board, tmp_path: Path) -> None:
    supervisor = await board.page_of("900")
    agent = await board.page_of("101")
    await board.call_answered()
    row = supervisor.locator("#live-calls tbody tr[data-state=talking]")
    await playwright_api.expect(row).to_have_count(1, timeout=10000)
    buttons = row.locator(".spy button")
    await playwright_api.expect(buttons).to_have_text(["监听", "耳语", "强插"])
    await playwright_api.expect(agent.locator("#live-calls tbody tr[data-state=talking]")).to_have_count(1)
    assert await agent.locator(".spy").count() == 0
    assert "监听" not in await agent.locator("#live-calls thead").inner_text()
    await row.locator("button[data-spy=whisper]").click()
    await playwright_api.expect(supervisor.locator("#spy-status")).to_contain_text("您的话机 8900 正在振铃")
    spies = [a for a in sent_actions(board.pbxsim, "Originate") if a["Channel"].startswith("Local/8900@")]
    assert [(a["Context"], a["Exten"]) for a in spies] == [("callcenter-spy", "whisper")]
    channels = board.pbxsim.pbx.channels
    await wait_until(lambda: any(name.startswith("PJSIP/8900-") for name in channels), timeout=10,
                     what="the supervisor's phone in the call")
    # The supervisor's own phone is listening in, not on a call of its own; the agent talks.
    await playwright_api.expect(supervisor.locator("#agent-900")).to_have_attribute(
        "data-state", "listening", timeout=10000)
    await playwright_api.expect(supervisor.locator("#agent-900")).to_have_text("900 周主管 · 监听中")
    await playwright_api.expect(supervisor.locator("#agent-101")).to_contain_text("通话中")
    await supervisor.screenshot(path=str(shots(tmp_path) / "wallboard-listening-zh.png"), full_page=True)


async def test_the_wallboard_speaks_english_with_lang_en_and_says_why_a_listen_in_failed(
        board: Board) -> None:
    supervisor = await board.page_of("900")
    await supervisor.goto(f"{board.url}/wallboard?lang=en")
    await board.call_answered()
    row = supervisor.locator("#live-calls tbody tr[data-state=talking]")
    await playwright_api.expect(row.locator(".spy button")).to_have_text(["Listen", "Whisper", "Barge in"],
                                                                         timeout=10000)
    # A call no longer (or never) in conversation: the API's own words are shown.
    line = next(line for c in board.service.context.tracker.live_calls()
                if (line := board.service.context.tracker.agent_line(c.linkedid)) is not None)
    click = "id => window.ListenIn.row(id).querySelector('button').click()"
    await supervisor.evaluate(click, line.linkedid + "x")
    await playwright_api.expect(supervisor.locator("#spy-status.bad")).to_contain_text(
        "no call in conversation with that id")


async def test_a_live_alert_about_a_call_offers_the_supervisor_to_listen_in_and_the_agent_nothing_r19(
        board: Board) -> None:
    supervisor = await board.page_of("900")
    agent = await board.page_of("101")
    await board.call_answered()
    tracker = board.service.context.tracker
    line = next(line for c in tracker.live_calls() if (line := tracker.agent_line(c.linkedid)) is not None)
    board.service.context.bus.publish(SupervisorAlert(
        "live_emergency", "通话中听到紧急情况：煤气味", None, None, board.service.context.clock.time(),
        linkedid=line.linkedid, words="煤气味", agent_id="101"))
    alert = supervisor.locator("#alerts li.alert-live_emergency")
    await playwright_api.expect(alert.locator(".spy button")).to_have_text(["监听", "耳语", "强插"],
                                                                          timeout=10000)
    await playwright_api.expect(agent.locator("#alerts li.alert-live_emergency")).to_have_count(1)
    assert await agent.locator("#alerts .spy").count() == 0
    await alert.locator("button[data-spy=listen]").click()
    await playwright_api.expect(supervisor.locator("#spy-status")).to_contain_text("您的话机 8900 正在振铃")
    spies = [a for a in sent_actions(board.pbxsim, "Originate") if a["Channel"].startswith("Local/8900@")]
    assert [(a["Exten"], a["Variable"]) for a in spies] == [("listen", f"CC_SPY_CHANNEL={line.channel}")]
