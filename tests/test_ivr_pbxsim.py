"""End to end on the embedded PBX: pbxsim runs the hotline flow of contract C3 and calls the real
FastAGI server; the real AMI listener and tracker (C1) measure the rings; what each caller heard
is pbxsim's log (R1, R2, R3, R12, R13, R14, R18)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from callcenter.config import load_settings
from callcenter.db.models.tickets import Ticket
from callcenter.db.session import unit_of_work
from callcenter.pbxsim.driver import run_scenario
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.pbxsim.timebase import ScaledClock
from callcenter.service import Service
from tests.support.service import listener_ready
from tests.support.virtual_time import in_virtual_time, on_the_wall_clock

pytestmark = pytest.mark.slow
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI).timestamp()
WEDNESDAY_NIGHT = dt.datetime(2026, 11, 25, 22, 30, tzinfo=SHANGHAI).timestamp()
SPEED = 6.0
FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.ivr.component:build", "callcenter.callbacks.component:build"]


@dataclasses.dataclass
class Hotline:
    service: Service
    database_url: str

    @property
    def pbx(self) -> Any:
        return self.service.context.extras["pbxsim"].pbx

    async def run(self, *calls: CallPlan) -> dict[str, Any]:
        sim = self.service.context.extras["pbxsim"]
        await asyncio.wait_for(run_scenario(sim.pbx, Scenario("ivr_e2e", flow="hotline", calls=calls),
                                            sim.server.port), timeout=120)
        return {log.caller: log for log in self.pbx.calls.values()}


@contextlib.asynccontextmanager
async def _hotline(hotline_path: Path, tmp_path: Path, start: float) -> AsyncIterator[Hotline]:
    url = f"sqlite:///{tmp_path / 'cc.db'}"
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                              "CALLCENTER_DATABASE_URL": url})
    service = Service(dataclasses.replace(settings, agi_port=0), clock=ScaledClock(SPEED, start=start),
                      factories=FACTORIES)
    await service.start()
    try:
        await listener_ready(service)
        yield Hotline(service, url)
    finally:
        await service.stop()


def _call(caller: str, keys: str, at: float = 0.5, **ring: str) -> CallPlan:
    variables = {f"__RING_{ext}": seconds for ext, seconds in ring.items()} | {"PBXSIM_TALK": "3"}
    return CallPlan(at=at, caller=caller, via="pjsip", keys=keys, variables=variables)


def _greetings(database_url: str) -> dict[str, tuple[str | None, float | None]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("select caller, greeting, ring_seconds from calls")).all()
    finally:
        engine.dispose()
    return {row[0]: (row[1], row[2]) for row in rows}


@in_virtual_time
async def test_answer_greetings_standard_and_apology_r1_r2_r3_r13(hotline_path: Path, tmp_path: Path) -> None:
    async with _hotline(hotline_path, tmp_path, WEDNESDAY_MORNING) as open_hotline:
        logs = await open_hotline.run(
            # billing (key 2): 8301 picks up after 4 s, within three rings.
            _call("13800000001", "2", **{"8301": "4"}),
            # service (key 3): 8101 picks up at 11 s, in the third ring (10-15 s): still standard.
            _call("13800000003", "3", at=0.7, **{"8101": "11", "8102": "never", "8103": "never"}),
            # repair (key 1): 8201 never answers, the queue rolls over to 8202, which answers after
            # 4 s of its own ringing, but the caller has rung for about 17 s: the fourth ring.
            _call("13800000002", "1", at=0.9, **{"8201": "never", "8202": "4", "8101": "never"}),
        )
        fast, late_third, rolled = logs["13800000001"], logs["13800000003"], logs["13800000002"]
        # R3: the hotline greets first
        assert fast.heard[:2] == ["callcenter/zh/greeting", "callcenter/zh/menu"]
        assert fast.answered_by == "PJSIP/8301" and "callcenter/zh/agent_301" in fast.heard
        assert late_third.answered_by == "PJSIP/8101" and "callcenter/zh/agent_101" in late_third.heard
        assert [a for a, _ in rolled.attempts][:2] == ["PJSIP/8201", "PJSIP/8202"]
        # R2/R13
        assert rolled.answered_by == "PJSIP/8202" and "callcenter/zh/agent_202_apology" in rolled.heard
        assert rolled.ring_seconds is not None and rolled.ring_seconds >= 15
        with on_the_wall_clock():  # the writer process commits the records on the wall clock
            await open_hotline.service.stop()
        stored = _greetings(open_hotline.database_url)
        assert stored["13800000001"][0] == "standard" and stored["13800000003"][0] == "standard"
        assert stored["13800000002"][0] == "apology"


@in_virtual_time
async def test_after_hours_caller_leaves_a_message_and_gets_a_callback_r18(hotline_path: Path,
                                                                           tmp_path: Path) -> None:
    async with _hotline(hotline_path, tmp_path, WEDNESDAY_NIGHT) as night_hotline:
        logs = await night_hotline.run(_call("13800000004", "1"))
        night = logs["13800000004"]
        assert night.heard == ["callcenter/zh/after_hours"] and night.answered_by is None
        await night_hotline.service.context.bus.drain()
        await night_hotline.service.stop()
        engine = sa.create_engine(night_hotline.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(sa.text("select caller, reason, due_at from callbacks")).all()
        finally:
            engine.dispose()
        assert [(r[0], r[1]) for r in rows] == [("13800000004", "message")]


def _spy_variables(pbx: Any, caller: str) -> dict[str, str]:
    """What the AGI set on the caller's channel (pbxsim's set_var, wrapped)."""
    variables: dict[str, str] = {}
    set_var = pbx.set_var

    def record(channel: Any, name: str, value: str) -> None:
        if channel.cid_num == caller and name.startswith("CC_"):
            variables.setdefault(name, value)  # the first value: the routing decision
        set_var(channel, name, value)

    pbx.set_var = record
    return variables


def _open_ticket(hotline: Hotline, caller: str, owner: str) -> None:
    with unit_of_work(hotline.service.context.sessions) as session:
        session.add(Ticket(caller=caller, caller_name="王先生", category="repair", owner=owner, status="open",
                           summary="水管漏水"))


@in_virtual_time
async def test_repeat_caller_goes_to_the_free_owner_first_r14(hotline_path: Path, tmp_path: Path) -> None:
    async with _hotline(hotline_path, tmp_path, WEDNESDAY_MORNING) as open_hotline:
        _open_ticket(open_hotline, "13800000005", "201")
        variables = _spy_variables(open_hotline.pbx, "13800000005")
        logs = await open_hotline.run(_call("13800000005", "2", **{"8201": "3"}))
        repeat = logs["13800000005"]
        # R14, R15
        assert {k: variables.get(k) for k in ("CC_ROUTE", "CC_TARGET", "CC_QUEUE", "CC_CALLER_NAME")} == \
            {"CC_ROUTE": "extension", "CC_TARGET": "8201", "CC_QUEUE": "repair", "CC_CALLER_NAME": "王先生"}
        # No menu: the owner's phone rings and announces its 工号 to the caller (Dial A(), R3).
        assert repeat.heard == ["callcenter/zh/greeting", "callcenter/zh/agent_201"]
        assert repeat.answered_by == "PJSIP/8201"


@in_virtual_time
async def test_owner_not_answering_falls_back_to_the_department_queue_r14(hotline_path: Path,
                                                                          tmp_path: Path) -> None:
    async with _hotline(hotline_path, tmp_path, WEDNESDAY_MORNING) as open_hotline:
        _open_ticket(open_hotline, "13800000006", "201")
        logs = await open_hotline.run(_call("13800000006", "1", **{"8201": "never", "8202": "2"}))
        repeat = logs["13800000006"]
        assert repeat.heard[0] == "callcenter/zh/greeting" and "callcenter/zh/menu" not in repeat.heard
        assert repeat.answered_by == "PJSIP/8202"  # the repair queue, after the owner's phone
        assert any(p.startswith("callcenter/zh/agent_202") for p in repeat.heard)


@in_virtual_time
async def test_transfer_to_an_absent_colleague_ends_in_a_message_and_callback_r12(hotline_path: Path,
                                                                                  tmp_path: Path) -> None:
    async with _hotline(hotline_path, tmp_path, WEDNESDAY_MORNING) as open_hotline:
        # The scenario's redirect time counts from the moment the IVR answered: greeting, menu, a 2 s
        # ring and a few seconds of talk lie before it; then 8301 sends the caller to 8103, who is away.
        call = _call("13800000007", "2", **{"8301": "2", "8103": "never"})
        plan = dataclasses.replace(call, variables=call.variables | {"PBXSIM_TALK": "30"},
                                   redirect=(16.0, "callcenter-transfer", "8103"))
        logs = await open_hotline.run(plan)
        moved = logs["13800000007"]
        heard = moved.heard
        assert "callcenter/zh/agent_301" in heard  # answered by 8301 first (R3)
        after = heard[heard.index("callcenter/zh/agent_301") + 1:]
        # 请稍等，我为您转接 (R12)
        assert after[:2] == ["callcenter/zh/transferring", "callcenter/zh/transfer_failed"]
        await open_hotline.service.context.bus.drain()
        await open_hotline.service.stop()
        engine = sa.create_engine(open_hotline.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(sa.text("select caller, reason, owner from callbacks")).all()
        finally:
            engine.dispose()
        assert ("13800000007", "message", "103") in [tuple(r) for r in rows]  # the colleague calls back
