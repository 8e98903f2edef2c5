"""Restart safety over real TCP against pbxsim (Asterisk 20's CoreShowChannels with BridgeId,
QueueStatus with QueueEntry Wait): a call in progress when the service restarts is adopted with its
state (answered or ringing, which member, since when) and the events that follow complete it. It is
stored once, answered, with its agent and its ring time to the whole second Asterisk reports (R1),
and who hung up first (R10); it is never taken for a dropped call (R9)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.calls.model import AgentRinging, GreetingDecision
from callcenter.pbxsim import PbxConfig
from callcenter.pbxsim.ami_server import AmiServer
from tests.support.calls_run import CallsRun
from tests.support.pbx import serving_pbx, stored_calls

SPEED = 10.0
RING = PbxConfig().default_ring_seconds


@pytest.fixture
async def pbx(tmp_path: Path) -> AsyncIterator[AmiServer]:
    async with serving_pbx(PbxConfig(queue_log=str(tmp_path / "queue_log")), SPEED) as server:
        yield server


async def originate(run: CallsRun, talk_after_answer: float) -> str:
    assert run.ctx.actions is not None
    await run.ctx.actions.originate("Local/inbound@from-pstn", application="Wait",
                                    data=f"{RING + talk_after_answer:g}", caller_id="13800138000")
    await run.until(lambda: run.ctx.tracker.open_calls == 1)
    linkedid: str = run.ctx.tracker.live_calls()[0].linkedid
    return linkedid


async def test_restart_after_the_answer_adopts_the_call_answered_with_its_agent_and_ring_time(
        pbx: AmiServer, database_url: str, hotline_path: Path, tmp_path: Path) -> None:
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log") as first:
        linkedid = await originate(first, talk_after_answer=25.0)
        await first.until(lambda: any(isinstance(m, GreetingDecision) for m in first.seen))
    assert stored_calls(database_url) == []  # the restart lost the call's memory, nothing was written
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log") as second:
        live = second.ctx.tracker.live_calls()
        assert [(c.linkedid, c.state,
                 c.agent) for c in live] == [(linkedid, "talking", "Local/agent1@agents")]
        await second.until(lambda: bool(second.stored()))
    truth = pbx.pbx.calls[linkedid]
    (record,) = [m.record for m in second.stored()]
    assert record.linkedid == linkedid and record.answered and not record.abandoned
    assert record.agent == truth.answered_by == "Local/agent1@agents" and record.member_name == "Agent 1"
    assert truth.ring_seconds is not None and truth.answered_at is not None and truth.ended_at is not None
    assert record.ring_seconds == pytest.approx(truth.ring_seconds, abs=1.0)  # Asterisk's whole seconds
    assert record.within_rule is True and record.rings == 2  # R1: 8 s of ringing is the second ring
    assert record.answered_at == pytest.approx(truth.answered_at, abs=1.0)
    assert record.talk_seconds == pytest.approx(truth.ended_at - truth.answered_at, abs=1.0)
    assert record.hangup_first == truth.hangup_first == "caller" and not record.dropped  # R10, not R9
    assert [leg.outcome for leg in record.legs] == ["answered"]
    # The leg's own CDR (Getvar CDR(start,u)/CDR(answer,u)) gave its ring start and answer exactly.
    assert record.ring_seconds == pytest.approx(truth.ring_seconds, abs=0.1) and "adopted" not in record.flags
    (row,) = stored_calls(database_url)
    assert row.linkedid == linkedid and row.answered and row.agent_interface == "Local/agent1@agents"


async def test_restart_while_the_agent_rings_adopts_the_ringing_leg_and_decides_the_greeting(
        pbx: AmiServer, database_url: str, hotline_path: Path, tmp_path: Path) -> None:
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log") as first:
        linkedid = await originate(first, talk_after_answer=5.0)
        await first.until(lambda: any(isinstance(m, AgentRinging) for m in first.seen))
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log") as second:
        live = second.ctx.tracker.live_calls()
        assert [(c.linkedid, c.state) for c in live] in ([(linkedid, "ringing")], [(linkedid, "talking")])
        await second.until(lambda: bool(second.stored()))
    truth = pbx.pbx.calls[linkedid]
    (record,) = [m.record for m in second.stored()]
    assert record.answered and record.agent == "Local/agent1@agents" and record.hangup_first == "caller"
    assert truth.ring_seconds is not None
    assert record.ring_seconds == pytest.approx(truth.ring_seconds, abs=1.0)
    assert not record.dropped and len(stored_calls(database_url)) == 1


async def test_restart_after_a_roll_over_keeps_the_first_attempt_in_the_ring_time_r13(
        pbx: AmiServer, database_url: str, hotline_path: Path, tmp_path: Path) -> None:
    """Agent 1 rings past the 15 s member timeout, the queue rolls over to agent 2; the service
    restarts while agent 2 rings. The snapshot shows only agent 2's leg: the first attempt comes
    from Asterisk's queue_log (RINGNOANSWER), and the caller's ring time runs from it (R13)."""
    pbx.pbx.globals.update({"RING_agent1": "20", "RING_agent2": "6"})
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log") as first:
        linkedid = await originate(first, talk_after_answer=30.0)
        await first.until(lambda: sum(isinstance(m, AgentRinging) for m in first.seen) == 2)
    async with CallsRun(pbx.port, database_url, hotline_path, tmp_path, tmp_path / "queue_log") as second:
        await second.until(lambda: bool(second.stored()), timeout=30)
    truth = pbx.pbx.calls[linkedid]
    (record,) = [m.record for m in second.stored()]
    assert truth.ring_seconds is not None and truth.ring_seconds > 21.0  # 15 s + 1 s retry + 6 s
    assert record.answered and record.agent == truth.answered_by == "Local/agent2@agents"
    assert record.ring_seconds == pytest.approx(truth.ring_seconds, abs=1.0)
    assert record.within_rule is False  # R1: past three rings, whoever answered in the end
    assert [leg.outcome for leg in record.legs] == ["no_answer", "answered"]
    assert [leg.member_name for leg in record.legs] == ["Agent 1", "Agent 2"]
