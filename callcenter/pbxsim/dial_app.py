"""``Dial(PJSIP/<extension>,<seconds>,A(x:y))`` as app_dial runs it for the hotline (R12, R14):
ring one phone, answer or time out, bridge, talk until one side hangs up. No Agent*/Queue*
events, only DialBegin / DialState RINGING / DialEnd ANSWER|NOANSWER|CANCEL (traces README:
callbacks and plain dials look like this). The phone answers after ``RING_<extension>`` seconds
(``never``: not at all) and hangs up after ``TALK_<extension>``, like the queue members."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from callcenter.pbxsim.apps import play
from callcenter.pbxsim.channels import RINGING, UP, Channel, HangupRequest
from callcenter.pbxsim.members import NEVER, _seconds, bridge_headers, phone_rings_for_local_caller
from callcenter.pbxsim.queues import set_member_state
from callcenter.pbxsim.transfers import is_move

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

DEFAULT_TIMEOUT = 20.0  # C3: Dial(PJSIP/${CC_TARGET},20)


async def dial(pbx: Pbx, caller: Channel, extension: str, timeout: float,
               announce: str | None = None) -> HangupRequest | None:
    """Run Dial() on ``caller``; sets DIALSTATUS. Returns the caller's request that ended it
    (hang-up, redirect), or None when Dial() returned and the dialplan goes on."""
    interface = f"PJSIP/{extension}"
    phone = _ring(pbx, caller, interface, extension)
    ring = _seconds(pbx, caller, f"RING_{extension}", pbx.config.default_ring_seconds)
    talk = _seconds(pbx, caller, f"TALK_{extension}", pbx.config.default_talk_seconds)
    log = pbx.calls.get(caller.linkedid)
    if log is not None and log.ring_started_at is None:
        log.ring_started_at = pbx.now()
    request = await pbx.wait(caller, min(ring, timeout))
    if request is not None or ring > timeout:
        status = "CANCEL" if request is not None else "NOANSWER"
        if request is not None and not is_move(request):
            _caller_hangs_up(pbx, caller, request)
        _stop_ringing(pbx, caller, phone, interface, status)
        pbx.set_var(caller, "DIALSTATUS", status)
        if log is not None:
            log.attempts.append((interface, "cancelled" if request is not None else "no_answer"))
        if request is not None and not is_move(request):
            _caller_gone(pbx, caller, abandoned=True)
        return request
    pbx.set_state(phone, UP)
    if announce:  # A(x:y): both hear the 工号 prompt; DialEnd ANSWER waits for it (traces README)
        await play(pbx, caller, announce)
    pbx.call_event("DialEnd", caller, *phone.headers("Dest"), ("DialStatus", "ANSWER"))
    pbx.set_var(caller, "DIALSTATUS", "ANSWER")
    if log is not None:
        log.attempts.append((interface, "answered"))
        log.answered_by, log.answered_at = interface, pbx.now()
    return await _talk(pbx, caller, phone, interface, talk)


def _ring(pbx: Pbx, caller: Channel, interface: str, extension: str) -> Channel:
    phone = pbx.new_channel(f"{interface}-{pbx.ids.suffix()}", "from-internal", extension,
                            linkedid=caller.linkedid, variables=caller.inherited())
    phone.role = "member"
    phone.application, phone.app_data = "AppDial", "(Outgoing Line)"  # app_dial.c: dial_exec_full
    phone.cid_num = phone.conn_num = caller.cid_num
    pbx.call_event("Newchannel", phone)
    if caller.partner is not None and not interface.startswith("Local/"):
        phone_rings_for_local_caller(pbx, caller.partner, interface)
    pbx.call_event("DialBegin", caller, *phone.headers("Dest"), ("DialString", interface.split("/", 1)[1]))
    pbx.set_state(phone, RINGING)
    set_member_state(pbx, interface, "ringing")
    pbx.call_event("DialState", caller, *phone.headers("Dest"), ("DialStatus", "RINGING"))
    return phone


def _stop_ringing(pbx: Pbx, caller: Channel, phone: Channel, interface: str, status: str) -> None:
    pbx.call_event("DialEnd", caller, *phone.headers("Dest"), ("DialStatus", status))
    pbx.hangup(phone, 0)  # a leg that never answered: Cause 0 in state Ringing (traces README, 6)
    set_member_state(pbx, interface, None)


async def _talk(pbx: Pbx, caller: Channel, phone: Channel, interface: str,
                talk: float) -> HangupRequest | None:
    bridge = str(uuid.UUID(int=pbx.rng.getrandbits(128), version=4))
    pbx.emit("BridgeCreate", "call,all", bridge_headers(bridge, 0))
    for count, channel in enumerate((phone, caller), start=1):
        channel.bridge = bridge
        pbx.emit("BridgeEnter", "call,all", bridge_headers(bridge, count) + channel.headers())
    caller.bridged_with, phone.bridged_with = phone, caller
    set_member_state(pbx, interface, "inuse")
    if pbx.recorder is not None:
        pbx.recorder.bridged(caller, pbx.now())
    caller_talk = caller.var("PBXSIM_TALK")  # scenario: the caller hangs up after talking this long
    caller_first = caller_talk is not None and float(caller_talk) < talk
    wait = float(caller_talk) if caller_first and caller_talk else talk
    request = await pbx.wait(caller, None if wait == NEVER else wait)
    if request is None and caller_first:
        request = HangupRequest("caller", 0 if caller.partner is not None else None)
    caller.bridged_with = phone.bridged_with = None
    if request is None:
        _phone_hangs_up(pbx, caller, phone, bridge)
    else:
        _caller_leaves(pbx, caller, phone, bridge, request)
    set_member_state(pbx, interface, None)
    return request


def _phone_hangs_up(pbx: Pbx, caller: Channel, phone: Channel, bridge: str) -> None:
    """The phone hung up (BYE): Dial() returns and the caller's dialplan goes on."""
    pbx.hangup_request(phone, None)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + phone.headers())
    pbx.hangup(phone, 16)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + caller.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    log = pbx.calls.get(caller.linkedid)
    if log is not None:
        log.hangup_first = log.hangup_first or "agent"


def _caller_leaves(pbx: Pbx, caller: Channel, phone: Channel, bridge: str, request: HangupRequest) -> None:
    """The caller hung up (or was moved elsewhere): the phone's leg is cleared with Cause 16."""
    moved = is_move(request)
    if not moved:
        _caller_hangs_up(pbx, caller, request)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + caller.headers())
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + phone.headers())
    pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
    pbx.hangup(phone, 16)
    if not moved:
        _caller_gone(pbx, caller, abandoned=False)


def _caller_hangs_up(pbx: Pbx, caller: Channel, request: HangupRequest) -> None:
    pbx.hangup_request(caller, request.cause)
    if caller.partner is not None:  # the Local ;1 "phone" of an originated caller goes first
        pbx.hangup(caller.partner, 0)


def _caller_gone(pbx: Pbx, caller: Channel, abandoned: bool) -> None:
    pbx.hangup_request(caller, 16, soft=True)
    pbx.hangup(caller, 16)
    log = pbx.calls.get(caller.linkedid)
    if log is not None:
        log.hangup_first = log.hangup_first or "caller"
        log.abandoned = log.abandoned or (abandoned and log.answered_at is None)
        log.ended_at = log.ended_at or pbx.now()
