"""The agent's desk in headless Chromium against pbxsim (real AMI, real calls in real time):
log in, go available, pause with a reason, the screen pop before answer (R15), the apology
reminder at the fourth ring (R2), the draft ticket confirmed after hang-up (R4), click to call."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from callcenter.messages import CallStored, TicketChanged, TranscriptReady
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.service import Service
from tests.support.browser import ARGS, CHROMIUM, shots, sign_in
from tests.support.desk import (
    PASSWORD,
    PBX_TICKETS_COMPONENTS,
    create_accounts,
    sent_actions,
    serve_web,
    small_hotline_settings,
    wait_until,
)
from tests.support.service import listener_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.async_api", reason="python playwright is not installed")

CALLER = "13800138000"
CYCLE = 2.0  # R1's cycle is configurable; 2 s keeps these real-time calls short (4th ring at 6 s)


@dataclass
class Desk:
    service: Service
    url: str
    page: Any

    @property
    def pbxsim(self) -> Any:
        return self.service.context.extras["pbxsim"]

    @property
    def agents(self) -> Any:
        return self.service.context.extras["agents"]

    async def call(self, **variables: str) -> None:
        """A caller dials in and presses 1 (repair: agent 101's queue)."""
        pbx = self.pbxsim.pbx
        driver = ScenarioDriver(pbx, Scenario(name="desk", flow="hotline"), self.pbxsim.server.port)
        try:
            await driver.place(CallPlan(at=0, caller=CALLER, keys="1", hangup_after=40,
                                        variables={f"__{k}": v for k, v in variables.items()}))
        finally:
            if driver._client is not None:
                await driver._client.close()


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    settings = small_hotline_settings(tmp_path, f"sqlite:///{tmp_path / 'desk.db'}", cycle=CYCLE,
                                      member_timeout=5)
    service = Service(settings, factories=PBX_TICKETS_COMPONENTS)
    await service.start()
    await listener_ready(service)  # what the agent does from now on comes back over AMI
    ctx = service.context
    create_accounts(ctx)
    with unit_of_work(ctx.sessions) as s:
        began = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
        s.add(Call(linkedid="old.1", caller=CALLER, started_at=began,
                   ended_at=began + dt.timedelta(seconds=130), answered=True, talk_seconds=125.4,
                   hangup_first="caller"))
        s.add(Ticket(caller=CALLER, phone=CALLER, caller_name="张先生", address="3栋2单元501",
                     category="repair",
                     summary="厨房水管漏水", owner="101", status="open"))
    async with serve_web(ctx) as web, playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        await sign_in(page, "101", PASSWORD.format("101"), "/desk", server=web.url)
        yield Desk(service, web.url, page)
        await browser.close()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(service.stop(), 15)


async def _badge(desk: Desk, text: str) -> None:
    await playwright_api.expect(desk.page.locator("#state-badge")).to_contain_text(text, timeout=5000)


async def test_agent_logs_in_goes_available_and_pauses_with_a_reason(desk: Desk) -> None:
    await _badge(desk, "空闲")  # static member: in its queue from the start (QueueStatus snapshot)
    await desk.page.click("#btn-logout")
    await _badge(desk, "未签入")
    # A queues.conf member cannot be removed ("Member not dynamic"): log-out pauses it as 下班.
    member = desk.pbxsim.pbx.queues["repair"].member("PJSIP/8101")
    assert member.paused and member.paused_reason == "下班"
    await desk.page.click("#btn-login")
    await _badge(desk, "空闲")
    resumed = sent_actions(desk.pbxsim, "QueuePause")[-1]
    assert (resumed["Interface"], resumed["Paused"].lower()) == ("PJSIP/8101", "false")
    assert not member.paused
    await desk.page.select_option("#pause-reason", "lunch")
    await desk.page.click("#btn-pause")
    await _badge(desk, "午餐")
    assert member.paused and member.paused_reason == "午餐"  # pbxsim shows the member paused
    await desk.page.click("#btn-resume")
    await _badge(desk, "空闲")
    assert not member.paused


async def test_screen_pop_shows_name_and_open_ticket_before_answer_r15(desk: Desk, tmp_path: Path) -> None:
    await _badge(desk, "空闲")
    await desk.call(RING_8101="4", TALK_8101="2")  # answered in the 3rd ring
    pop = desk.page.locator("#pop[data-phase=ringing]")
    await playwright_api.expect(pop).to_be_visible(timeout=10000)
    await playwright_api.expect(desk.page.locator("#pop-name")).to_have_text("张先生")
    await playwright_api.expect(desk.page.locator("#pop-tickets")).to_contain_text("厨房水管漏水")
    await playwright_api.expect(desk.page.locator("#pop-caller")).to_have_text("138****8000")  # R17
    # The last call's talk time as every page writes it (2分05秒), not in raw seconds.
    last_call = desk.page.locator("#pop-calls")
    await playwright_api.expect(last_call).to_have_text("2026-11-20 10:00 已接通 2分05秒")
    await desk.page.screenshot(path=str(shots(tmp_path) / "desk-pop-last-call-zh.png"), full_page=True)
    calls = [c for c in desk.pbxsim.pbx.calls.values() if c.caller == CALLER]
    assert len(calls) == 1 and calls[0].answered_by is None  # the pop came while the phone still rang
    await playwright_api.expect(desk.page.locator("#pop[data-phase=talking]")).to_be_visible(timeout=10000)
    assert calls[0].answered_by == "PJSIP/8101"
    await playwright_api.expect(desk.page.locator("#apology")).to_be_hidden()  # within three rings


async def test_apology_reminder_appears_at_the_fourth_ring_r2(desk: Desk) -> None:
    await _badge(desk, "空闲")
    # 101 does not answer the first attempt (5 s); the queue rings 101 again; the caller's
    # rings run across attempts (R13), so the 4th ring begins at 6 s, during the 2nd attempt.
    await desk.call(RING_8101="never")
    apology = desk.page.locator("#apology")
    await playwright_api.expect(apology).to_be_visible(timeout=15000)
    await playwright_api.expect(apology).to_have_text("请先致歉：对不起，让您久等了")
    text = await desk.page.locator("#pop-ring").inner_text()
    assert text in ("第4声", "第5声")


# The call as Vosk writes it (space-separated words, Chinese numerals, seconds per turn): a repair
# call naming the caller, a new address (not the open ticket's, so a new matter, R14) and the phone,
# without a convenient time (R4: the draft flags it missing).
REPAIR_CALL = [
    ("agent", 0.4, 3.9, "您好 深科 物业 服务 中心 工号 一 零 一 很 高兴 为 您 服务"),
    ("caller", 4.3, 8.1, "喂 你好 我 家 卫生间 的 灯 不 亮 了 开关 按 了 也 没 反应"),
    ("agent", 8.5, 10.6, "好 的 请问 您 贵姓 住 哪 一 户"),
    ("caller", 11.0, 14.2, "我 姓 张 五 栋 一 单元 一 二 零 二"),
    ("agent", 14.6, 16.3, "张 先生 请问 您 的 联系 电话"),
    ("caller", 16.8, 20.5, "一 三 八 零 零 一 三 八 零 零 零"),
    ("agent", 21.0, 27.2,
     "一 三 八 零 零 一 三 八 零 零 零 好 的 张 先生 我们 安排 电工 师傅 上门 给 您 看 一下"),
    ("caller", 27.6, 28.4, "好 的 谢谢"),
    ("agent", 28.8, 31.0, "不 客气 感谢 您 的 来电 再见"),
]


def _store_transcript(desk: Desk, call_id: int) -> int:
    """Store the call's transcript as the speech stage does when a job completes (C4).

    Recognition itself is not run here: no Chinese Vosk model is obtainable from any package
    registry, so the recogniser's output for this call is given as text; everything after it
    (TranscriptReady → the tickets component → TicketChanged → the desk) is the real pipeline."""
    ctx = desk.service.context
    turns = [{"speaker": who, "start": start, "end": end, "text": text} for who, start, end,
             text in REPAIR_CALL]
    with unit_of_work(ctx.sessions) as s:
        row = Transcript(call_id=call_id, turns=turns, model=ctx.settings.asr_model,
                         created_at=ctx.clock.now())
        s.add(row)
        s.flush()
        return row.id


async def test_after_hang_up_the_draft_ticket_arrives_and_is_confirmed_r4(desk: Desk) -> None:
    await _badge(desk, "空闲")
    ctx = desk.service.context
    stored: list[CallStored] = []
    changed: list[TicketChanged] = []
    ctx.bus.subscribe_sync(CallStored, stored.append)
    ctx.bus.subscribe_sync(TicketChanged, changed.append)
    await desk.call(RING_8101="2", TALK_8101="2")
    await wait_until(lambda: bool(stored), timeout=30, what="the finished call is stored")
    await playwright_api.expect(desk.page.locator("#pop")).to_be_hidden(timeout=5000)
    call_id = stored[0].call_id
    transcript_id = await asyncio.to_thread(_store_transcript, desk, call_id)
    ctx.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))
    # The real tickets component builds the draft from the transcript and publishes TicketChanged.
    await wait_until(lambda: bool(changed), timeout=10, what="the tickets component publishes the draft")
    assert (changed[0].change, changed[0].owner, changed[0].caller) == ("created", "101", CALLER)
    draft_id = changed[0].ticket_id
    with unit_of_work(ctx.sessions) as s:
        draft = s.get(Ticket, draft_id)
        assert draft is not None and draft.call_id == call_id and draft.status == "open"
        assert (draft.caller_name, draft.address, draft.phone, draft.category) == (
            "张先生", "5栋1单元1202", CALLER, "repair")
        assert draft.owner == "101" and draft.missing_fields == ["preferred_time"]  # R14 owner, R4 gap
    form = desk.page.locator("#ticket-form")
    await playwright_api.expect(form).to_be_visible(timeout=5000)
    await playwright_api.expect(desk.page.locator("#ticket-id")).to_contain_text(f"#{draft_id}")
    await playwright_api.expect(form.locator("input[name=preferred_time]")).to_have_class("missing")
    await form.locator("input[name=preferred_time]").fill("明天上午")
    await form.locator("input[name=visit_at]").fill("2026-11-25T09:30")  # the centre's time (Shanghai)
    await desk.page.click("#btn-confirm")
    # The status and the audited action in words (in_progress, pause), issue 14.
    await playwright_api.expect(desk.page.locator("#ticket-id")).to_contain_text("处理中", timeout=5000)
    with unit_of_work(ctx.sessions) as s:
        stored = s.get(Ticket, draft_id)
        assert stored is not None and stored.status == "in_progress" and stored.preferred_time == "明天上午"
        # The promised visit is 09:30 in Shanghai whatever the browser's own zone: 01:30 UTC.
        visit = stored.visit_at
        assert visit is not None and visit.replace(tzinfo=visit.tzinfo or dt.UTC) == dt.datetime(
            2026, 11, 25, 1, 30, tzinfo=dt.UTC)
    # Click to call from the ticket: the agent's phone first, then the customer (C1 originate).
    await desk.page.click("#btn-call-ticket")
    await playwright_api.expect(desk.page.locator("#call-status")).to_contain_text("呼叫已接通",
                                                                                   timeout=15000)
    originate = next(a for a in sent_actions(desk.pbxsim, "Originate") if a["Channel"].startswith("PJSIP/"))
    assert (originate["Channel"], originate["Context"], originate["Exten"]) == (
        "PJSIP/8101", "callcenter-callback", CALLER)
    assert f"CC_TICKET={draft_id}" in originate["Variable"] and originate["Async"] == "true"


async def test_an_ami_error_is_shown_to_the_agent_in_plain_words(desk: Desk) -> None:
    await _badge(desk, "空闲")
    # Someone removes the agent from every queue at the Asterisk console behind the desk's back:
    # the next pause is refused by Asterisk ("Interface not found").
    for queue in desk.pbxsim.pbx.queues.values():
        queue.members = [m for m in queue.members if m.interface != "PJSIP/8101"]
    await desk.page.click("#btn-pause")
    error = desk.page.locator("#desk-error")
    await playwright_api.expect(error).to_be_visible(timeout=5000)
    await playwright_api.expect(error).to_contain_text("电话系统拒绝了操作")
    await playwright_api.expect(error).to_contain_text("Interface not found")
    # The desk's background refresh (the audit list, every 15 s) succeeds; the refusal stays.
    async with desk.page.expect_response(lambda r: "/desk/api/audit" in r.url, timeout=20000):
        pass
    await playwright_api.expect(error).to_contain_text("电话系统拒绝了操作")


async def test_a_supervisor_acts_for_an_agent_and_the_audit_shows_it_r17(desk: Desk) -> None:
    browser = desk.page.context.browser
    assert browser is not None
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, "900", PASSWORD.format("900"), "/desk?agent=101", server=desk.url)
    await playwright_api.expect(page.locator("#acting-for")).to_contain_text("李秀英")
    await playwright_api.expect(page.locator("#state-badge")).to_contain_text("空闲", timeout=5000)
    await page.select_option("#pause-reason", "training")
    await page.click("#btn-pause")
    await playwright_api.expect(page.locator("#state-badge")).to_contain_text("培训", timeout=5000)
    assert desk.pbxsim.pbx.queues["repair"].member("PJSIP/8101").paused_reason == "培训"
    await _badge(desk, "培训")  # the agent's own desk shows it too
    await page.reload()
    await playwright_api.expect(page.locator("#audit")).to_contain_text("900（主管） 暂停 ✓", timeout=5000)
    await context.close()


async def test_an_unsure_category_asks_the_agent_in_chinese_until_decided_r5(desk: Desk) -> None:
    ctx = desk.service.context
    with unit_of_work(ctx.sessions) as s:
        ticket = Ticket(caller=CALLER, category="inquiry", summary="问停车费", owner="101", status="open",
                        category_confidence=0.41, category_choices=["inquiry", "billing"])
        s.add(ticket)
        s.flush()
        ticket_id = ticket.id
    await desk.page.reload()
    await desk.page.click(f"#my-tickets button:text-is('#{ticket_id}')")
    ask = desk.page.locator("#ticket-category-ask")
    await playwright_api.expect(ask).to_have_text("类别不确定：咨询还是缴费？请与来电人确认", timeout=5000)
    await desk.page.select_option("#ticket-form select[name=category]", "billing")
    await desk.page.click("#btn-save")
    await playwright_api.expect(ask).to_be_hidden(timeout=5000)


async def test_desk_times_are_the_hotlines_local_time_whatever_the_browsers_zone(desk: Desk) -> None:
    """A callback due at 00:00 UTC is due at 08:00 in Shanghai: the desk says 08:00 in a browser
    set to New York (never the UTC text sliced, nor the browser's own zone)."""
    from callcenter.callbacks.policies import Plan
    from callcenter.callbacks.store import apply

    due = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    with unit_of_work(desk.service.context.sessions) as s:
        apply(s, [Plan("message", due, "13900139000", "tz", owner="101", department="repair")],
              due - dt.timedelta(hours=1))
    browser = desk.page.context.browser
    context = await browser.new_context(timezone_id="America/New_York")
    try:
        page = await context.new_page()
        await sign_in(page, "101", PASSWORD.format("101"), "/desk", server=desk.url)
        callbacks = page.locator("#my-callbacks")
        await playwright_api.expect(callbacks).to_contain_text("2026-12-01 08:00", timeout=5000)
    finally:
        await context.close()


async def test_a_ticket_opened_during_the_call_takes_the_transcripts_draft_after_it_r4(
        desk: Desk, tmp_path: Path) -> None:
    """The acceptance of issue 14 item 2: the agent opens the call's ticket while the caller is on
    the line (prefilled from history), writes the matter, hangs up; the transcript's draft arrives
    and merges into that ticket (no second ticket), its differences flagged on the form."""
    from sqlalchemy import func, select

    from callcenter.db.models.tickets import TicketCall

    await _badge(desk, "空闲")
    ctx, page = desk.service.context, desk.page
    stored: list[CallStored] = []
    changed: list[TicketChanged] = []
    ctx.bus.subscribe_sync(CallStored, stored.append)
    ctx.bus.subscribe_sync(TicketChanged, changed.append)
    await playwright_api.expect(page.locator("#btn-open-ticket")).to_be_hidden()  # no call yet
    await desk.call(RING_8101="2", TALK_8101="10")
    await playwright_api.expect(page.locator("#pop[data-phase=talking]")).to_be_visible(timeout=10000)
    await page.click("#btn-open-ticket")
    form = page.locator("#ticket-form")
    await playwright_api.expect(form).to_be_visible(timeout=5000)
    # R15: prefilled from the caller's history; R17: the number masked for the agent
    await playwright_api.expect(form.locator("input[name=caller_name]")).to_have_value("张先生")
    await playwright_api.expect(form.locator("input[name=address]")).to_have_value("3栋2单元501")
    await playwright_api.expect(form.locator("input[name=phone]")).to_have_value("138****8000")
    await playwright_api.expect(form.locator("textarea[name=summary]")).to_have_class("missing")
    await form.locator("textarea[name=summary]").fill("卫生间灯不亮，开关没反应")
    await page.click("#btn-save")
    await playwright_api.expect(page.locator("#desk-notice")).to_have_text("已保存", timeout=5000)
    live = [c for c in desk.pbxsim.pbx.calls.values() if c.caller == CALLER]
    assert len(live) == 1 and live[0].answered_by == "PJSIP/8101" and live[0].ended_at is None  # still on
    await page.screenshot(path=str(shots(tmp_path) / "desk-ticket-open-zh.png"), full_page=True)
    opened_id = int((await page.locator("#ticket-id").inner_text()).split()[0].lstrip("#"))

    await wait_until(lambda: bool(stored), timeout=30, what="the finished call is stored")
    await playwright_api.expect(page.locator("#btn-open-ticket")).to_have_text("为刚结束的通话开工单")
    call_id = stored[0].call_id
    transcript_id = await asyncio.to_thread(_store_transcript, desk, call_id)
    ctx.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))
    await wait_until(lambda: any(c.change == "merged" for c in changed), timeout=10,
                     what="the draft merges into the desk's ticket")
    merged = next(c for c in changed if c.change == "merged")
    assert merged.ticket_id == opened_id
    differences = page.locator("#ticket-differences")
    await playwright_api.expect(differences).to_be_visible(timeout=5000)
    await playwright_api.expect(page.locator("#desk-notice")).to_contain_text("通话草稿已合并")
    await playwright_api.expect(differences.locator("li[data-field=address]")).to_contain_text("5栋1单元1202")
    await playwright_api.expect(form.locator("input[name=address]")).to_have_class("differs")
    summary = form.locator("textarea[name=summary]")
    await playwright_api.expect(summary).to_have_value("卫生间灯不亮，开关没反应")  # the agent's words stay
    await playwright_api.expect(form.locator("select[name=category]")).to_have_value("repair")  # filled
    await playwright_api.expect(page.locator("#ticket-missing")).to_have_text("缺少：方便上门时间")
    await page.screenshot(path=str(shots(tmp_path) / "desk-ticket-merged-zh.png"), full_page=True)
    await differences.locator("li[data-field=address] button").first.click()  # 采用草稿
    await playwright_api.expect(form.locator("input[name=address]")).to_have_value("5栋1单元1202",
                                                                                  timeout=5000)
    await playwright_api.expect(differences.locator("li")).to_have_count(1)
    before = len(changed)
    ctx.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))  # replayed
    await wait_until(lambda: len(changed) > before, timeout=10, what="the replayed draft is taken in")
    assert (changed[-1].change, changed[-1].ticket_id) == ("attached", opened_id)
    with unit_of_work(ctx.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.caller == CALLER)) == 2
        ticket = s.get(Ticket, opened_id)
        assert ticket is not None and ticket.call_id == call_id and ticket.owner == "101"
        assert (ticket.address, ticket.category, ticket.summary) == ("5栋1单元1202", "repair",
                                                                     "卫生间灯不亮，开关没反应")
        assert [d["field"] for d in ticket.draft_differences or []] == ["summary"]
        keys = s.scalars(select(TicketCall).where(TicketCall.ticket_id == opened_id)).all()
        assert [(k.call_id, k.linkedid) for k in keys] == [(call_id, live[0].linkedid)]
    # The same ticket in English: the remaining difference in words, no internal field name.
    await page.goto(f"{desk.url}/desk?lang=en")
    # reloaded after the call: its ticket can still be opened (the same one)
    await playwright_api.expect(page.locator("#btn-open-ticket")).to_have_text(
        "Open a ticket for the call just ended")
    await page.click(f"#my-tickets button:text-is('#{opened_id}')")
    remaining = page.locator("#ticket-differences")
    await playwright_api.expect(remaining).to_contain_text("The call's draft differs")
    await playwright_api.expect(remaining.locator("li[data-field=summary]")).to_contain_text(
        'Matter: ticket "卫生间灯不亮，开关没反应", draft')
    await playwright_api.expect(remaining.locator("li button")).to_have_text(["Use the draft's", "Keep mine"])
    await playwright_api.expect(page.locator("#audit")).to_contain_text("ticket opened for a call")
    await page.screenshot(path=str(shots(tmp_path) / "desk-ticket-merged-en.png"), full_page=True)


async def test_the_calls_words_and_heard_fields_show_on_the_desk_as_they_come(desk: Desk) -> None:
    """Issue 17 item 4: each side's utterance grows in place and stays once final; numbers are
    masked for the agent (R17); the fields heard so far are listed for the agent to confirm."""
    from callcenter.messages import LivePrefill, LiveStatus, LiveWords

    bus, page = desk.service.context.bus, desk.page
    await _badge(desk, "空闲")
    bus.publish(LiveStatus("L7", "101", "live", None, 1.0))
    bus.publish(LiveWords("L7", "101", "caller", "我 家 厨房", False, 0.1, 0.9, 1.1))
    bus.publish(LiveWords("L7", "101", "caller", "我 家 厨房 漏水 了", False, 0.1, 1.8, 1.4))
    lines = page.locator("#live-lines li")
    await playwright_api.expect(lines).to_have_count(1, timeout=5000)
    await playwright_api.expect(lines.first).to_have_text("客户：我 家 厨房 漏水 了")
    bus.publish(LiveWords("L7", "101", "caller", "我 家 厨房 漏水 了 电话 一 三 八 零 零 一 三 八 零 零 零",
                          True, 0.1, 4.2, 4.5))
    bus.publish(LiveWords("L7", "101", "agent", "好 的 马上 安排", True, 0.3, 1.5, 5.0))
    await playwright_api.expect(lines).to_have_count(2, timeout=5000)
    await playwright_api.expect(lines.first).to_contain_text("138****8000")
    await playwright_api.expect(lines.nth(1)).to_have_text("坐席：好 的 马上 安排")
    heard = {"phone": CALLER, "address": "3号楼2单元501", "category": "repair"}
    bus.publish(LivePrefill("L7", "101", heard, 5.1))
    fields = page.locator("#live-fields")
    await playwright_api.expect(fields).to_contain_text("3号楼2单元501", timeout=5000)
    await playwright_api.expect(fields).to_contain_text("138****8000")
    await playwright_api.expect(page.locator("#live-status")).to_be_hidden()
