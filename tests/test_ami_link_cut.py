"""A lost AMI link is not a lost call (R9, R10). A TCP proxy between the service and pbxsim is cut
for 20 s mid-call while the PBX keeps the calls up: the call still up at the reconnect goes on and
ends as it does; the call that ended meanwhile is completed from what Asterisk logged (queue_log:
who hung up, the talk time), not taken for a dropped call with an R9 callback; a call that came
and went inside the cut is recorded from the queue_log. Each is stored once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.calls.model import GreetingDecision
from callcenter.db.models.calls import Call
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.driver import ScenarioDriver
from callcenter.pbxsim.scenario import CallPlan, Scenario
from tests.support.calls_run import QUICK, CallsRun
from tests.support.pbx import pbx_writing_queue_log, stored_calls
from tests.support.tcp_proxy import CuttableProxy

SPEED = 10.0
CUT_SECONDS = 20.0
RING = {"__RING_agent1": "8", "__RING_agent2": "8"}


@pytest.fixture
async def pbx_with_log(tmp_path: Path) -> AsyncIterator[tuple[AmiServer, Path]]:
    async with pbx_writing_queue_log(tmp_path, SPEED) as served:
        yield served


def stored_by_linkedid(database_url: str) -> dict[str, Call]:
    rows = stored_calls(database_url)
    assert len({r.linkedid for r in rows}) == len(rows)  # nothing doubled
    return {r.linkedid: r for r in rows}


async def test_link_cut_mid_call_loses_no_call_and_calls_nobody_back_for_it(
        pbx_with_log: tuple[AmiServer, Path], database_url: str, hotline_path: Path, tmp_path: Path) -> None:
    server, queue_log = pbx_with_log
    pbx = server.pbx
    driver = ScenarioDriver(pbx, Scenario("link-cut"), server.port)
    async with CuttableProxy(server.port) as proxy, \
            CallsRun(proxy.port, database_url, hotline_path, tmp_path, queue_log, QUICK) as run:
        await driver.place(CallPlan(0, "13800000001", via="sip", variables={**RING, "PBXSIM_TALK": "40"}))
        await pbx.sleep(2.0)
        await driver.place(CallPlan(0, "13800000002", via="sip", variables={**RING, "PBXSIM_TALK": "12"}))
        await run.until(lambda: sum(isinstance(m, GreetingDecision) for m in run.seen) == 2)
        live = sorted(run.ctx.tracker.live_calls(), key=lambda c: c.caller or "")
        long_call, short_call = (c.linkedid for c in live)
        proxy.cut()
        await pbx.sleep(1.5)  # the third caller arrives while the link is down, gives up in the queue
        await driver.place(CallPlan(0, "13800000003", via="sip", hangup_after=8.0, variables=RING))
        unseen = next(c.linkedid for c in pbx.calls.values() if c.caller == "13800000003")
        await pbx.sleep(CUT_SECONDS - 1.5)
        assert pbx.calls[short_call].ended_at is not None and pbx.calls[unseen].ended_at is not None
        assert pbx.calls[long_call].ended_at is None  # still talking when the link comes back
        proxy.restore()
        await run.until(lambda: len(run.stored()) == 3, timeout=30)
    rows = stored_by_linkedid(database_url)
    assert sorted(rows) == sorted([long_call, short_call, unseen])
    for linkedid, row in rows.items():
        truth = pbx.calls[linkedid]
        assert row.hangup_first == truth.hangup_first == "caller", linkedid  # R10, never "system"
        assert not row.dropped, linkedid  # R9: nobody is called back for our lost link
        assert row.answered == (truth.answered_by is not None) and row.agent_interface == truth.answered_by
    went_on, ended_in_cut, came_and_went = rows[long_call], rows[short_call], rows[unseen]
    assert not went_on.backfilled
    assert went_on.ring_seconds == pytest.approx(pbx.calls[long_call].ring_seconds, abs=0.5)
    truth = pbx.calls[short_call]
    assert truth.ended_at is not None and truth.answered_at is not None
    assert not ended_in_cut.backfilled and ended_in_cut.answered
    assert ended_in_cut.flags == "ended_unseen" and went_on.flags is None
    assert ended_in_cut.talk_seconds == pytest.approx(truth.ended_at - truth.answered_at, abs=1.0)
    assert came_and_went.backfilled and came_and_went.abandoned and not came_and_went.answered
