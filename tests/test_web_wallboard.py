"""The live wallboard over a real uvicorn server: server-sent events follow the tracker's bus
messages (C1) — a call rings, is answered and ends; agents' states and supervisor alerts
arrive; agents see numbers masked (R17); the component stops with a stream still open."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.calls.model import CallEnded, LiveCall
from callcenter.clock import SystemClock
from callcenter.messages import AgentStateChanged, SupervisorAlert
from callcenter.web.component import WebComponent
from tests.browser.webapp import AGENT, SUPERVISOR, answer_call, call_record, login, place_call
from tests.support.csrf import post_login
from tests.support.web import running_web

TIMEOUT = 5.0


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebComponent]:
    async with running_web(tmp_path) as component:
        yield component


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and kind:
            yield kind, json.loads(line.split(":", 1)[1])


async def next_event(stream: AsyncIterator[tuple[str, dict[str, Any]]], kind: str) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        async for got, data in stream:
            if got == kind:
                return data
        raise AssertionError(f"stream ended before a {kind!r} event")

    return await asyncio.wait_for(find(), TIMEOUT)


async def open_stream(web: WebComponent, user_id: str) -> tuple[httpx.AsyncClient, Any, Any]:
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}", timeout=TIMEOUT)
    await login(client, user_id)
    context = client.stream("GET", "/wallboard/events", headers={"accept": "text/event-stream"})
    response = await context.__aenter__()
    assert response.status_code == 200
    return client, context, events(response)


async def close_stream(client: httpx.AsyncClient, context: Any) -> None:
    await context.__aexit__(None, None, None)
    await client.aclose()


async def test_a_call_rings_is_answered_and_ends_on_the_wallboard_r1(web: WebComponent) -> None:
    client, context, stream = await open_stream(web, SUPERVISOR)
    try:
        snapshot = await next_event(stream, "snapshot")
        assert snapshot["calls"] == [] and snapshot["ring_cycle"] == 5.0 and snapshot["rule_rings"] == 3
        assert snapshot["figures"]["day"]  # today's figures come with the snapshot
        now = web.ctx.clock.time()
        place_call(web.ctx.bus, "L1", "13800138000", now, ring_started_at=now - 12)
        ringing = None
        while ringing is None or ringing["call"]["state"] != "ringing":
            ringing = await next_event(stream, "call")
        call = ringing["call"]
        assert (call["caller"], call["agent"], call["queue"]) == ("13800138000", "101", "service")
        assert call["ring_started_at"] == pytest.approx(now - 12)  # the browser counts rings from here
        answer_call(web.ctx.bus, "L1", now + 5, rings=4)
        talking = await next_event(stream, "call")
        assert talking["call"]["state"] == "talking" and talking["call"]["rings"] == 4
        web.ctx.bus.publish(CallEnded(call_record("L1", "13800138000", now + 10)))
        assert (await next_event(stream, "ended"))["linkedid"] == "L1"
    finally:
        await close_stream(client, context)


async def test_agent_states_and_supervisor_alerts_are_pushed(web: WebComponent) -> None:
    client, context, stream = await open_stream(web, SUPERVISOR)
    try:
        snapshot = await next_event(stream, "snapshot")
        assert {a["id"]: a["state"] for a in snapshot["agents"]}["102"] == "logged_out"
        at = web.ctx.clock.time()
        web.ctx.bus.publish(AgentStateChanged(interface="PJSIP/8102", agent_id=None, state="available",
                                              paused=True,
                                              reason="午餐", queue="service", at=at))
        agent = (await next_event(stream, "agent"))["agent"]
        assert (agent["id"], agent["state"], agent["reason"]) == ("102", "paused", "午餐")
        web.ctx.bus.publish(SupervisorAlert(kind="callback_overdue", text="回电已超时：138****8000",
                                            ticket_id=None,
                                            callback_id=7, at=at))
        assert (await next_event(stream, "alert"))["alert"]["callback_id"] == 7
    finally:
        await close_stream(client, context)


async def test_agents_see_callers_masked_on_the_wallboard_r17(web: WebComponent) -> None:
    client, context, stream = await open_stream(web, AGENT)
    try:
        await next_event(stream, "snapshot")
        now = web.ctx.clock.time()
        place_call(web.ctx.bus, "L2", "13912345678", now, ring_started_at=now)
        assert (await next_event(stream, "call"))["call"]["caller"] == "139****5678"
    finally:
        await close_stream(client, context)


async def test_the_snapshot_includes_calls_already_in_progress(web: WebComponent) -> None:
    now = web.ctx.clock.time()
    place_call(web.ctx.bus, "L3", "13800138000", now, ring_started_at=now - 3)
    await web.ctx.bus.drain()
    client, context, stream = await open_stream(web, SUPERVISOR)
    try:
        snapshot = await next_event(stream, "snapshot")
        assert [(c["linkedid"], c["state"]) for c in snapshot["calls"]] == [("L3", "ringing")]
    finally:
        await close_stream(client, context)


async def test_the_component_stops_with_a_stream_open(web: WebComponent) -> None:
    client, context, stream = await open_stream(web, SUPERVISOR)
    await next_event(stream, "snapshot")
    await asyncio.wait_for(web.stop(), TIMEOUT)
    with pytest.raises((httpx.HTTPError, AssertionError, StopAsyncIteration)):
        await next_event(stream, "call")
    await close_stream(client, context)


async def test_the_service_starts_the_web_last_and_stops_it(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from callcenter.config import load_settings
    from callcenter.service import COMPONENTS, Service

    # The web starts after every stage it shows; only the metrics reader, which serves no user, follows it.
    assert COMPONENTS[COMPONENTS.index("callcenter.web.component:build") + 1:] == [
        "callcenter.observability.component:build"]
    monkeypatch.setenv("CALLCENTER_WEB_PASSWORD_900", "pw-900-correct-horse")
    settings = load_settings({"CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_WEB_PORT": "0",
                              "CALLCENTER_HOTLINE": str(Path(__file__).parents[1] / "hotline.example.toml")})
    service = Service(settings, clock=SystemClock(), factories=["callcenter.web.component:build"])
    await service.start()
    try:
        assert service.started == ["web"]
        web = service._started[0]
        base = f"http://127.0.0.1:{web.port}"  # type: ignore[attr-defined]
        async with httpx.AsyncClient(base_url=base, follow_redirects=True) as client:
            assert (await client.get("/api/calls")).status_code == 401
            assert (await post_login(client, "900", "pw-900-correct-horse")).status_code == 303
            response = await client.get("/reports")
            assert response.status_code == 200 and "接听时效报表" in response.text
    finally:
        await service.stop()
    assert service.started == []
    assert (tmp_path / "var" / "web-initial-passwords.txt").exists()  # the others got generated ones


class _Tracker:
    """Contract C1's snapshot: calls already in progress when the web starts."""

    def __init__(self, at: float) -> None:
        self.at = at

    def live_calls(self) -> list[LiveCall]:
        return [LiveCall(linkedid="T1", caller="13800138000", queue="repair", state="ringing", since=self.at,
                         ring_started_at=self.at - 16, agent="PJSIP/8201", member_name="陈师傅", attempts=2)]


async def test_the_first_snapshot_comes_from_the_tracker(web: WebComponent) -> None:
    web.ctx.tracker = _Tracker(web.ctx.clock.time())
    client, context, stream = await open_stream(web, SUPERVISOR)
    try:
        (call,) = (await next_event(stream, "snapshot"))["calls"]
        assert (call["linkedid"], call["agent"], call["state"],
                call["attempts"]) == ("T1", "201", "ringing", 2)
    finally:
        await close_stream(client, context)


async def test_todays_figures_follow_stored_calls(web: WebComponent) -> None:
    from callcenter.db.session import unit_of_work
    from callcenter.messages import CallStored
    from tests.test_reports_answer_times import make_call

    client, context, stream = await open_stream(web, SUPERVISOR)
    try:
        before = (await next_event(stream, "snapshot"))["figures"]["offered"]
        with unit_of_work(web.ctx.sessions) as session:
            call = make_call("today-1", web.ctx.clock.now() - dt.timedelta(seconds=1), agent="101", ring=4,
                             wait=5,
                             talk=30, greeting="standard")
            session.add(call)
            session.flush()
            call_id = call.id
        now = web.ctx.clock.time()
        web.ctx.bus.publish(CallStored(call_id, call_record("today-1", "13800138000", now)))
        figures = (await next_event(stream, "figures"))["figures"]
        assert figures["offered"] == before + 1 and figures["within_rule_pct"] == 100.0
    finally:
        await close_stream(client, context)


async def test_the_wallboard_says_when_the_database_is_down_and_how_many_calls_wait(
        web: WebComponent, tmp_path: Path, traces_dir: Path) -> None:
    from callcenter.db.session import make_engine, make_session_factory
    from callcenter.messages import StoreHealthChanged
    from callcenter.store.spool import Spool
    from callcenter.store.writer import CallWriter
    from tests.test_store_durability import calls

    # A writer whose database is unreachable (nothing listens there), wired as the calls component does.
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1")
    writer = CallWriter(make_session_factory(engine), Spool(tmp_path / "spool", 1 << 30), backoff_cap=0.2)
    loop = asyncio.get_running_loop()
    writer.health.on_change = lambda view: loop.call_soon_threadsafe(web.ctx.bus.publish,
                                                                     StoreHealthChanged(view))
    web.ctx.extras["store_health"] = writer.health
    writer.start()
    client, context, stream = await open_stream(web, SUPERVISOR)
    try:
        assert (await next_event(stream, "snapshot"))["store"]["ok"] is True
        for record, journal in calls(traces_dir, 3, "down"):
            writer.submit(record, journal)
        store = (await next_event(stream, "store"))["store"]
        while store["waiting"] < 3:
            store = (await next_event(stream, "store"))["store"]
        assert store["ok"] is False and store["database_ok"] is False
        since = dt.datetime.fromtimestamp(writer.health.view().since or 0, dt.UTC).astimezone(
            __import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%H:%M")  # the hotline's local time
        assert store["zh"] == f"数据库不可用，3 条记录待写入，自 {since} 起"
        assert store["en"] == f"database unavailable, 3 records waiting to be written, since {since}"
        snapshot = (await client.get("/api/wallboard")).json()
        assert snapshot["store"]["zh"] == store["zh"]
    finally:
        await close_stream(client, context)
        await asyncio.to_thread(writer.stop)
        engine.dispose()


async def test_the_snapshot_gives_the_pbx_clock_rate_so_rings_count_in_the_pbx_time(
        web: WebComponent) -> None:
    """pbxsim's sped-up clock (``callcenter run --speed 60``) runs 60 times faster than the
    browser's: the browser counts rings at the PBX's rate, not at wall time (第56声)."""
    import dataclasses

    from callcenter.pbxsim.timebase import ScaledClock
    from callcenter.web.live import LiveBoard

    assert (await LiveBoard(web.ctx).snapshot())["clock_rate"] == 1.0
    sped_up = LiveBoard(dataclasses.replace(web.ctx, clock=ScaledClock(60)))
    snapshot = await sped_up.snapshot()
    assert snapshot["clock_rate"] == 60.0
    assert [(q["queue"], q["name"]) for q in snapshot["queues"]] == [
        ("service", "客服中心"), ("repair", "工程维修"), ("billing", "收费组")]


async def test_live_words_reach_the_wallboard_while_the_call_is_up_masked_for_agents_r17(
        web: WebComponent) -> None:
    """Issue 17: both sides' words as they come; a number said is masked for agents as in
    transcripts, whole for supervisors; a live alert names its call and the words heard."""
    from callcenter.messages import LiveStatus, LiveWords

    now = web.ctx.clock.time()
    place_call(web.ctx.bus, "L5", "13800138000", now, ring_started_at=now - 3)
    answer_call(web.ctx.bus, "L5", now + 2, rings=1)
    await web.ctx.bus.drain()
    supervisor = await open_stream(web, SUPERVISOR)
    agent = await open_stream(web, AGENT)
    try:
        for _client, _context, stream in (supervisor, agent):
            await next_event(stream, "snapshot")
        web.ctx.bus.publish(LiveStatus("L5", "101", "live", None, now + 3))
        said = "我 的 电话 是 一 三 九 一 二 三 四 五 六 七 八"
        web.ctx.bus.publish(LiveWords("L5", "101", "caller", said, True, 0.5, 4.0, now + 5))
        web.ctx.bus.publish(SupervisorAlert(kind="live_emergency", text="紧急情况（燃气泄漏）：煤气 味 很 大",
                                            ticket_id=None, callback_id=None, at=now + 6, linkedid="L5",
                                            words="我 家 煤气 味 很 大 电话 13912345678", agent_id="101"))
        whole = await next_event(supervisor[2], "transcript")
        masked = await next_event(agent[2], "transcript")
        assert (whole["linkedid"], whole["side"], whole["final"]) == ("L5", "caller", True)
        assert "一 三 九 一 二 三 四 五 六 七 八" in whole["text"]
        assert "139****5678" in masked["text"] and "四 五 六" not in masked["text"]
        alert = (await next_event(supervisor[2], "alert"))["alert"]
        assert (alert["kind"], alert["linkedid"], alert["agent_id"]) == ("live_emergency", "L5", "101")
        assert "13912345678" in alert["words"]
        seen_by_agent = (await next_event(agent[2], "alert"))["alert"]
        assert "13912345678" not in seen_by_agent["words"] and "139****5678" in seen_by_agent["words"]
    finally:
        for client, context, _stream in (supervisor, agent):
            await close_stream(client, context)
    snapshot = await web.ctx.extras["web_live"].snapshot()  # what a browser that connects now gets
    (row,) = [c for c in snapshot["calls"] if c["linkedid"] == "L5"]
    assert row["live"] == "live" and row["words"]["caller"].startswith("我 的 电话")
