"""Dialplan flows pbxsim runs natively, keyed by (context, extension).

``from-pstn,inbound`` is the traces' flow: NoOp, Answer, Playback(hello-world), Queue(service,t,,,300),
NoOp, Hangup. ``callcenter-inbound`` and ``callcenter-route`` are the hotline flow of contract C3.
A flow returns the next (context, exten, priority) after a Goto/redirect, or None when done."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from callcenter.pbxsim import hotline_flow, loaded_dialplan
from callcenter.pbxsim.apps import Target, _after_queue, _guard, answer, playback
from callcenter.pbxsim.channels import Channel
from callcenter.pbxsim.queue_app import queue_app

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

Flow = Callable[["Pbx", Channel, Any], Awaitable[Target]]


async def traces_inbound(pbx: Pbx, channel: Channel, on_answer: Callable[[], None] | None) -> Target:
    async def body() -> Target:
        pbx.newexten(channel, 1, "NoOp", f"Property hotline call from {channel.cid_num}")
        answer(pbx, channel, 2, on_answer)
        await playback(pbx, channel, 3, "hello-world")
        queue = pbx.queues["service"]
        data = "service,t,,,300" + (f",{queue.config.agi}" if queue.config.agi else "")
        pbx.newexten(channel, 4, "Queue", data)
        request = await queue_app(pbx, channel, "service")
        return await _after_queue(pbx, channel, request, 5)
    return await _guard(pbx, channel, body())


async def traces_repair(pbx: Pbx, channel: Channel, on_answer: Callable[[], None] | None) -> Target:
    async def body() -> Target:
        pbx.newexten(channel, 1, "NoOp", "Transferred to repair desk")
        await playback(pbx, channel, 2, "pls-hold-while-try")
        pbx.newexten(channel, 3, "Queue", "repair,t,,,300")
        request = await queue_app(pbx, channel, "repair")
        return await _after_queue(pbx, channel, request, 4)
    return await _guard(pbx, channel, body())


FLOWS: dict[tuple[str, str], Flow] = {
    ("from-pstn", "inbound"): traces_inbound,
    ("from-pstn", "repair"): traces_repair,
    **hotline_flow.FLOWS,
    ("callcenter-doctor", "probe"): loaded_dialplan.run_loaded,
}
