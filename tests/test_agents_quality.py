"""The agent's own figures for the day next to the team's (R1, R2, R10, R16): the team is the
whole centre's day counted over its calls, as the report's total is."""

from __future__ import annotations

import datetime as dt

from callcenter.agents.quality import local_day, own_quality
from callcenter.db.models.calls import Agent, Call
from callcenter.db.models.tickets import QualityFinding
from callcenter.db.session import make_engine, make_session_factory, unit_of_work

# 10:00 in Shanghai on 25 November.
NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
TZ = "Asia/Shanghai"


def _call(n: int, agent: str, *, within: bool, apology: bool = False, hung_up: bool = False,
          when: dt.datetime = NOW) -> Call:
    return Call(linkedid=f"c{n}", caller="13800138000", agent_id=agent, started_at=when, ended_at=when,
                answered=True,
                within_rule=within, greeting="apology" if apology else "standard",
                hangup_first="agent" if hung_up else "caller")


def test_local_day_is_the_centres_calendar_day() -> None:
    start, end = local_day(NOW, TZ)
    assert start == dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC) and end - start == dt.timedelta(days=1)


def test_own_three_ring_rate_late_answers_hang_ups_and_findings_next_to_the_team(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        for agent_id, ext in (("101", "8101"), ("102", "8102")):
            s.add(Agent(id=agent_id, name=agent_id, extension=ext, interface=f"PJSIP/{ext}"))
        s.flush()
        s.add_all([
            _call(1, "101", within=True), _call(2, "101", within=False, apology=True),
            _call(3, "101", within=False, hung_up=True), _call(4, "101", within=True),
            _call(5, "102", within=True), _call(6, "102", within=True),
            # yesterday (Shanghai) does not count
            _call(7, "101", within=False, when=NOW - dt.timedelta(hours=11)),
        ])
        # B4: a callback the agent placed (outbound, the agent hung up first) is no caller waiting
        outbound = _call(8, "101", within=False, hung_up=True)
        outbound.direction, outbound.within_rule, outbound.greeting = "outbound", None, None
        s.add(outbound)
        s.add(QualityFinding(agent_id="101", kind="forbidden_phrase", detail="不知道", created_at=NOW))
        s.add(QualityFinding(agent_id="101", kind="closing_missing", created_at=NOW))
    with unit_of_work(sessions) as s:
        figures = own_quality(s, "101", NOW, TZ)
    engine.dispose()
    own, team = figures["own"], figures["team"]
    assert own == {"answered": 4, "within_three_rings": 2, "late": 2, "late_with_apology": 1,
                   "hung_up_first": 1, "findings": 2, "three_ring_pct": 50.0}
    # The team: 6 answered calls, 4 within three rings = 66.7 % (the mean of the agents' rates,
    # 50 % and 100 %, would say 75 %).
    assert team == {"answered": 6, "within_three_rings": 4, "late": 2, "late_with_apology": 1,
                    "hung_up_first": 1, "findings": 2, "three_ring_pct": 66.7}
    assert figures["day"] == "2026-11-25"


def test_an_agent_without_calls_today_sees_zeros_not_an_error(database_url: str) -> None:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        figures = own_quality(s, "103", NOW, TZ)
    engine.dispose()
    assert figures["own"]["answered"] == 0 and figures["own"]["three_ring_pct"] is None
    assert figures["team"]["three_ring_pct"] is None
