"""A callback for a department: ``Originate Local/<queue>@callcenter-queues`` with Context
``callcenter-callback`` and Exten = the customer's number (callcenter/ivr/dialplan_callbacks.py).

The ``;2`` half runs ``[callcenter-queues]``: ``Queue(<queue>,r,,,60)``. app_queue answers it only
when a member answers, so the ``;1`` half — the originated channel, whose Uniqueid is the call's
Linkedid — comes up then (OriginateResponse Reason 4) and continues in ``[callcenter-callback]``:
it dials the customer (callback_flow). The two conversations are joined through the Local pair:
the member hanging up ends ``;2`` and so ``;1``; the customer hanging up ends ``;1`` and so ``;2``.
A member not answering within the Originate's Timeout fails it (Reason 3).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from callcenter.ivr.dialplan_callbacks import QUEUE_RING_SECONDS
from callcenter.pbxsim.callback_flow import callback
from callcenter.pbxsim.calllog import CallLog
from callcenter.pbxsim.channels import RING, UP, Channel, HangupRequest
from callcenter.pbxsim.members import local_bridge
from callcenter.pbxsim.queue_app import queue_app
from callcenter.pbxsim.wire import Headers, first

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx
QUEUE_CONTEXT = "callcenter-queues"


def originate_queue(pbx: Pbx, queue: str, action: Headers, variables: dict[str, str], number: str,
                    action_id: str | None) -> Channel:
    base = f"Local/{queue}@{QUEUE_CONTEXT}-{pbx.ids.suffix()}"
    customer = first(action, "Exten") or ""
    one = pbx.new_channel(f"{base};1", QUEUE_CONTEXT, queue, variables=variables)
    two = pbx.new_channel(f"{base};2", QUEUE_CONTEXT, queue, linkedid=one.linkedid, state=RING,
                          variables=variables)
    one.partner, two.partner = two, one
    for channel in (one, two):
        channel.cid_num = channel.conn_num = number or "<unknown>"
        pbx.call_event("Newchannel", channel)
    local_bridge(pbx, one, two)
    pbx.emit("DialBegin", "call,all", one.headers("Dest") + [("DialString", f"{queue}@{QUEUE_CONTEXT}")])
    # The centre calls out: the log's caller stays empty, the customer is the callee.
    pbx.calls[one.linkedid] = CallLog(one.linkedid, "", pbx.now(), variables={"CC_CUSTOMER": customer})
    timeout = float(first(action, "Timeout") or "30000") / 1000
    pbx.spawn(_run(pbx, one, two, queue, customer, timeout, action_id), name=two.name)
    return one


async def _run(pbx: Pbx, one: Channel, two: Channel, queue: str, customer: str, timeout: float,
               action_id: str | None) -> None:
    connected: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def watch(event: Headers) -> None:  # app_queue answers ;2 when the member is connected
        if first(event, "Event") == "AgentConnect" and first(event,
                                                             "Channel") == two.name and not connected.done():
            connected.set_result(None)
    pbx.listeners.append(watch)
    pbx.newexten(two, 1, "Queue", f"{queue},r,,,{QUEUE_RING_SECONDS}")

    def give_up() -> None:  # the Originate's Timeout: Asterisk gives up on the Local channel
        if not connected.done() and not one.hungup:
            pbx.emit("DialEnd", "call,all", one.headers("Dest") + [("DialStatus", "NOANSWER")])
            two.request(HangupRequest("caller", 0))
    timer = pbx.later(timeout, give_up)
    # spawned, so that it dies with the process at a restart as every call flow does
    queue_task = pbx.spawn(queue_app(pbx, two, queue) if queue in pbx.queues else _no_queue(pbx, two),
                           name=f"{two.name} Queue")
    try:
        await asyncio.wait([connected, queue_task], return_when=asyncio.FIRST_COMPLETED)
    finally:
        pbx.listeners.remove(watch)
        timer.cancel()
    if not connected.done():  # nobody answered in time (or no such queue): the Originate failed
        await queue_task
        _response(pbx, one, action_id, customer, answered=False)
        return
    pbx.set_state(two, UP)
    pbx.set_state(one, UP)
    pbx.emit("DialEnd", "call,all", one.headers("Dest") + [("DialStatus", "ANSWER")])
    _response(pbx, one, action_id, customer, answered=True)
    one.context, one.exten = "callcenter-callback", customer
    await asyncio.gather(_customer_side(pbx, one, two), _agent_side(pbx, one, two, queue_task))


async def _no_queue(pbx: Pbx, two: Channel) -> HangupRequest | None:
    pbx.set_var(two, "QUEUESTATUS", "UNKNOWN")
    pbx.hangup(two, 0)
    return None


async def _customer_side(pbx: Pbx, one: Channel, two: Channel) -> None:
    await callback(pbx, one, "")
    two.request(HangupRequest("caller", 0))  # ;1 gone: the Local pair takes ;2 down with it


async def _agent_side(pbx: Pbx, one: Channel, two: Channel,
                      queue_task: asyncio.Future[HangupRequest | None]) -> None:
    request = await queue_task
    if request is None and not two.hungup:  # the member hung up: Queue() returns, then Hangup()
        pbx.newexten(two, 2, "Hangup", "")
        pbx.hangup_request(two, 16, soft=True)
        pbx.hangup(two, 16)
    one.request(HangupRequest("agent", 16))


def _response(pbx: Pbx, one: Channel, action_id: str | None, customer: str, answered: bool) -> None:
    if not answered:
        pbx.hangup(one, 0)
    head = [("ActionID", action_id)] if action_id else []
    pbx.emit("OriginateResponse", "call,all", head + [
        ("Response", "Success" if answered else "Failure"), ("Channel", one.name.rsplit("-", 1)[0]),
        ("Context", "callcenter-callback"), ("Exten", customer), ("Reason", "4" if answered else "3"),
        ("Uniqueid", one.uniqueid if answered else "<null>"), ("CallerIDNum", one.cid_num),
        ("CallerIDName", "<unknown>")])
