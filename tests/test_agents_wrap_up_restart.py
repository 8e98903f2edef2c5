"""The after-call wrap-up pause (话后处理) survives a restart of the service, against pbxsim over
real AMI: its end is stored; after a restart during the wrap-up it is re-armed and lifted on time,
after a restart past its end it is lifted at once, and a pause the agent chose (午餐) is left alone.
Without this an agent stayed paused for ever and queue calls stopped reaching them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Self

import pytest

from callcenter.agents.component import AgentsComponent
from callcenter.calls.component import CallsComponent
from callcenter.clock import FrozenClock
from callcenter.config import AmiSettings, Secret
from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.component import hotline_queues
from callcenter.pbxsim.queue_state import Member
from tests.support.desk import make_context, small_hotline_settings, wait_until

WRAP_UP = 30.0
T0 = 1_796_000_000.0


@pytest.fixture
async def pbx(tmp_path: Path) -> AsyncIterator[AmiServer]:
    settings = small_hotline_settings(tmp_path, "sqlite://")
    pbx = Pbx(PbxConfig(queues=hotline_queues(settings.hotline)), speed=1.0)
    server = AmiServer(pbx, auth_failure_delay=0.05)
    await server.start()
    yield server
    await pbx.stop()
    await server.stop()


class ServiceRun:
    """The call-tracking and agents components of one service run on a shared database."""

    def __init__(self, pbx: AmiServer, tmp_path: Path, database_url: str, clock: FrozenClock) -> None:
        self.ctx = make_context(small_hotline_settings(tmp_path, database_url), clock)
        ami = AmiSettings("127.0.0.1", pbx.port, "callcenter", Secret("secret"), "callcenter",
                          Secret("secret"))
        self.calls = CallsComponent(self.ctx, ami)
        self.agents = AgentsComponent(self.ctx, wrap_up_seconds=WRAP_UP)

    async def __aenter__(self) -> Self:
        await self.ctx.bus.start()
        await self.calls.start()
        assert self.calls.listener is not None
        await asyncio.wait_for(self.calls.listener.connected.wait(), 10)
        await self.agents.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.agents.stop()
        await self.calls.stop()
        await self.ctx.bus.stop()
        self.ctx.engine.dispose()


def member(pbx: AmiServer) -> Member:
    found = pbx.pbx.queues["repair"].member("PJSIP/8101")
    assert found is not None
    return found


async def paused_for_wrap_up(pbx: AmiServer, run: ServiceRun) -> None:
    await run.agents.states.start_wrap_up("101")
    assert member(pbx).paused and member(pbx).paused_reason == "话后处理"


async def test_restart_during_the_wrap_up_re_arms_it_and_lifts_it_on_time(
        pbx: AmiServer, tmp_path: Path, database_url: str) -> None:
    clock = FrozenClock(T0)
    async with ServiceRun(pbx, tmp_path, database_url, clock) as first:
        await paused_for_wrap_up(pbx, first)
    clock.advance(10.0)  # restarted 10 s into the 30 s wrap-up
    async with ServiceRun(pbx, tmp_path, database_url, clock) as second:
        assert second.agents.states.status("101").wrap_up_until == T0 + WRAP_UP  # re-armed from the database
        await second.agents.tick()
        assert member(pbx).paused  # not over yet
        clock.advance(WRAP_UP - 10.0)
        await second.agents.tick()
        await wait_until(lambda: not member(pbx).paused, what="the wrap-up lifted at its end")
        assert second.agents.states.status("101").wrap_up_until is None
    async with ServiceRun(pbx, tmp_path, database_url, clock) as third:
        assert third.agents.states.status("101").wrap_up_until is None  # nothing left behind


async def test_restart_after_the_wrap_up_ended_lifts_it_at_once(
        pbx: AmiServer, tmp_path: Path, database_url: str) -> None:
    clock = FrozenClock(T0)
    async with ServiceRun(pbx, tmp_path, database_url, clock) as first:
        await paused_for_wrap_up(pbx, first)
    clock.advance(WRAP_UP + 90.0)  # the service was down when the wrap-up should have ended
    async with ServiceRun(pbx, tmp_path, database_url, clock) as second:
        await second.agents.tick()
        await wait_until(lambda: not member(pbx).paused, what="the overdue wrap-up lifted")


async def test_a_pause_the_agent_chose_is_not_lifted_by_the_restart(
        pbx: AmiServer, tmp_path: Path, database_url: str) -> None:
    clock = FrozenClock(T0)
    async with ServiceRun(pbx, tmp_path, database_url, clock) as first:
        await paused_for_wrap_up(pbx, first)
        await first.agents.states.pause("101", "lunch")  # chosen during the wrap-up
    clock.advance(WRAP_UP + 90.0)
    async with ServiceRun(pbx, tmp_path, database_url, clock) as second:
        await second.agents.tick()
        await asyncio.sleep(0.2)  # a wrongly sent unpause would have reached pbxsim by now
        assert member(pbx).paused and member(pbx).paused_reason == "午餐"
        assert second.agents.states.status("101").wrap_up_until is None
