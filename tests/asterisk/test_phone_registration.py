"""A phone that is not registered on the real Asterisk 20: app_queue does not ring it (its member
is Unavailable, Status 5), and rings it again once it registers (R13: the roll-over counts only the
phones rung). The capture ``unregistered_phone`` holds pbxsim to it."""

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
    back_at = len(pbx.stream.events)
    response = await second.register()
    assert response.status == 200, response.first_line
    second.answer_after = 0.5
    answered = await second.next_call()
    await asyncio.wait_for(answered.answered.wait(), 20)
    await bridged(pbx.stream, caller.linkedid)
    await pbx.hang_up(caller.channel)
    row = await service.stored_call(caller.linkedid)
    pbx.save_capture("unregistered_phone")
    rung = [(i, e["Interface"]) for i, e in enumerate(pbx.stream.events)
            if e.get("Event") == "AgentCalled" and e.get("Linkedid") == caller.linkedid]
    called = [interface for _, interface in rung]
    # Which member rrmemory's next round starts at depends on the queue's earlier calls (on a
    # fresh Asterisk: 8101 once more, then 8102; the capture holds pbxsim to that order), so
    # what is asserted here is R13's: never 8102 while it was not registered, 8101 rung at least
    # twice meanwhile, and 8102 rung again once it was back.
    assert all(at >= back_at for at, interface in rung if interface == "PJSIP/8102")
    first_8102 = called.index("PJSIP/8102")
    assert called[:first_8102].count("PJSIP/8101") == first_8102 >= 2
    assert called[-1] == "PJSIP/8102"
    assert (row.answered, row.attempts, row.agent_id) == (True, len(called), "102")
