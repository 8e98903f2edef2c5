"""Agent states against pbxsim over real AMI: the desk's actions reach the PBX with the right
headers, and what the desk shows comes back from AMI events, even for changes made elsewhere."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.agents import desk as core
from callcenter.agents import states
from callcenter.agents.component import RESYNC_SECONDS, TICK_SECONDS, AgentsComponent
from callcenter.ami.actions import AmiActionError
from callcenter.clock import FrozenClock
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.service import Service
from tests.support.desk import PBX_COMPONENTS, sent_actions, small_hotline_settings, wait_until
from tests.support.service import listener_ready

pytestmark = pytest.mark.slow


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    service = Service(small_hotline_settings(tmp_path, f"sqlite:///{tmp_path / 'desk.db'}"),
                      factories=PBX_COMPONENTS)
    await service.start()
    await listener_ready(service)  # changes made from now on come back over AMI
    yield service
    # Bounded: a stop that hangs fails the test instead of the whole run.
    await asyncio.wait_for(service.stop(), 15)


def _parts(service: Service) -> tuple[AgentsComponent, Any]:
    return service.context.extras["agents"], service.context.extras["pbxsim"]


def _member(pbxsim: Any, queue: str, interface: str) -> Any:
    return pbxsim.pbx.queues[queue].member(interface)


async def test_the_snapshot_shows_static_members_logged_in(service: Service) -> None:
    agents, _ = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"}, what="QueueStatus snapshot")
    assert agents.states.status("101").state == "available"


async def test_log_out_of_a_static_member_pauses_it_for_off_duty_and_log_in_unpauses(
        service: Service) -> None:
    """queues.conf lists agents as static members: Asterisk refuses QueueRemove ("Member not
    dynamic"), so log-out parks the member paused for 下班 and the desk shows it logged out."""
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    await agents.states.log_out("101")
    member = _member(pbxsim, "repair", "PJSIP/8101")
    assert member is not None and member.paused and member.paused_reason == "下班"
    pause = sent_actions(pbxsim, "QueuePause")[-1]
    assert (pause["Queue"], pause["Interface"], pause["Paused"], pause["Reason"]) == (
        "repair", "PJSIP/8101", "true", "下班")
    shown_at_log_out = agents.hub.latest("101", "state")
    await wait_until(lambda: agents.hub.latest("101", "state") is not shown_at_log_out,
                     what="下班 back over AMI")
    shown = agents.states.status("101").as_dict()
    assert shown["state"] == "logged_out" and shown["queues"] == []
    with pytest.raises(states.NotLoggedIn):
        await agents.states.pause("101", "lunch")
    assert await agents.states.log_in("101") == ["repair"]
    assert not _member(pbxsim, "repair", "PJSIP/8101").paused
    assert sent_actions(pbxsim, "QueuePause")[-1]["Paused"] == "false"
    assert not sent_actions(pbxsim, "QueueAdd")
    await wait_until(lambda: agents.states.status("101").as_dict()["state"] == "available",
                     what="unpause over AMI")
    assert agents.states.status("101").queues == {"repair"}


async def test_the_snapshot_shows_an_off_duty_static_member_logged_out(service: Service) -> None:
    agents, _ = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    await agents.states.log_out("101")
    await agents.states.snapshot()
    assert agents.states.status("101").as_dict()["state"] == "logged_out"
    assert agents.states.status("101").off_duty == {"repair"}
    await agents.states.log_in("101")
    assert not agents.states.status("101").off_duty


async def test_log_out_and_in_of_a_dynamic_member_send_queue_remove_and_add(service: Service) -> None:
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    _member(pbxsim, "repair", "PJSIP/8101").dynamic = True  # as if added by QueueAdd, not queues.conf
    await agents.states.log_out("101")
    assert _member(pbxsim, "repair", "PJSIP/8101") is None
    removed = sent_actions(pbxsim, "QueueRemove")[-1]
    assert (removed["Queue"], removed["Interface"]) == ("repair", "PJSIP/8101")
    assert agents.states.status("101").as_dict()["state"] == "logged_out"
    await agents.states.log_in("101")
    added = sent_actions(pbxsim, "QueueAdd")[-1]
    assert (added["Queue"], added["Interface"], added["MemberName"], added["Paused"]) == (
        "repair", "PJSIP/8101", "李秀英", "false")
    assert _member(pbxsim, "repair", "PJSIP/8101") is not None
    assert agents.states.status("101").as_dict()["state"] == "available"


async def test_pause_with_a_reason_reaches_the_pbx_and_the_state_comes_back_from_ami(
        service: Service) -> None:
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    await agents.states.pause("101", "lunch")
    pause = sent_actions(pbxsim, "QueuePause")[-1]
    assert (pause["Interface"], pause["Paused"], pause["Reason"]) == ("PJSIP/8101", "true", "午餐")
    member = _member(pbxsim, "repair", "PJSIP/8101")
    assert member.paused and member.paused_reason == "午餐"
    await wait_until(lambda: agents.states.status("101").paused, what="QueueMemberPause back over AMI")
    assert agents.states.status("101").as_dict()["state"] == "paused"
    assert agents.states.status("101").reason == "午餐"
    await agents.states.resume("101")
    await wait_until(lambda: not agents.states.status("101").paused, what="unpause back over AMI")
    assert not _member(pbxsim, "repair", "PJSIP/8101").paused


async def test_a_pause_made_elsewhere_shows_on_the_desk(service: Service) -> None:
    """The supervisor's console (here: a second AMI client) pauses the agent: the desk shows it."""
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    actions = service.context.actions
    await actions.queue_pause("PJSIP/8101", True, reason="培训")  # not through the desk's AgentStates
    await wait_until(lambda: agents.states.status("101").reason == "培训", what="pause made elsewhere")
    latest = agents.hub.latest("101", "state")
    assert latest is not None and latest.data["paused"] and latest.data["reason"] == "培训"
    assert pbxsim is not None


async def test_an_ami_error_reaches_the_agent_in_plain_words(service: Service) -> None:
    agents, _ = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    actor = core.Actor("900", "supervisor")  # in no queue: Asterisk knows no such member

    with pytest.raises(core.PbxRefused) as refused:
        await core.perform(service.context.sessions, actor, "900", "pause", {"reason": "lunch"},
                           lambda: agents.states.pause("900", "lunch"))
    assert "电话系统拒绝了操作" in str(refused.value) and "Interface not found" in str(refused.value)
    trail = core.recent_actions(service.context.sessions, "900")
    assert trail[0]["ok"] is False and "Interface not found" in trail[0]["error"]


async def test_wrap_up_pauses_after_a_call_and_ends_by_itself(service: Service) -> None:
    """After-call work (话后处理): paused at hang-up, back in the queue when the time is over."""
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    clock = FrozenClock(1_795_600_000.0)
    agents.states.clock = clock
    agents.states.wrap_up_seconds = 30
    await agents.states.start_wrap_up("101")
    pause = sent_actions(pbxsim, "QueuePause")[-1]
    assert (pause["Paused"], pause["Reason"]) == ("true", "话后处理")
    await wait_until(lambda: agents.states.status("101").paused)
    clock.advance(29.9)
    await agents.states.tick(clock.time())
    assert _member(pbxsim, "repair", "PJSIP/8101").paused
    clock.advance(0.1)
    await agents.states.tick(clock.time())
    assert not _member(pbxsim, "repair", "PJSIP/8101").paused
    assert sent_actions(pbxsim, "QueuePause")[-1]["Paused"] == "false"


async def test_wrap_up_does_not_end_a_pause_the_agent_chose_since(service: Service) -> None:
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    clock = FrozenClock(1_795_600_000.0)
    agents.states.clock = clock
    agents.states.wrap_up_seconds = 30
    await agents.states.start_wrap_up("101")
    await agents.states.pause("101", "lunch")
    await wait_until(lambda: agents.states.status("101").reason == "午餐")
    clock.advance(60)
    await agents.states.tick(clock.time())
    assert _member(pbxsim, "repair", "PJSIP/8101").paused_reason == "午餐"


async def test_removing_a_static_member_is_refused_like_asterisk(service: Service) -> None:
    await wait_until(lambda: service.context.extras["agents"].states.status("101").queues == {"repair"})
    with pytest.raises(AmiActionError, match="Member not dynamic"):
        await service.context.actions.queue_remove("repair", "PJSIP/8101")
    assert _member(service.context.extras["pbxsim"], "repair", "PJSIP/8101") is not None


async def test_a_member_removed_elsewhere_shows_logged_out_after_the_next_snapshot(service: Service) -> None:
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"})
    _member(pbxsim, "repair", "PJSIP/8101").dynamic = True  # as if added by QueueAdd, not queues.conf
    await service.context.actions.queue_remove("repair", "PJSIP/8101")  # a console, not the desk
    await agents.states.snapshot()
    assert agents.states.status("101").as_dict()["state"] == "logged_out"
    latest = agents.hub.latest("101", "state")
    assert latest is not None and latest.data["queues"] == []


async def test_an_ami_outage_logs_one_warning_and_its_end_one_line(
        service: Service, caplog: pytest.LogCaptureFixture) -> None:
    """An AMI outage is expected: one WARNING without a traceback when the link goes down, nothing
    per tick while it stays down, one line and a fresh snapshot when it is back."""
    agents, pbxsim = _parts(service)
    await wait_until(lambda: agents.states.status("101").queues == {"repair"}, what="QueueStatus snapshot")
    caplog.set_level(logging.DEBUG, logger="callcenter.agents")
    port = pbxsim.server.port
    await pbxsim.server.stop()
    # Beats an hour ahead of the loop's clock: the service's own ticker never reaches a resync
    # in between, so these beats alone decide what is logged.
    ahead = asyncio.get_running_loop().time() + 3600 + RESYNC_SECONDS
    beats = (ahead + n * TICK_SECONDS for n in itertools.count())
    for _ in range(300):  # a minute of ticks: many resync attempts, all refused
        await agents.beat(next(beats))
    logged = [r for r in caplog.records
              if r.name.startswith("callcenter.agents") and r.levelno >= logging.INFO]
    assert [(r.levelname, r.exc_info) for r in logged] == [("WARNING", None)]
    assert "AMI" in logged[0].getMessage()
    revived = AmiServer(pbxsim.pbx, port=port)
    await revived.start()
    try:
        agents.states.status("101").queues.clear()  # the snapshot after the outage puts it back
        for _ in range(int(RESYNC_SECONDS / TICK_SECONDS)):
            await agents.beat(next(beats))
        back = [r for r in caplog.records if r.name.startswith("callcenter.agents")
                and r.levelno >= logging.INFO][len(logged):]
        assert [r.levelname for r in back if "back" in r.getMessage()] == ["INFO"]
        assert all(r.levelno < logging.WARNING for r in back)
        assert agents.states.status("101").queues == {"repair"}
    finally:
        await revived.stop()
