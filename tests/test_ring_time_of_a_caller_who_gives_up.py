"""R1 for a caller who gives up between two rings: the caller hears the queue the whole time, so
the ring time runs from the first attempt to the hang-up, as pbxsim (and the caller) counts it, not
only to the end of the last attempt (make chaos found 0.74 s missing on a caller who hung up in the
queue's retry pause)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.pbxsim import Pbx, PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from callcenter.pbxsim.queue_state import QueueConfig
from tests.support.calls_run import CallsRun

SPEED = 10.0
AGENTS = (("Local/agent1@agents", "Agent 1"), ("Local/agent2@agents", "Agent 2"))


@pytest.fixture
async def pbx(tmp_path: Path) -> AsyncIterator[AmiServer]:
    # Each attempt rings 3 s, then the queue waits 6 s before the next one.
    config = PbxConfig(queues=[QueueConfig("service", AGENTS, timeout=3.0, retry=6.0),
                               QueueConfig("repair", AGENTS[1:], timeout=3.0, retry=6.0)])
    pbx = Pbx(config, speed=SPEED, clock=None)
    server = AmiServer(pbx, auth_failure_delay=0.05)
    await server.start()
    yield server
    await pbx.stop()
    await server.stop()


async def test_a_caller_who_hangs_up_between_two_rings_rang_until_the_hang_up_r1(
        pbx: AmiServer, database_url: str, hotline_path: Path, tmp_path: Path) -> None:
    pbx.pbx.globals.update({"RING_agent1": "never", "RING_agent2": "never"})
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path) as run:
        assert run.ctx.actions is not None
        # Greeting ~2 s, one 3 s attempt, then the caller hangs up 2 s into the 6 s pause.
        await run.ctx.actions.originate("Local/inbound@from-pstn", application="Wait", data="7.5",
                                        caller_id="13800138000")
        await run.until(lambda: bool(run.stored()), timeout=30)
    (record,) = [m.record for m in run.stored()]
    truth = pbx.pbx.calls[record.linkedid]
    assert truth.attempts and all(outcome == "no_answer" for _, outcome in truth.attempts)
    assert truth.ended_at is not None and truth.ring_seconds is not None
    assert record.abandoned and not record.answered
    assert record.ring_seconds == pytest.approx(truth.ring_seconds, abs=0.1)
