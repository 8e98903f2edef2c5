"""The report over calls made for real: pbxsim runs the hotline flow (C3), the service's AMI
listener, tracker and writer (C1) store the calls, and the answer-time report counts them as
the scenario was designed — fast, late after a roll-over with the apology (R1, R2, R13), and
abandoned; the same from the calls and from the roll-ups, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.pbxsim.driver import run_scenario
from callcenter.pbxsim.scenario import CallPlan, Scenario
from callcenter.pbxsim.timebase import ScaledClock
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period
from callcenter.service import Service
from tests.support.service import listener_ready
from tests.support.virtual_time import in_virtual_time, on_the_wall_clock

pytestmark = pytest.mark.slow
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
DAY = Period(MORNING.date(), MORNING.date(), "Asia/Shanghai")
SPEED = 6.0
FACTORIES = ["callcenter.pbxsim.component:build", "callcenter.calls.component:build",
             "callcenter.ivr.component:build"]


def call(caller: str, keys: str, at: float, hangup_after: float | None = None, **ring: str) -> CallPlan:
    variables = {f"__RING_{ext}": seconds for ext, seconds in ring.items()} | {"PBXSIM_TALK": "3"}
    return CallPlan(at=at, caller=caller, via="pjsip", keys=keys, variables=variables,
                    hangup_after=hangup_after)


@in_virtual_time
async def test_a_morning_of_pbxsim_calls_reports_as_designed_r1_r2_r13(
        hotline_path: Path, tmp_path: Path, database_url: str) -> None:
    url = database_url  # SQLite and PostgreSQL
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                              "CALLCENTER_DATABASE_URL": url})
    service = Service(dataclasses.replace(settings, agi_port=0),
                      clock=ScaledClock(SPEED, start=MORNING.timestamp()),
                      factories=FACTORIES)
    await service.start()
    try:
        await listener_ready(service)
        sim = service.context.extras["pbxsim"]
        calls = (
            call("13800000001", "2", 0.5, **{"8301": "4"}),  # billing: answered after 4 s
            # rolls over: late
            call("13800000002", "1", 0.9, **{"8201": "never", "8202": "4", "8101": "never"}),
            call("13800000003", "4", 1.3, hangup_after=30,
                 **{"8101": "never", "8102": "never", "8103": "never"}),
        )
        await asyncio.wait_for(run_scenario(sim.pbx, Scenario("report_e2e", flow="hotline", calls=calls),
                                            sim.server.port), timeout=120)
    finally:
        with on_the_wall_clock():  # the writer process commits every record on the wall clock
            await service.stop()
    engine = make_engine(url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            direct = answer_time_report(session, DAY, "agent", Thresholds.from_rules(settings.hotline.rules))
            rolled = answer_time_report(session, DAY, "agent", Thresholds.from_rules(settings.hotline.rules),
                                        today=MORNING.date() + dt.timedelta(days=1))
    finally:
        engine.dispose()
    total = direct.total
    assert (total.count("offered"), total.count("answered"), total.count("abandoned"),
            total.count("short_abandoned")) == (3, 2, 1, 0)
    assert (total.count("within_rule"), total.count("late_apology"),
            total.count("late_no_apology")) == (1, 1, 0)
    rows = {r.key: r for r in direct.rows}
    # Hand-computed (5 s cycle, 12 s member timeout, pbxsim's 1 s retry, rrmemory from the first member):
    # call 1: 301 answers after 4 s -> 1st ring, within the rule, answered within 15 s.
    row = rows["301"]
    assert row.count("within_rule") == row.count("rings_1") == row.count("answered_15s") == 1
    assert rows["301"].seconds["avg_ring"] == pytest.approx(4, abs=0.01)
    # call 2: 201 rings out (12 s), retry (1 s), 202 answers after 4 s -> 17 s, the 4th ring, apology (R2,
    # R13).
    assert rows["202"].count("late_apology") == rows["202"].count("rings_4") == 1
    assert rows["202"].count("answered_15s") == 0
    assert rows["202"].seconds["avg_ring"] == pytest.approx(12 + 1 + 4, abs=0.01)
    # call 3: 101 and 102 each ring out (12 + 1 + 12 s) before the caller gives up, 30 s after dialling.
    assert {key: r.ring_no_answer for key,
            r in rows.items() if r.ring_no_answer} == {"201": 1, "101": 1, "102": 1}
    assert 25 < rows[None].seconds["avg_abandon_wait"] < 30
    assert rows[None].count("abandoned") == 1
    assert [(r.key, r.counts,
             r.seconds) for r in rolled.rows] == [(r.key, r.counts, r.seconds) for r in direct.rows]
