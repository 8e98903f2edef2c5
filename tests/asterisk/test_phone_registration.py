"""A phone that is not registered on the real Asterisk 20: app_queue does not ring it (its member
is Unavailable, Status 5), and rings it again once it registers, in rrmemory's order (R13: the
roll-over counts only the phones rung). The capture ``unregistered_phone`` holds pbxsim to it."""

from __future__ import annotations

import asyncio

from tests.asterisk.conftest import Pbx, RunningService
from tests.asterisk.pbx import bridged


async def test_r13_a_phone_not_registered_is_skipped_until_it_registers_again(
        pbx: Pbx, service: RunningService) -> None:
    first = await pbx.phone("8101", answer_after=None)
    second = await pbx.phone("8102", answer_after=None)
    response = await second.register(expires=0)
    assert response.status == 200, response.first_line
    await pbx.member_state("8102", "Unavailable")
    caller = await pbx.call_in()
    await first.next_call()
    await first.next_call()  # 8101 again after its time-out and the retry: 8102 was skipped
    # 8102 is back during 8101's second ring; rrmemory's next round still starts at 8101 (the
    # round that skipped 8102 moved rrpos past it: app_queue.c store_next_rr), then 8102.
    response = await second.register()
    assert response.status == 200, response.first_line
    second.answer_after = 0.5
    answered = await second.next_call()
    await asyncio.wait_for(answered.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("unregistered_phone")
    called = [e["Interface"] for e in pbx.stream.events
              if e.get("Event") == "AgentCalled" and e.get("Linkedid") == caller.linkedid]
    assert called == ["PJSIP/8101", "PJSIP/8101", "PJSIP/8101", "PJSIP/8102"]
    assert (row.answered, row.attempts, row.agent_id) == (True, 4, "102")
