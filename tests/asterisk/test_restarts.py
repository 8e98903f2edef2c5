"""Restarts in the middle of a conversation on the real Asterisk: the service stopped and started
again while the caller talks, and Asterisk itself restarted under the running service. Either way
the call is stored exactly once (trust first: never lost, never doubled)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.harness import Asterisk
from tests.asterisk.pbx import Truth, bridged, truth


def _rows(service: RunningService, linkedid: str) -> int:
    assert service.service is not None
    with unit_of_work(service.service.context.sessions) as session:
        query = select(func.count()).select_from(Call).where(Call.linkedid == linkedid)
        return int(session.scalar(query) or 0)


async def _restarted_mid_call(pbx: Pbx, asterisk: Asterisk, tmp_path: Path) -> tuple[Any, int, Truth]:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = RunningService(asterisk, url)
    await first.start()
    phone = await pbx.phone("8101", answer_after=0.4)
    caller = await pbx.call_in()
    agent_call = await phone.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await first.stop()  # the service goes down while the caller and agent talk
    second = RunningService(asterisk, url)
    await second.start()
    try:
        await asyncio.sleep(0.5)
        await pbx.hang_up(caller.channel)
        row = await second.stored_call(caller.linkedid)
        count = _rows(second, caller.linkedid)
    finally:
        await second.stop()
    pbx.save_capture("service_restarted_mid_call")
    return row, count, truth(pbx.stream.events, caller.linkedid)


async def test_service_restarted_mid_call_stores_the_call_once_with_its_answer(
        pbx: Pbx, asterisk: Asterisk, tmp_path: Path) -> None:
    row, count, _ami = await _restarted_mid_call(pbx, asterisk, tmp_path)
    assert count == 1
    assert (row.answered, row.agent_id, row.hangup_first) == (True, "101", "caller")


async def test_r1_service_restarted_mid_call_keeps_the_ring_time(
        pbx: Pbx, asterisk: Asterisk, tmp_path: Path) -> None:
    row, _count, ami = await _restarted_mid_call(pbx, asterisk, tmp_path)
    assert ami.ring_seconds is not None
    # The adopted leg's own CDR (CDR(start,u), CDR(answer,u)) gives its ring start and answer.
    assert row.ring_seconds is not None and abs(row.ring_seconds - ami.ring_seconds) <= 0.05
    assert row.flags is None or "adopted" not in row.flags


async def test_asterisk_restarted_mid_call_stores_the_call_once(
        pbx: Pbx, asterisk: Asterisk, service: RunningService) -> None:
    phone = await pbx.phone("8101", answer_after=0.4)
    caller = await pbx.call_in()
    agent_call = await phone.next_call()
    await asyncio.wait_for(agent_call.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await asyncio.to_thread(asterisk.stop)  # every channel goes down with it
    await asyncio.to_thread(asterisk.start)
    row = await service.stored_call(caller.linkedid, timeout=60)
    assert _rows(service, caller.linkedid) == 1
    assert (row.answered, row.agent_id) == (True, "101")
    await asyncio.wait_for(agent_call.ended.wait(), 20)  # the phone's dialog ended too
    pbx.save_capture("asterisk_restarted_mid_call")
