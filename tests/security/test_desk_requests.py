"""A tracker performs a desk action asked of it through the relay (issue 16: a web front end run
apart holds no AMI connection) only as the desk itself would: the agent's phone, the queue, the
pause reason, the number and the ActionID, a listener's role, mode and call are checked as any
input is, anything else is refused
before Asterisk (answered ``invalid`` and logged), a request for another PBX is left to its
tracker (R17, trust first). What reached pbxsim's AMI wire is what is asserted."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.messages import DeskAnswer, DeskRequest
from callcenter.service import Service
from tests.support.desk import sent_actions, small_hotline_settings, wait_until
from tests.support.service import running

FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.agents.phone_requests:build"]
INJECTED = "13800138000\r\n\r\nAction: QueuePause\r\nInterface: PJSIP/8102\r\nActionID: injected\r\n"
GOOD_ID = "desk-" + "a" * 32
LISTENER = "PJSIP/8900"  # supervisor 900's phone


@pytest.fixture
async def tracker(tmp_path: Path) -> AsyncIterator[Service]:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    settings = small_hotline_settings(tmp_path, url, CALLCENTER_PBX_NAME="pbx-a")
    async with running(settings, FACTORIES) as service:
        yield service


def _ask(seq: int, kind: str = "pause", **fields: object) -> DeskRequest:
    base: dict[str, object] = {"pbx": "pbx-a", "request_id": f"{seq:032x}", "kind": kind,
                               "interface": "PJSIP/8101"}
    return DeskRequest(**(base | fields))  # type: ignore[arg-type]


def _pbxsim_actions(service: Service) -> list[dict[str, str]]:
    pbxsim = service.context.extras["pbxsim"]
    return [a for name in ("QueuePause", "QueueAdd", "QueueRemove", "Originate")
            for a in sent_actions(pbxsim, name)]


async def test_a_tracker_performs_only_the_desks_own_actions_with_checked_fields(
        tracker: Service, caplog: pytest.LogCaptureFixture) -> None:
    answers: dict[str, DeskAnswer] = {}
    bus = tracker.context.bus
    bus.subscribe_sync(DeskAnswer, lambda a: answers.__setitem__(a.request_id, a))
    good_pause = _ask(1, paused=True, reason="午餐")
    good_call = _ask(2, "originate", number="13800138001", ticket_id=7, action_id=GOOD_ID)
    no_such_call = _ask(3, "listen_in", pbx="", interface=LISTENER, linkedid="pbx-a-1.99", mode="listen")
    hostile = [
        _ask(10, "Command"),  # no AMI action but the desk's own
        _ask(11, "originate", number=INJECTED, ticket_id=7, action_id=GOOD_ID),
        _ask(12, "originate", number="13800138001,CC_SURVEY=1", ticket_id=7, action_id=GOOD_ID),
        _ask(13, "originate", number="+442071838750", ticket_id=7, action_id=GOOD_ID),  # abroad (toll fraud)
        _ask(14, "originate", number="13800138001", ticket_id=7, action_id="callback-3-1"),  # a callback's
        _ask(15, "originate", number="13800138001", ticket_id="7\r\nAction: Hangup", action_id=GOOD_ID),
        _ask(16, "originate", number="13800138001", ticket_id=True, action_id=GOOD_ID),
        _ask(17, interface="PJSIP/8101\r\nAction: Hangup\r\nChannel: PJSIP/8102", paused=True),
        _ask(18, interface="PJSIP/9999", paused=True),  # no agent's phone
        _ask(19, interface="Local/s@default", paused=True),
        _ask(20, paused=True, reason="午餐\r\nAction: Hangup"),
        _ask(21, paused=True, reason="anything at all"),
        _ask(22, paused="yes"),
        _ask(23, "queue_add", queue="service\r\nPenalty: 0"),
        _ask(24, "queue_add", queue="nosuchqueue"),
        _ask(25, "queue_remove"),  # names no queue
        dataclasses.replace(good_pause, request_id="x\r\nAction: Hangup"),
        _ask(26, "listen_in", pbx="", linkedid="pbx-a-1.1", mode="listen"),  # 101 is no supervisor
        _ask(27, "listen_in", pbx="", interface=LISTENER, linkedid="1.1\r\nAction: Hangup", mode="listen"),
        _ask(28, "listen_in", pbx="", interface=LISTENER, linkedid="1.1", mode="spy"),
        _ask(29, "listen_in", pbx="", interface=LISTENER, linkedid="1" * 65, mode="listen"),
    ]
    for request in hostile:
        bus.publish(request)
    bus.publish(dataclasses.replace(good_pause, pbx="pbx-b", request_id=f"{30:032x}"))  # pbx-b's to do
    bus.publish(good_pause)
    bus.publish(no_such_call)
    bus.publish(good_call)
    # Requests are handled in order: once the good ones are answered, every hostile one was handled.
    await wait_until(lambda: good_call.request_id in answers, 15, "the click to call answered")

    assert answers[good_pause.request_id].ok and answers[good_call.request_id].ok
    assert answers[no_such_call.request_id].failure == "not_found"  # another tracker's call, or none
    assert [answers[r.request_id].failure for r in hostile] == ["invalid"] * len(hostile)
    assert f"{30:032x}" not in answers
    assert sum("refused a desk request on pbx-a" in r.getMessage() for r in caplog.records) == len(hostile)

    await wait_until(lambda: len(_pbxsim_actions(tracker)) >= 2, 10, "both actions at pbxsim")
    pause, call = _pbxsim_actions(tracker)
    assert {k: pause[k] for k in ("Interface", "Paused", "Reason")} == {
        "Interface": "PJSIP/8101", "Paused": "true", "Reason": "午餐"}
    assert "Queue" not in pause
    assert (call["Channel"], call["Exten"], call["ActionID"]) == ("PJSIP/8101", "13800138001", GOOD_ID)
    assert tracker.context.tracker is not None  # the tracker still runs


async def test_a_tracker_passes_asterisks_refusal_back_to_the_desk(tracker: Service) -> None:
    answers: list[DeskAnswer] = []
    tracker.context.bus.subscribe_sync(DeskAnswer, answers.append)
    # 8102 is no member of "repair": Asterisk answers that it is not there.
    tracker.context.bus.publish(_ask(1, "queue_remove", interface="PJSIP/8102", queue="repair"))
    await wait_until(lambda: bool(answers), 15, "the answer")
    [answer] = answers
    assert (answer.ok, answer.failure) == (False, "refused")
    assert answer.message  # Asterisk's own words, for the desk to show


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="callcenter.agents.phone_requests")
