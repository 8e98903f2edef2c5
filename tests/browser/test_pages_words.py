"""Every page in Chromium, as a supervisor and as an agent, in Chinese and in English (issue 14):
no raw float, no internal value or catalogue key shown raw, times in the hotline's local time
(a call at 23:50 in Shanghai is 23:50 on every page, never 15:50 UTC), error pages in HTML with a
way back, recordings that are not there said in words. A screenshot of each page lands in
$CALLCENTER_SCREENSHOTS (or the test's temporary directory)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.web.component import WebComponent
from callcenter.words.catalogue import msgids
from callcenter.words.enums import ENUMS
from callcenter.words.formats import local_time
from tests.browser.webapp import AGENT, SUPERVISOR, password
from tests.support.browser import ARGS, CHROMIUM, WAIT_MS, shots, sign_in
from tests.support.web import running_web

pytestmark = pytest.mark.browser
ZONE = "Asia/Shanghai"
DAY, EVE = "2026-11-24", "2026-11-23"
RAW_FLOAT = re.compile(r"\d\.\d{2,}")  # 4.832150936126709, 131.90573596954346
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\dZ\b|\+00:00")
# Keys and internal values that are never words of either language (``no_answer``, ``figure.all``).
COMPOUND_KEYS = sorted((k for k in msgids() if re.fullmatch(r"[a-z0-9]+([._][a-z0-9 A-Z]+)+", k)),
                       key=len, reverse=True)
ENUM_VALUES = sorted({v for values in ENUMS.values() for v in values}, key=len, reverse=True)
# Latin words a Chinese page shows on purpose: the language switch, file formats, the P90 figure,
# the Linkedid label's value and the agents' names in the example hotline.
ZH_ALLOWED = {"English", "CSV", "Excel", "P90", "Linkedid"}


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[tuple[Any, WebComponent]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright

    async with running_web(tmp_path) as server, async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium, server
        finally:
            await chromium.close()


async def signed_in(chromium: Any, server: WebComponent, user_id: str) -> Any:
    # The browser's own zone is UTC: whatever the page shows must come from the hotline's zone.
    context = await chromium.new_context(base_url=f"http://127.0.0.1:{server.port}", locale="zh-CN",
                                         timezone_id="UTC", viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await sign_in(page, user_id, password(user_id))
    return page


def call_ids(server: WebComponent) -> dict[str, Call]:
    with unit_of_work(server.ctx.sessions) as session:
        return {c.linkedid: c for c in session.scalars(select(Call))}


def words_problems(text: str, lang: str) -> list[str]:
    problems = [f"raw float {m.group()!r}" for m in RAW_FLOAT.finditer(text)]
    problems += [f"UTC time {m.group()!r}" for m in ISO_UTC.finditer(text)]
    problems += [f"catalogue key {k!r}" for k in COMPOUND_KEYS
                 if re.search(rf"(?<![\w/]){re.escape(k)}(?!\w)", text)]
    problems += [f"internal value {v!r}" for v in ENUM_VALUES if "_" in v and re.search(rf"\b{v}\b", text)]
    if lang == "zh":
        latin = set(re.findall(r"(?<![\w/@.-])[A-Za-z][A-Za-z_]{2,}(?![\w@/])", text)) - ZH_ALLOWED
        problems += [f"Latin word on a Chinese page {w!r}" for w in sorted(latin)]
    return problems


async def check_page(page: Any, path: str, lang: str, shot: Path, wait_for: str | None = None) -> str:
    sep = "&" if "?" in path else "?"
    response = await page.goto(f"{path}{sep}lang={lang}")
    assert response is not None and response.status == 200, (path, response and response.status)
    if wait_for:
        await page.locator(wait_for).first.wait_for()
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(shot), full_page=True)
    text = await page.locator("body").inner_text()
    assert not words_problems(text, lang), (path, lang, words_problems(text, lang))
    return str(text)


async def check_error(page: Any, path: str, status: int, lang: str, shot: Path) -> None:
    response = await page.goto(f"{path}?lang={lang}")
    assert response is not None and response.status == status
    assert response.headers["content-type"].startswith("text/html")
    await page.screenshot(path=str(shot), full_page=True)
    text = await page.locator("body").inner_text()
    assert ("返回首页" if lang == "zh" else "Back to the start") in text
    assert "{" not in text and "detail" not in text  # words, not a JSON body
    assert not words_problems(text, lang), (path, lang, words_problems(text, lang))
    await page.locator("section.error-page a[href='/']").click()
    await page.wait_for_url("**/reports*")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_supervisor_pages_speak_words_in_local_time(browser: tuple[Any, WebComponent], lang: str,
                                                          tmp_path: Path) -> None:
    from playwright.async_api import expect

    chromium, server = browser
    out, calls = shots(tmp_path), call_ids(server)
    page = await signed_in(chromium, server, SUPERVISOR)
    day = f"from={DAY}&to={DAY}"
    await check_page(page, f"/reports?{day}", lang, out / f"supervisor-report-{lang}.png")
    await check_page(page, f"/reports?{day}&by=queue", lang, out / f"supervisor-report-queues-{lang}.png")
    listed = await check_page(page, f"/calls?{day}&figure=all", lang, out / f"supervisor-calls-{lang}.png")
    for name in "ABCDEFGH":  # every call of the day at its local time, never its UTC time
        assert local_time(calls[name].started_at, ZONE, lang) in listed
    assert "客服中心" in listed and "工程维修" in listed  # queues as their departments
    evening = await check_page(page, f"/calls?from={EVE}&to={EVE}&figure=all", lang,
                               out / f"supervisor-calls-evening-{lang}.png")
    assert "2026-11-23 23:50:00" in evening and "15:50" not in evening
    for name, what in (("D", "holds-transfer"), ("G", "abandoned"), ("A", "recordings")):
        detail = await check_page(page, f"/calls/{calls[name].id}", lang,
                                  out / f"supervisor-call-{what}-{lang}.png")
        assert local_time(calls[name].started_at, ZONE, lang, "time") in detail
    # A's two files are there: two players. B's were never written: said in words, no dead player.
    await page.goto(f"/calls/{calls['A'].id}?lang={lang}")
    assert await page.locator("#recordings audio").count() == 2
    await check_page(page, f"/calls/{calls['B'].id}", lang, out / f"supervisor-call-no-recording-{lang}.png")
    assert await page.locator("#recordings audio").count() == 0
    missing = "录音文件不存在" if lang == "zh" else "Recording file not found"
    await expect(page.locator("#recordings .recording-missing")).to_contain_text(missing)
    await check_page(page, f"/spot-checks?day={DAY}", lang, out / f"supervisor-spot-checks-{lang}.png")
    followups = await check_page(page, f"/followups?{day}", lang, out / f"supervisor-followups-{lang}.png")
    # Calls but no tickets: the page says there are no tickets, not that there were no calls.
    assert ("该时段有通话，但没有工单" if lang == "zh" else "No tickets in this period") in followups
    await check_page(page, "/account/users", lang, out / f"supervisor-accounts-{lang}.png")
    await check_page(page, "/account/password", lang, out / f"supervisor-password-{lang}.png")
    await check_page(page, "/wallboard", lang, out / f"supervisor-wallboard-{lang}.png", "#status.live")
    await check_error(page, "/calls/999999", 404, lang, out / f"supervisor-error-404-{lang}.png")
    await check_error(page, "/no-such-page", 404, lang, out / f"supervisor-error-page-{lang}.png")
    await page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_agent_pages_speak_words_and_refuse_in_html(browser: tuple[Any, WebComponent], lang: str,
                                                         tmp_path: Path) -> None:
    chromium, server = browser
    out, calls = shots(tmp_path), call_ids(server)
    page = await signed_in(chromium, server, AGENT)
    day = f"from={DAY}&to={DAY}"
    await check_page(page, f"/reports?{day}", lang, out / f"agent-report-{lang}.png")
    listed = await check_page(page, f"/calls?{day}&figure=all", lang, out / f"agent-calls-{lang}.png")
    assert local_time(calls["B"].started_at, ZONE, lang) in listed
    await check_page(page, f"/calls/{calls['B'].id}", lang, out / f"agent-call-{lang}.png")
    await check_page(page, "/wallboard", lang, out / f"agent-wallboard-{lang}.png", "#status.live")
    await check_page(page, "/account/password", lang, out / f"agent-password-{lang}.png")
    await check_error(page, f"/calls/{calls['H'].id}", 403, lang, out / f"agent-error-403-{lang}.png")
    await check_error(page, "/followups", 403, lang, out / f"agent-error-followups-{lang}.png")
    await page.context.close()


@pytest.fixture
async def desk_service(tmp_path: Path) -> AsyncIterator[tuple[Any, str]]:
    """The desk needs the agents' part of the service: pbxsim, the tracker and the desk's state."""
    import asyncio
    import contextlib

    from callcenter.db.models.tickets import Ticket
    from callcenter.service import Service
    from tests.support.desk import PBX_TICKETS_COMPONENTS, create_accounts, serve_web, small_hotline_settings
    from tests.support.service import listener_ready

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs it)")
    from playwright.async_api import async_playwright

    settings = small_hotline_settings(tmp_path, f"sqlite:///{tmp_path / 'desk.db'}", cycle=2.0,
                                      member_timeout=5)
    service = Service(settings, factories=PBX_TICKETS_COMPONENTS)
    await service.start()
    try:
        await listener_ready(service)
        create_accounts(service.context)
        with unit_of_work(service.context.sessions) as s:
            s.add(Ticket(caller="13800138000", phone="13800138000", caller_name="张先生",
                         address="3栋2单元501", category="repair", summary="厨房水管漏水", owner="101",
                         status="in_progress"))
        async with serve_web(service.context) as web, async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                yield chromium, web.url
            finally:
                await chromium.close()
    finally:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(service.stop(), 15)


async def desk_page(chromium: Any, url: str, user_id: str) -> Any:
    from tests.support.desk import PASSWORD

    context = await chromium.new_context(base_url=url, locale="zh-CN", timezone_id="UTC",
                                         viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await sign_in(page, user_id, PASSWORD.format(user_id), "/desk")
    return page


async def test_the_desk_speaks_words_for_the_agent_and_the_supervisor_acting_for_them(
        desk_service: tuple[Any, str], tmp_path: Path) -> None:
    from playwright.async_api import expect

    chromium, url = desk_service
    out = shots(tmp_path)
    agent = await desk_page(chromium, url, "101")
    await expect(agent.locator("#state-badge")).to_contain_text("空闲")
    await agent.click("#btn-pause")  # an audited action, shown in words (pause → 暂停)
    await expect(agent.locator("#state-badge")).to_contain_text("暂停")
    await agent.click("#btn-resume")
    await agent.reload()
    await expect(agent.locator("#audit")).to_contain_text("暂停 ✓")
    await expect(agent.locator("#my-tickets")).to_contain_text("报修")  # repair, in words
    for lang, words in (("zh", "恢复接听"), ("en", "resume")):
        text = await check_page(agent, "/desk", lang, out / f"agent-desk-{lang}.png", "#audit li")
        assert words in text
    supervisor = await desk_page(chromium, url, SUPERVISOR)
    for lang in ("zh", "en"):
        text = await check_page(supervisor, "/desk?agent=101", lang, out / f"supervisor-desk-{lang}.png",
                                "#audit li")
        assert ("主管代为操作" if lang == "zh" else "Supervisor acting for") in text
    await agent.context.close()
    await supervisor.context.close()
