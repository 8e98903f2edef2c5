"""Which tracker performs a web front end's desk action when there are several PBXs (issue 16,
``agents.relayed``): the tracker of the PBX that last reported the agent's phone reachable or
where its last call ended (an unpause: where it is reported paused); while none has, the only
tracker heard from, else the front end's own CALLCENTER_PBX_NAME. No answer in bounded time reads
as the phone system being unavailable. The desk's queue snapshot is every
tracker's, a phone's state taken from the PBX it is registered on.

Two trackers with pbxsim in this process; the relay between them and the front end's bus is
replaced by forwarding the same messages (the relay itself: tests/test_desk_apart.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.agents.hub import DeskHub
from callcenter.agents.relayed import RelayedActions
from callcenter.agents.states import UNAVAILABLE_TEXT, AgentStates, PhoneSystemUnavailable
from callcenter.ami.actions import AmiActionError
from callcenter.bus import EventBus
from callcenter.calls.model import CallEnded, CallRecord
from callcenter.clock import SystemClock
from callcenter.config import load_settings
from callcenter.messages import AgentStateChanged, DeskAnswer, DeskRequest, LiveSnapshot
from callcenter.pbxsim.registrations import unregister
from callcenter.service import Service
from tests.support.desk import SMALL_HOTLINE, sent_actions, wait_until

FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.agents.phone_requests:build"]
PHONE = "PJSIP/8101"


async def _tracker(tmp_path: Path, pbx: str) -> Service:
    path = tmp_path / "hotline.toml"
    path.write_text(SMALL_HOTLINE.format(cycle=5, member_timeout=12), encoding="utf-8")
    settings = load_settings({"CALLCENTER_HOTLINE": str(path), "CALLCENTER_VAR_DIR": str(tmp_path / pbx),
                              "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / f'{pbx}.db'}",
                              "CALLCENTER_PBX_NAME": pbx})
    service = Service(settings, factories=FACTORIES)
    await service.start()
    return service


@pytest.fixture
async def trackers(tmp_path: Path) -> AsyncIterator[dict[str, Service]]:
    running = {pbx: await _tracker(tmp_path, pbx) for pbx in ("pbx-a", "pbx-b")}
    try:
        yield running
    finally:
        for service in running.values():
            await asyncio.wait_for(service.stop(), 15)


def _front(trackers: dict[str, Service], own_pbx: str = "pbx-web") -> tuple[EventBus, RelayedActions]:
    """A web front end's bus with the relay's forwarding: its requests to every tracker, their
    answers back (a tracker leaves another PBX's requests alone)."""
    web = EventBus()
    actions = RelayedActions(web, own_pbx)
    for service in trackers.values():
        web.subscribe_sync(DeskRequest, service.context.bus.publish)
        service.context.bus.subscribe_sync(DeskAnswer, web.publish)
    return web, actions


def _pauses(service: Service) -> list[dict[str, str]]:
    return sent_actions(service.context.extras["pbxsim"], "QueuePause")


def _reported(pbx: str, state: str) -> AgentStateChanged:
    return AgentStateChanged(PHONE, "101", state, False, None, "repair", 0.0, pbx)  # type: ignore[arg-type]


async def test_a_desk_action_goes_to_the_pbx_that_last_reported_the_phone_reachable(
        trackers: dict[str, Service]) -> None:
    web, actions = _front(trackers)
    web.publish(_reported("pbx-b", "available"))
    web.publish(_reported("pbx-a", "logged_out"))  # on pbx-a the phone is not registered
    await actions.queue_pause(PHONE, True, reason="午餐")
    await wait_until(lambda: bool(_pauses(trackers["pbx-b"])), 10, "the pause at pbx-b")
    assert _pauses(trackers["pbx-a"]) == []
    web.publish(_reported("pbx-a", "available"))  # the phone moved to pbx-a
    await actions.queue_pause(PHONE, False)
    await wait_until(lambda: bool(_pauses(trackers["pbx-a"])), 10, "the resume at pbx-a")
    assert [p["Paused"] for p in _pauses(trackers["pbx-b"])] == ["true"]


async def test_before_any_phone_report_the_only_tracker_heard_from_is_asked(
        trackers: dict[str, Service]) -> None:
    web, actions = _front({"pbx-b": trackers["pbx-b"]})
    web.publish(LiveSnapshot("pbx-b", ()))  # its answer when the front end connected
    await actions.queue_pause(PHONE, True, reason="培训")
    assert [p["Reason"] for p in _pauses(trackers["pbx-b"])] == ["培训"]


async def test_with_several_trackers_and_no_report_the_front_ends_own_pbx_is_asked(
        trackers: dict[str, Service]) -> None:
    web, actions = _front(trackers, own_pbx="pbx-a")
    web.publish(LiveSnapshot("pbx-a", ()))
    web.publish(LiveSnapshot("pbx-b", ()))
    await actions.queue_pause(PHONE, True, reason="午餐")
    assert len(_pauses(trackers["pbx-a"])) == 1 and _pauses(trackers["pbx-b"]) == []


async def test_asterisks_refusal_comes_back_in_its_own_words(trackers: dict[str, Service]) -> None:
    _, actions = _front(trackers, own_pbx="pbx-a")
    with pytest.raises(AmiActionError, match=r"(?i)not there"):
        await actions.queue_remove("service", PHONE)  # 8101 is in "repair" only


async def test_a_desk_action_no_tracker_answers_says_the_phone_system_is_unavailable() -> None:
    web = EventBus()
    actions = RelayedActions(web, "pbx-a", answer_seconds=0.5)
    asked: list[DeskRequest] = []
    web.subscribe_sync(DeskRequest, asked.append)
    with pytest.raises(PhoneSystemUnavailable) as refused:
        await actions.queue_pause(PHONE, True, reason="午餐")
    assert str(refused.value) == UNAVAILABLE_TEXT
    assert [(r.pbx, r.kind, r.interface) for r in asked] == [("pbx-a", "pause", PHONE)]


async def test_the_desks_queue_snapshot_shows_each_phone_as_the_pbx_it_is_registered_on(
        trackers: dict[str, Service]) -> None:
    """Every tracker lists its members; the agent's phone is offline on pbx-a and paused for lunch
    on pbx-b, where it is registered: the desk shows it paused, in both queues' memberships."""
    unregister(trackers["pbx-a"].context.extras["pbxsim"].pbx, "8101")
    await trackers["pbx-b"].context.actions.queue_pause(PHONE, True, reason="午餐")
    web, actions = _front(trackers)
    web.publish(LiveSnapshot("pbx-a", ()))
    web.publish(LiveSnapshot("pbx-b", ()))
    hotline = trackers["pbx-a"].context.settings.hotline
    states = AgentStates(hotline, lambda: actions, DeskHub(), SystemClock(), 0)
    await states.snapshot()
    shown = states.status("101").as_dict()
    assert (shown["state"], shown["paused"], shown["reason"], shown["queues"]) == (
        "paused", True, "午餐", ["repair"])
    assert states.status("102").as_dict()["state"] == "available"  # registered on both, not paused


def _answered_on(pbx: str) -> CallEnded:
    """A call agent 101 answered on ``pbx`` has just ended (what starts their wrap-up)."""
    return CallEnded(CallRecord(
        linkedid=f"{pbx}-1.1", server=pbx, caller="13800138000", caller_name=None, direction="inbound",
        queue="repair", agent=PHONE, member_name="李秀英", started_at=0.0, queue_entered_at=1.0,
        answered_at=2.0, ended_at=60.0, answered=True, abandoned=False, ring_seconds=1.0, rings=1,
        within_rule=True, greeting=None, wait_seconds=1.0, talk_seconds=58.0, hold_seconds=0.0,
        hangup_first="caller"))


async def test_a_wrap_up_pause_goes_to_the_pbx_of_the_call_and_its_end_to_where_the_phone_is_paused(
        trackers: dict[str, Service]) -> None:
    web, actions = _front(trackers)
    web.publish(_reported("pbx-a", "available"))
    web.publish(_answered_on("pbx-b"))
    await actions.queue_pause(PHONE, True, reason="话后处理")
    assert [p["Reason"] for p in _pauses(trackers["pbx-b"])] == ["话后处理"]
    assert _pauses(trackers["pbx-a"]) == []
    # pbx-b reports the pause; pbx-a (where the phone also shows) reports it free: the end goes to pbx-b.
    web.publish(AgentStateChanged(PHONE, "101", "paused", True, "话后处理", "repair", 61.0, "pbx-b"))
    web.publish(_reported("pbx-a", "available"))
    await actions.queue_pause(PHONE, False)
    assert [p["Paused"] for p in _pauses(trackers["pbx-b"])] == ["true", "false"]
    assert _pauses(trackers["pbx-a"]) == []
