"""A tracker places a callback asked of it through the relay (issue 16) only as the scheduler would
have: every field of a ``PlaceCallback`` is checked as any input is, a request for another PBX or
for an attempt that is not running is ignored, and a repeated request places nothing more (R22,
trust first). What reached pbxsim's AMI wire is what is asserted."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.db.models.callbacks import Callback
from callcenter.db.session import unit_of_work
from callcenter.messages import PlaceCallback
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.service import Service
from tests.support.desk import small_hotline_settings, wait_until
from tests.support.service import running

FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.callbacks.placing:build"]
INJECTED = "13800138000\r\n\r\nAction: QueuePause\r\nInterface: PJSIP/8102\r\nActionID: injected\r\n"


@pytest.fixture
async def tracker(tmp_path: Path) -> AsyncIterator[Service]:
    url = f"sqlite:///{tmp_path / 'placing.db'}"
    settings = small_hotline_settings(tmp_path, url, CALLCENTER_PBX_NAME="pbx-a")
    async with running(settings, FACTORIES) as service:
        yield service


def _running(service: Service, number: str) -> int:
    """A callback whose first attempt the scheduler has just begun."""
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(service.context.sessions) as s:
        cb = Callback(caller=number, owner="101", reason="message", due_at=now, promised_at=now,
                      status="running", attempts=1, last_attempt_at=now, created_at=now,
                      dedupe_key=f"message:pbx-a:{number}")
        s.add(cb)
        s.flush()
        return cb.id


def _originates(service: Service) -> list[dict[str, str]]:
    server: AmiServer = service.context.extras["pbxsim"].server
    return [dict(a) for s in server.sessions + server.closed_sessions for a in s.actions
            if dict(a).get("Action") == "Originate"]


async def _placed(service: Service, callback_id: int) -> None:
    sent = f"callback-{callback_id}-1"
    await wait_until(lambda: any(o.get("ActionID") == sent for o in _originates(service)), 30,
                     f"callback #{callback_id} placed")


def _request(callback_id: int, number: str) -> PlaceCallback:
    return PlaceCallback(pbx="pbx-a", callback_id=callback_id, attempt=1, channel="PJSIP/8101", number=number,
                         reason="message")


async def test_a_tracker_places_only_well_formed_requests_for_its_own_pbx(tracker: Service) -> None:
    first = _running(tracker, "13800138001")
    marker = _running(tracker, "13800138002")
    good = _request(first, "13800138001")
    bus = tracker.context.bus
    for hostile in (dataclasses.replace(good, number=INJECTED),
                    dataclasses.replace(good, number="13800138001,CC_SURVEY=1"),
                    dataclasses.replace(good, number="+442071838750"),  # abroad: not dialled (toll fraud)
                    dataclasses.replace(good, channel="PJSIP/8101&PJSIP/9999"),
                    dataclasses.replace(good, channel="Local/s@default"),
                    dataclasses.replace(good, reason="x\r\nAction: Hangup"),
                    dataclasses.replace(good, callback_id="1"),  # type: ignore[arg-type]
                    dataclasses.replace(good, attempt=True),
                    dataclasses.replace(good, pbx="pbx-b"),  # another PBX's tracker places that
                    dataclasses.replace(good, attempt=2)):  # not the attempt that is running
        bus.publish(hostile)
    bus.publish(_request(marker, "13800138002"))
    await _placed(tracker, marker)  # requests are handled in order: the hostile ones are behind us
    assert [o["ActionID"] for o in _originates(tracker)] == [f"callback-{marker}-1"]
    assert tracker.context.tracker is not None  # the tracker still runs


async def test_a_repeated_request_for_one_attempt_is_placed_once(tracker: Service) -> None:
    first = _running(tracker, "13800138001")
    marker = _running(tracker, "13800138002")
    bus = tracker.context.bus
    bus.publish(_request(first, "13800138001"))
    bus.publish(_request(first, "13800138001"))
    bus.publish(_request(marker, "13800138002"))
    await _placed(tracker, marker)
    placed = [o for o in _originates(tracker) if o["ActionID"] == f"callback-{first}-1"]
    assert len(placed) == 1
    assert placed[0]["Channel"] == "PJSIP/8101" and placed[0]["Exten"] == "13800138001"
