"""The dialplan pbxsim runs natively: how callers arrive (AMI Originate of a Local channel, or a
trunk channel), the traces' ``from-pstn`` flow, the hotline flow of contract C3, and the
caller-side events that happen during a call (hold, hang-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.pbxsim.apps import dialplan_hangup
from callcenter.pbxsim.calllog import CallLog
from callcenter.pbxsim.channels import RING, UP, Channel, HangupRequest
from callcenter.pbxsim.flows import FLOWS
from callcenter.pbxsim.members import local_bridge

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx
CALLING_PRES = ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")


def originate_local(pbx: Pbx, exten: str, context: str, caller_id: str, variables: dict[str, str],
                    wait_seconds: float | None, action_id: str | None, application: str,
                    data: str) -> Channel:
    """``Originate Local/exten@context`` with ``Application=Wait``: the ;1 half is the caller's
    phone (it hangs up when its Wait ends), the ;2 half runs the dialplan (trace caller model)."""
    base = f"Local/{exten}@{context}-{pbx.ids.suffix()}"
    one = pbx.new_channel(f"{base};1", context, exten, variables=variables)
    two = pbx.new_channel(f"{base};2", context, exten, linkedid=one.linkedid, state=RING, variables=variables)
    one.partner, two.partner = two, one
    one.application, one.app_data = application, data  # the ;1 half runs the Originate's application
    pbx.call_event("Newchannel", one)
    pbx.call_event("Newchannel", two)
    number, _, _ = caller_id.partition(" ")
    for channel in (one, two):
        channel.cid_num = number
        pbx.call_event("NewCallerid", channel, CALLING_PRES)
        channel.conn_num = number
    local_bridge(pbx, one, two)
    pbx.emit("DialBegin", "call,all", one.headers("Dest") + [("DialString", f"{exten}@{context}")])
    pbx.calls[one.linkedid] = CallLog(one.linkedid, number, pbx.now())

    def answered() -> None:
        pbx.set_state(one, UP)
        pbx.emit("DialEnd", "call,all", one.headers("Dest") + [("DialStatus", "ANSWER")])
        response = [("Response", "Success"), ("Channel", one.name), ("Application", application),
                    ("Data", data), ("Reason", "4"), ("Uniqueid", one.uniqueid),
                    ("CallerIDNum", number), ("CallerIDName", "<unknown>")]
        pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + response)
        if wait_seconds is not None:
            pbx.later(wait_seconds, lambda: two.request(HangupRequest("caller", 0)))

    two.variables["PBXSIM_ON_ANSWER"] = ""
    pbx.spawn(run_channel(pbx, two, on_answer=answered), name=two.name)
    return two


def trunk_call(pbx: Pbx, caller_id: str, *, technology: str = "SIP", context: str = "from-pstn",
               exten: str = "inbound", variables: dict[str, str] | None = None) -> Channel:
    """A caller on a trunk (``SIP/127.0.0.1-N`` as in the sip_* traces, or ``PJSIP/trunk-N``)."""
    peer = "127.0.0.1" if technology == "SIP" else "trunk"
    entry_context = "from-pstn-sip" if technology == "SIP" and context == "from-pstn" else context
    channel = pbx.new_channel(f"{technology}/{peer}-{pbx.ids.suffix()}", entry_context, exten,
                              variables=variables)
    channel.cid_num = channel.cid_name = caller_id
    pbx.call_event("Newchannel", channel)
    pbx.set_state(channel, RING)
    channel.context = context
    pbx.calls[channel.linkedid] = CallLog(channel.linkedid, caller_id, pbx.now())
    pbx.spawn(run_channel(pbx, channel), name=channel.name)
    return channel


async def run_channel(pbx: Pbx, channel: Channel, on_answer=None) -> None:  # type: ignore[no-untyped-def]
    target: tuple[str, str, int] | None = (channel.context, channel.exten, 1)
    while target is not None and not channel.hungup:
        context, exten, _priority = target
        channel.context, channel.exten = context, exten
        flow = FLOWS.get((context, exten)) or FLOWS.get((context, "_X."))
        if flow is None:  # Asterisk: no such extension -> the channel is hung up
            dialplan_hangup(pbx, channel)
            return
        target = await flow(pbx, channel, on_answer)
        on_answer = None


def hold(pbx: Pbx, channel: Channel, on: bool) -> None:
    """A re-INVITE sendonly/sendrecv from the caller: Hold/Unhold on it, MOH on the other party."""
    if channel.hungup or channel.on_hold == on:
        return
    channel.on_hold = on
    pbx.call_event("Hold" if on else "Unhold", channel)
    other = channel.bridged_with
    if other is not None:
        if on:
            pbx.call_event("MusicOnHoldStart", other, ("Class", "default"))
        else:
            pbx.call_event("MusicOnHoldStop", other)
