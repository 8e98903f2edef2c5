"""A callback placed by the running service through its real AMI action client (contract C1)
against the embedded PBX: the owner's phone rings first (R14), pbxsim answers, the tracker turns
the OriginateResponse into OriginateResult on the bus and the callback is closed as answered; a
phone that never answers leaves the callback for its retry (R9, R22)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.callbacks.policies import Plan
from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.calls.model import OriginateResult
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.callbacks import Callback, CallbackLog
from callcenter.db.session import unit_of_work
from callcenter.service import Service

CUSTOMER = "13800138000"
SH = ZoneInfo("Asia/Shanghai")
# 10:00 in the centre tomorrow, inside calling hours whatever the wall clock says; the scheduler's
# own wake-ups (wall-clock time) then lie in the future, so the test places with run_due().
NOW = dt.datetime.combine(dt.datetime.now(SH).date() + dt.timedelta(days=1), dt.time(10, 0),
                          SH).astimezone(dt.UTC)
FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.callbacks.component:build"]


async def _service(database_url: str, hotline_path: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Service:
    monkeypatch.setenv("CALLCENTER_PBXSIM_SPEED", "20")  # an 8 s ring takes 0.4 s
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url,
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var")})
    service = Service(settings, clock=FrozenClock(NOW), factories=FACTORIES)
    await service.start()
    calls = next(c for c in service._started if c.name == "calls")
    async with asyncio.timeout(10):
        await calls.listener.connected.wait()  # type: ignore[attr-defined]
    return service


async def _until(condition: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await asyncio.to_thread(condition):
            await asyncio.sleep(0.05)


def _row(service: Service) -> tuple[str, int, list[tuple[str, str | None]]]:
    with unit_of_work(service.context.sessions) as s:
        cb = s.scalars(select(Callback)).one()
        log = [(e.kind, e.channel) for e in s.scalars(select(CallbackLog).order_by(CallbackLog.id))]
        return cb.status, cb.attempts, log


async def test_r14_service_rings_the_owner_through_pbxsim_and_closes_on_answer(
        database_url: str, hotline_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = await _service(database_url, hotline_path, tmp_path, monkeypatch)
    results: list[OriginateResult] = []
    service.context.bus.subscribe(OriginateResult, results.append)
    try:
        runtime: CallbackRuntime = service.context.extras["callbacks"]
        await runtime.decide([Plan("dropped", NOW, CUSTOMER, "e2e:1", owner="101", department="service")])
        await runtime.run_due()
        await _until(lambda: _row(service)[0] == "done")
    finally:
        await service.stop()
    status, attempts, log = _row(service)
    assert (status, attempts) == ("done", 1)
    # The attempt's log line and the answer may land in either order (the answer can be quicker).
    assert log[0] == ("created", None)
    # Reason 4 is the agent's answer; the customer leg's answer closes it ("call": the stored call,
    # which may come after the stop).
    assert sorted((e for e in log[1:] if e[0] != "call"), key=str) == sorted(
        [("attempt", "PJSIP/8101"), ("agent_answered", "PJSIP/8101"), ("answered", None)], key=str)
    [result] = [r for r in results if r.action_id == "callback-1-1"]
    assert (result.success, result.reason, result.channel) == (True, "4", "PJSIP/8101")


async def test_r22_owner_phone_never_answering_leaves_the_callback_for_its_retry(
        database_url: str, hotline_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = await _service(database_url, hotline_path, tmp_path, monkeypatch)
    try:
        service.context.extras["pbxsim"].pbx.globals["RING_8101"] = "never"
        runtime: CallbackRuntime = service.context.extras["callbacks"]
        now = NOW
        await runtime.decide([Plan("dropped", now, CUSTOMER, "e2e:2", owner="101", department="service")])
        await runtime.run_due()
        await _until(lambda: _row(service)[2][-1][0] == "no_answer")  # 30 s Originate timeout, at 20x
    finally:
        await service.stop()
    status, attempts, _ = _row(service)
    assert (status, attempts) == ("pending", 1)
    with unit_of_work(service.context.sessions) as s:
        due = s.scalars(select(Callback.due_at)).one()
    # Retried retry_interval_minutes later, or at the next calling-hours start if that is later.
    assert due >= now + dt.timedelta(minutes=10)
