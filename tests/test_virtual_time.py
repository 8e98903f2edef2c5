"""The virtual-time loop the pbxsim tests run on: a scenario's event times are what the scenario
says, whether or not the machine is busy (the loop losing the CPU for a while changes nothing)."""

from __future__ import annotations

import asyncio
import random
import time

from test_pbxsim_fidelity import capture
from test_pbxsim_transfers import _moved_call

from callcenter.pbxsim.scenario import parse_scenario
from tests.support.fidelity import messages
from tests.support.virtual_time import run_in_virtual_time


async def _stalls() -> None:
    """A busy machine: the event loop loses the CPU for up to 30 ms, again and again."""
    rng = random.Random(7)
    while True:
        await asyncio.sleep(0.25)
        time.sleep(rng.uniform(0, 0.03))  # noqa: ASYNC251 - blocking the loop on purpose: this is the stall


async def _event_times(busy: bool) -> list[tuple[str, float]]:
    stalls = asyncio.create_task(_stalls()) if busy else None
    try:
        stream, _pbx = await capture(parse_scenario(_moved_call("redirect")))
    finally:
        if stalls is not None:
            stalls.cancel()
    events = [dict(m) for m in messages(stream) if "Timestamp" in dict(m)]
    start = float(events[0]["Timestamp"])
    return [(e["Event"], round(float(e["Timestamp"]) - start, 4)) for e in events]


def test_a_busy_machine_changes_no_event_time_of_a_pbxsim_scenario() -> None:
    quiet = run_in_virtual_time(_event_times(busy=False))
    assert run_in_virtual_time(_event_times(busy=True)) == quiet
    talk = [e for e in quiet if e[0] == "AgentComplete"]
    assert len(talk) == 2 and len(quiet) > 100
