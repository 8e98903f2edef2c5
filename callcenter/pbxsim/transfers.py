"""A bridged queue caller moved elsewhere, as Asterisk 20 reports it (traces README, point 10).

* AMI ``Redirect`` of the caller: no transfer event and no AgentComplete at that moment. The
  caller's ``Newexten`` (the new extension), ``BridgeLeave``, the old agent legs hung up with
  Cause 16; the first queue's ``AgentComplete`` waits until the caller finally hangs up, then says
  ``Reason: caller`` with a TalkTime that includes the time after the transfer, and no DestChannel.
* Blind transfer (AMI ``BlindTransfer`` or the phone's REFER), in the order a PJSIP REFER showed on
  Asterisk 20.20.1: ``Unhold`` of the transferring agent's channel, the caller's ``Newexten`` at
  the new place, ``BlindTransfer``, the caller's ``BridgeLeave``, an immediate ``AgentComplete``
  with ``Reason: transfer`` (and the agent's DestChannel), then the agent side's teardown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.pbxsim import queue_log as qlog
from callcenter.pbxsim.channels import Channel, HangupRequest
from callcenter.pbxsim.members import MemberLeg, bridge_headers, finish_leg, hangup_answered_leg

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx
    from callcenter.pbxsim.queue_state import QueueState, Waiting

MOVES = ("redirect", "transfer")


def is_move(request: HangupRequest | None) -> bool:
    return request is not None and request.side in MOVES and request.target is not None


def leave_bridge(pbx: Pbx, caller: Channel, queue: QueueState, leg: MemberLeg, bridge: str, hold: int,
                 connected_at: float, request: HangupRequest, entry: Waiting) -> None:
    """The caller leaves the queue's bridge for ``request.target``; the agent side is torn down."""
    assert request.target is not None
    context, exten, priority = request.target
    fields = [("Queue", queue.name), ("Interface", leg.member.interface), ("MemberName", leg.member.name),
              ("HoldTime", str(hold))]
    blind = request.side == "transfer"
    if blind:
        pbx.call_event("Unhold", leg.one)
    else:
        caller.on_hangup.append(lambda: _deferred_complete(pbx, caller, fields, connected_at, entry))
    caller.context, caller.exten, caller.priority = context, exten, priority
    # The snapshot moves before the channel leaves: Newexten at the new place, still in Queue().
    pbx.call_event("Newexten", caller, ("Extension", exten), ("Application", "Queue"), ("AppData", ""))
    if blind:
        pbx.emit("BlindTransfer", "call,all", blind_transfer_headers(caller, leg.one, bridge, request))
    caller.bridged_with = leg.one.bridged_with = None
    caller.bridge = leg.one.bridge = None
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + caller.headers())
    if blind:
        talk = str(int(pbx.now() - connected_at))
        pbx.agent_event("AgentComplete", caller, *leg.one.headers("Dest"), *fields, ("TalkTime", talk),
                        ("Reason", "transfer"))
        pbx.queue_log_line(caller, queue.name, leg.member.name, "BLINDTRANSFER", exten, context,
                           int(connected_at) - int(entry.joined_at), qlog.whole(pbx.now(), connected_at),
                           entry.original_position)
    hangup_answered_leg(pbx, leg, bridge)
    finish_leg(pbx, leg)
    log = pbx.calls.get(caller.linkedid)
    if log is not None:
        log.transfers.append((request.side, f"{context},{exten}"))


def _deferred_complete(pbx: Pbx, caller: Channel, fields: list[tuple[str, str]], connected_at: float,
                       entry: Waiting) -> None:
    talk = str(int(pbx.now() - connected_at))
    pbx.agent_event("AgentComplete", caller, *fields, ("TalkTime", talk), ("Reason", "caller"))
    named = dict(fields)
    pbx.queue_log_line(caller, named["Queue"], named["MemberName"], "COMPLETECALLER",
                       int(connected_at) - int(entry.joined_at), qlog.whole(pbx.now(), connected_at),
                       entry.original_position)


def blind_transfer_headers(transferee: Channel, transferer: Channel, bridge: str,
                           request: HangupRequest) -> list[tuple[str, str]]:
    assert request.target is not None
    context, exten, _ = request.target
    bridge_part = [(k, v) for k, v in bridge_headers(bridge, 2)]
    return ([("Result", "Success")] + transferer.headers("Transferer") + bridge_part
            + transferee.headers("Transferee") + [("IsExternal", "Yes"), ("Context", context),
                                                  ("Extension", exten)])
