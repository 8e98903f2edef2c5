"""A supervisor listening in (calls/spying.py), as Asterisk 20.20.1 runs the rendered contexts
(tests/data/asterisk-captures/listen_in*.ami):

    [callcenter-spy-phone]  exten => 8900,1,Dial(PJSIP/8900,30)
    [callcenter-spy]        exten => listen,1,GotoIf($["${CC_SPY_CHANNEL}" = ""]?nobody,1)
                             same => n,ChanSpy(${CC_SPY_CHANNEL},qdES)   (whisper: qdESw, barge: qdESB)

``Originate Local/8900@callcenter-spy-phone`` (Context callcenter-spy, Exten the mode): the ;2
half dials the supervisor's phone, which answers after ``RING_8900`` seconds; the ;1 half then
runs ChanSpy on the channel named by CC_SPY_CHANNEL (ChanSpyStart / ChanSpyStop). The session
ends when the spied-on channel hangs up (option E), when the supervisor hangs up (after
``TALK_8900`` seconds; default: never) or by AMI Hangup. pbxsim carries no audio, so DTMF mode
switches are Asterisk's alone.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from callcenter.calls.spying import CHANSPY_OPTIONS, SPY_CHANNEL_VARIABLE, SPY_PHONE_CONTEXT
from callcenter.pbxsim.channels import RING, RINGING, UP, Channel, HangupRequest
from callcenter.pbxsim.dialplan import CALLING_PRES
from callcenter.pbxsim.members import NEVER, _seconds, bridge_headers, local_bridge
from callcenter.pbxsim.queues import device_state_change
from callcenter.pbxsim.wire import Headers, first

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

SPYEE_GONE = "spyee"


def is_spy_originate(target: str) -> bool:
    return target.startswith("Local/") and target.endswith(f"@{SPY_PHONE_CONTEXT}")


def originate_spy(pbx: Pbx, target: str, action: Headers, variables: dict[str, str],
                  action_id: str | None) -> None:
    extension = target[len("Local/"):].partition("@")[0]
    base = f"Local/{extension}@{SPY_PHONE_CONTEXT}-{pbx.ids.suffix()}"
    one = pbx.new_channel(f"{base};1", SPY_PHONE_CONTEXT, extension)
    two = pbx.new_channel(f"{base};2", SPY_PHONE_CONTEXT, extension, linkedid=one.linkedid, state=RING)
    one.partner, two.partner = two, one
    pbx.call_event("Newchannel", one)
    pbx.call_event("Newchannel", two)
    number = (first(action, "CallerID") or "").rpartition("<")[2].rstrip(">")
    for channel in (one, two):
        for name, value in variables.items():
            pbx.set_var(channel, name, value)
        if number:
            channel.cid_num = channel.conn_num = number
            pbx.call_event("NewCallerid", channel, CALLING_PRES)
    local_bridge(pbx, one, two)
    dial_string = f"{extension}@{SPY_PHONE_CONTEXT}"
    pbx.emit("DialBegin", "call,all", one.headers("Dest") + [("DialString", dial_string)])
    mode = first(action, "Exten") or ""
    timeout = float(first(action, "Timeout") or "30000") / 1000
    pbx.spawn(_session(pbx, one, two, extension, mode, timeout, action, action_id), name=one.name)


async def _session(pbx: Pbx, one: Channel, two: Channel, extension: str, mode: str, timeout: float,
                   action: Headers, action_id: str | None) -> None:
    pbx.newexten(two, 1, "Dial", f"PJSIP/{extension},30")
    phone = pbx.new_channel(f"PJSIP/{extension}-{pbx.ids.suffix()}", "callcenter-agents", "s",
                            linkedid=one.linkedid)
    phone.cid_num = extension
    pbx.call_event("Newchannel", phone)
    phone.exten = extension  # app_dial's outgoing line: Newexten AppDial at the dialled extension
    pbx.call_event("DialBegin", two, *phone.headers("Dest"), ("DialString", extension))
    pbx.set_state(one, RINGING)
    one.cid_num = extension  # the ringing phone's number reaches the ;1 half (connected line)
    pbx.call_event("NewCallerid", one, CALLING_PRES)
    pbx.call_event("DialState", two, *phone.headers("Dest"), ("DialStatus", "RINGING"))
    pbx.emit("DialState", "call,all", one.headers("Dest") + [("DialStatus", "RINGING")])
    pbx.set_state(phone, RINGING)
    # Asterisk 20 shows the supervisor's phone BUSY from its ringing on, NOT_INUSE once it hangs up
    # (tests/data/asterisk-captures/listen_in.ami).
    pbx.emit("DeviceStateChange", "call,all", [("Device", f"PJSIP/{extension}"), ("State", "BUSY")])
    ring = _seconds(pbx, one, f"RING_{extension}", pbx.config.default_ring_seconds)
    request = await pbx.wait(one, min(ring, timeout))
    if request is not None or ring > timeout:
        _not_answered(pbx, one, two, phone, action, action_id, cancelled=request is not None)
        return
    bridge = _answered(pbx, one, two, phone)
    one.context, one.exten = first(action, "Context") or "", first(action, "Exten") or ""
    spyee = pbx.channels.get(one.var(SPY_CHANNEL_VARIABLE) or "")
    pbx.newexten(one, 1, "GotoIf", f"{0 if spyee is not None else 1}?nobody,1")
    options = next((o for m, o in CHANSPY_OPTIONS.items() if m == mode), None)
    if spyee is not None and options is not None:
        pbx.newexten(one, 2, "ChanSpy", f"{spyee.name},{options}")
    _originate_response(pbx, one, action, action_id)
    if spyee is None or options is None:
        _supervisor_leaves(pbx, one, two, phone, bridge, spying=None)
    else:
        await _spy(pbx, one, two, phone, bridge, spyee, extension)


async def _spy(pbx: Pbx, one: Channel, two: Channel, phone: Channel, bridge: str, spyee: Channel,
               extension: str) -> None:
    pbx.emit("ChanSpyStart", "call,all", _spy_headers(one, spyee))

    def spyee_gone() -> None:  # option E: ChanSpy stops as the spied-on channel leaves its bridge
        pbx.emit("ChanSpyStop", "call,all", _spy_headers(one, spyee))
        one.request(HangupRequest(SPYEE_GONE, 16))

    spyee.on_hangup.append(spyee_gone)
    talk = _seconds(pbx, one, f"TALK_{extension}", NEVER)
    others = [asyncio.ensure_future(two.signal.wait()), asyncio.ensure_future(phone.signal.wait())]
    try:
        ended = await pbx.wait(one, None if talk == NEVER else talk, *others)
    finally:
        for other in others:
            other.cancel()
    if isinstance(ended, HangupRequest) and ended.side == SPYEE_GONE:
        _spy_ends(pbx, one, two, phone, bridge)
    else:
        spyee.on_hangup.remove(spyee_gone)
        _supervisor_leaves(pbx, one, two, phone, bridge, spying=spyee)


def _answered(pbx: Pbx, one: Channel, two: Channel, phone: Channel) -> str:
    pbx.set_state(phone, UP)
    phone.exten = ""  # as Asterisk 20.20.1 shows the answered outgoing line
    pbx.call_event("DialEnd", two, *phone.headers("Dest"), ("DialStatus", "ANSWER"))
    pbx.set_state(two, UP)
    bridge = str(uuid.UUID(int=pbx.rng.getrandbits(128), version=4))
    pbx.emit("BridgeCreate", "call,all", bridge_headers(bridge, 0))
    for count, channel in enumerate((phone, two), start=1):
        channel.bridge = bridge
        pbx.emit("BridgeEnter", "call,all", bridge_headers(bridge, count) + channel.headers())
    pbx.set_state(one, UP)
    pbx.emit("DialEnd", "call,all", one.headers("Dest") + [("DialStatus", "ANSWER")])
    return bridge


def _phone_hung_up(pbx: Pbx, phone: Channel, cause: int) -> None:
    pbx.hangup(phone, cause)
    interface = phone.name.rpartition("-")[0]
    device_state_change(pbx, interface, pbx.member_state.get(interface))


def _originate_response(pbx: Pbx, one: Channel, action: Headers, action_id: str | None) -> None:
    pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + [
        ("Response", "Success"), ("Channel", one.name), ("Context", one.context), ("Exten", one.exten),
        ("Reason", "4"), ("Uniqueid", one.uniqueid), ("CallerIDNum", one.cid_num),
        ("CallerIDName", "<unknown>")])


def _spy_headers(spyer: Channel, spyee: Channel) -> Headers:
    return [(f"Spyer{k}", v) for k, v in spyer.headers()] + [(f"Spyee{k}", v) for k, v in spyee.headers()]


def _spy_ends(pbx: Pbx, one: Channel, two: Channel, phone: Channel, bridge: str) -> None:
    """ChanSpy returned (E): the ;1 half's dialplan hangs up, the Local pair and the phone follow."""
    pbx.newexten(one, 3, "Hangup", "")
    pbx.hangup_request(one, 16, soft=True)
    pbx.hangup_request(two, 16)
    pbx.hangup(one, 16)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + two.headers())
    pbx.hangup_request(two, 16, soft=True)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + phone.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    pbx.hangup(two, 16)
    _phone_hung_up(pbx, phone, 16)


def _supervisor_leaves(pbx: Pbx, one: Channel, two: Channel, phone: Channel, bridge: str,
                       spying: Channel | None) -> None:
    """The supervisor's phone hung up (BYE): the bridge ends, then the Local pair; ChanSpy stops."""
    pbx.hangup_request(phone, 16)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + phone.headers())
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + two.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    pbx.hangup_request(two, 16, soft=True)
    pbx.hangup_request(one, 16)
    pbx.hangup(two, 16)
    _phone_hung_up(pbx, phone, 16)
    if spying is not None:
        pbx.emit("ChanSpyStop", "call,all", _spy_headers(one, spying))
    pbx.hangup_request(one, 16, soft=True)
    pbx.hangup(one, 16)


def _not_answered(pbx: Pbx, one: Channel, two: Channel, phone: Channel, action: Headers,
                  action_id: str | None, cancelled: bool) -> None:
    status = "CANCEL" if cancelled else "NOANSWER"
    pbx.call_event("DialEnd", two, *phone.headers("Dest"), ("DialStatus", status))
    _phone_hung_up(pbx, phone, 0)
    pbx.hangup(two, 16 if cancelled else 19)
    pbx.hangup(one, 16 if cancelled else 19)
    pbx.emit("OriginateResponse", "call,all", ([("ActionID", action_id)] if action_id else []) + [
        ("Response", "Failure"), ("Channel", f"Local/{one.exten}@{SPY_PHONE_CONTEXT}"),
        ("Context", first(action, "Context") or ""), ("Exten", first(action, "Exten") or ""),
        ("Reason", "1" if cancelled else "3"), ("Uniqueid", "<null>"), ("CallerIDNum", one.cid_num),
        ("CallerIDName", "<unknown>")])
