"""The call-tracking component end to end over real TCP against the embedded PBX (pbxsim, which
plays Asterisk 20 like the traces): an Originate through ``ctx.actions`` becomes a queue call,
the listener and tracker follow it, the writer commits it, CallStored follows the commit;
AMI errors reach the caller in plain words; the component stops what it started."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from callcenter.ami.actions import AmiActionError
from callcenter.bus import EventBus
from callcenter.calls.component import CallsComponent, build
from callcenter.calls.model import GreetingDecision, OriginateResult
from callcenter.config import AmiSettings, Secret, load_settings
from callcenter.db.models.calls import Call, CallEvent
from callcenter.db.session import make_engine, make_session_factory
from callcenter.messages import CallStored
from callcenter.pbxsim import PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.service import ServiceContext
from tests.support.pbx import serving_pbx
from tests.support.virtual_time import in_virtual_time, on_the_wall_clock

SPEED = 20.0  # pbxsim's accelerated time (the tracked call runs in virtual time: it takes none)


def context(database_url: str, hotline_path: Path) -> ServiceContext:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url})
    engine = make_engine(database_url)
    return ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                          sessions=make_session_factory(engine))


@in_virtual_time  # the ring time is exactly pbxsim's 8 s, however busy the machine
async def test_originated_queue_call_is_tracked_stored_and_announced(
        database_url: str, hotline_path: Path) -> None:
    async with serving_pbx(PbxConfig(), SPEED) as pbx:
        await _originate_track_and_store(pbx, database_url, hotline_path)


async def _originate_track_and_store(pbx: AmiServer, database_url: str, hotline_path: Path) -> None:
    ctx = context(database_url, hotline_path)
    ctx.extras["ami"] = AmiSettings("127.0.0.1", pbx.port, "callcenter", Secret("secret"), "callcenter",
                                    Secret("secret"))
    seen: list[object] = []
    ctx.bus.subscribe((CallStored, GreetingDecision, OriginateResult), seen.append)
    component = build(ctx)
    assert ctx.tracker is component.tracker and ctx.actions is component.actions
    await ctx.bus.start()
    await component.start()
    try:
        assert component.listener is not None
        async with asyncio.timeout(10):
            await component.listener.connected.wait()
        action_id = await ctx.actions.originate("Local/inbound@from-pstn", application="Wait", data="14",
                                                caller_id="13800138000")
        async with asyncio.timeout(20):  # the call, in pbxsim's time: 14 s
            while not any(log.ended_at for log in pbx.pbx.calls.values()):
                await asyncio.sleep(0.02)
        with on_the_wall_clock():  # the writer's thread commits it
            async with asyncio.timeout(20):
                while not any(isinstance(m, CallStored) for m in seen):
                    await asyncio.sleep(0.02)
        with pytest.raises(AmiActionError, match="Interface not found"):
            await ctx.actions.queue_pause("PJSIP/9999", True, reason="lunch")
    finally:
        await component.stop()
        await ctx.bus.stop()
    (stored,) = [m for m in seen if isinstance(m, CallStored)]
    record = stored.record
    assert record.answered and record.agent == "Local/agent1@agents" and record.caller == "13800138000"
    assert record.ring_seconds == pytest.approx(8.0, abs=0.001) and record.greeting == "standard"  # R1/R2
    assert record.hangup_first == "caller"  # R10
    (decision,) = [m for m in seen if isinstance(m, GreetingDecision)]
    assert seen.index(decision) < seen.index(stored)  # decided at answer, long before the end
    assert any(isinstance(m, OriginateResult) and m.action_id == action_id and m.success for m in seen)
    with ctx.sessions() as session:
        row = session.scalars(select(Call)).one()
        assert row.id == stored.call_id and row.linkedid == record.linkedid
        assert session.scalar(select(func.count()).select_from(CallEvent)) > 20
    ctx.engine.dispose()


async def test_without_any_ami_the_component_tracks_nothing_but_starts_and_stops(database_url: str,
                                                                                 hotline_path: Path) -> None:
    ctx = context(database_url, hotline_path)
    component = CallsComponent(ctx, None)
    await component.start()
    assert ctx.actions is None and ctx.tracker.live_calls() == []
    await component.stop()
    ctx.engine.dispose()


async def test_service_with_embedded_pbx_connects_the_listener_and_stops_cleanly(tmp_path: Path,
                                                                                  hotline_path: Path) -> None:
    """C2: pbxsim starts first and publishes its AMI settings; the core listener uses them."""
    from callcenter.service import Service

    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'svc.db'}",
                              "CALLCENTER_VAR_DIR": str(tmp_path)})
    service = Service(settings,
                      factories=["callcenter.pbxsim.component:build", "callcenter.calls.component:build"])
    await service.start()
    try:
        assert service.started == ["pbxsim", "calls"]
        component = next(c for c in service._started if c.name == "calls")
        assert isinstance(component, CallsComponent) and component.listener is not None
        async with asyncio.timeout(10):
            await component.listener.connected.wait()
    finally:
        await service.stop()
    assert service.started == []
    assert component.listener._task is None and component.pump._task is None
