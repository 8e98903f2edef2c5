"""Originate to a device (``PJSIP/8101``): the phone rings, answers after its RING_<ext> seconds
(or never), then runs the Application or the Context/Exten given; OriginateResponse reports it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from callcenter.pbxsim.callback_flow import CALLBACK_CONTEXT, callback
from callcenter.pbxsim.calllog import CallLog
from callcenter.pbxsim.channels import RINGING, UP, Channel
from callcenter.pbxsim.dialplan import run_channel
from callcenter.pbxsim.flows import FLOWS
from callcenter.pbxsim.members import NEVER, phone_key
from callcenter.pbxsim.queues import set_member_state
from callcenter.pbxsim.wire import Headers, first

_ANGLED = re.compile(r"<([^>]*)>")


def caller_id_number(caller_id: str) -> str:
    """``"回电 13800138000" <13800138000>`` -> ``13800138000``; a bare ``13800138000`` as is."""
    match = _ANGLED.search(caller_id)
    return match[1].strip() if match else caller_id.strip().partition(" ")[0]

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

def originate_device(pbx: Pbx, target: str, action: Headers, variables: dict[str, str],
                     action_id: str | None) -> Channel:
    context, exten = first(action, "Context") or "default", first(action, "Exten") or "s"
    channel = pbx.new_channel(f"{target}-{pbx.ids.suffix()}", context, exten, variables=variables)
    number = caller_id_number(first(action, "CallerID") or "")
    # As Asterisk 20 sends it: the new channel shows the endpoint's own number, then the
    # Originate's CallerID replaces it (NewCallerid) before the phone is dialled.
    channel.cid_num = phone_key(target)
    pbx.call_event("Newchannel", channel)
    if number:
        channel.cid_num = number
        pbx.call_event("NewCallerid", channel, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))
    # The Originate's own dial: DialBegin/DialEnd name only the destination (traces README).
    pbx.emit("DialBegin", "call,all", channel.headers("Dest") + [("DialString", target.split("/", 1)[1])])
    if context == "callcenter-callback":  # the centre calls out: the customer is the callee
        pbx.calls[channel.linkedid] = CallLog(channel.linkedid, "", pbx.now(),
                                              variables={"CC_CUSTOMER": exten})
    else:
        pbx.calls[channel.linkedid] = CallLog(channel.linkedid, number, pbx.now())
    pbx.spawn(_run(pbx, channel, target, action, action_id), name=channel.name)
    return channel


def _ring_seconds(pbx: Pbx, channel: Channel, target: str) -> float:
    raw = channel.var(f"RING_{phone_key(target)}") or pbx.globals.get(f"RING_{phone_key(target)}")
    if raw is None:
        return pbx.config.default_ring_seconds
    return NEVER if raw.lower() in ("never", "noanswer") else float(raw)


async def _run(pbx: Pbx, channel: Channel, target: str, action: Headers, action_id: str | None) -> None:
    timeout = float(first(action, "Timeout") or "30000") / 1000
    ring = _ring_seconds(pbx, channel, target)
    pbx.set_state(channel, RINGING)
    pbx.emit("DialState", "call,all", channel.headers("Dest") + [("DialStatus", "RINGING")])
    set_member_state(pbx, target, "ringing")
    request = await pbx.wait(channel, min(ring, timeout))
    application, data = first(action, "Application") or "", first(action, "Data") or ""
    base = [("Channel", target), ("Context", channel.context),
            ("Exten", channel.exten)] if not application else [
        ("Channel", target), ("Application", application), ("Data", data)]
    if request is not None or ring > timeout:
        status = "CANCEL" if request is not None else "NOANSWER"
        pbx.emit("DialEnd", "call,all", channel.headers("Dest") + [("DialStatus", status)])
        pbx.hangup(channel, 16 if request is not None else 19)
        set_member_state(pbx, target, None)
        reason = "1" if request is not None else "3"
        pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + [
            ("Response", "Failure")] + base + [("Reason", reason), ("Uniqueid", "<null>"),
                                                ("CallerIDNum", channel.cid_num),
                                                ("CallerIDName", "<unknown>")])
        return
    pbx.set_state(channel, UP)
    pbx.emit("DialEnd", "call,all", channel.headers("Dest") + [("DialStatus", "ANSWER")])
    set_member_state(pbx, target, "inuse")
    pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + [
        ("Response", "Success")] + base + [("Reason", "4"), ("Uniqueid", channel.uniqueid),
                                            ("CallerIDNum", channel.cid_num), ("CallerIDName", "<unknown>")])
    try:
        await _after_answer(pbx, channel, target, application, data)
    finally:
        set_member_state(pbx, target, None)


async def _after_answer(pbx: Pbx, channel: Channel, target: str, application: str, data: str) -> None:
    if application:
        seconds = float(data) if application.lower() == "wait" and data.replace(".", "", 1).isdigit() else (
            pbx.config.default_talk_seconds)
        await pbx.wait(channel, seconds)
        pbx.hangup(channel, 16)
        return
    if channel.context == CALLBACK_CONTEXT:  # the callbacks area's agent-first Originate (C6)
        await callback(pbx, channel, phone_key(target))
    elif (channel.context, channel.exten) in FLOWS:
        await run_channel(pbx, channel)
    else:
        pbx.hangup(channel, 16)
