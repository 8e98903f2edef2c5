"""Queue(): join, ring members one at a time (rrmemory, member timeout, retry), connect with the
optional AGI on the caller's channel, then the talk until one side hangs up.

Event order inside each burst follows the traces (README observations 1-8)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from callcenter.pbxsim import queue_log as qlog
from callcenter.pbxsim.agi_client import run_agi
from callcenter.pbxsim.channels import Channel, HangupRequest
from callcenter.pbxsim.members import (
    MemberLeg,
    answer_leg,
    bridge_headers,
    cancel_leg,
    dial_member,
    finish_leg,
    hangup_answered_leg,
)
from callcenter.pbxsim.queue_state import QueueState, Waiting
from callcenter.pbxsim.queues import (
    available,
    device_state_change,
    end_round,
    interface_free,
    set_member_state,
    start_round,
)
from callcenter.pbxsim.transfers import is_move, leave_bridge

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx
MEMBER_VARS = ("MEMBERINTERFACE", "MEMBERNAME", "MEMBERCALLS", "MEMBERLASTCALL", "MEMBERPENALTY",
               "MEMBERDYNAMIC", "MEMBERREALTIME")


async def queue_app(pbx: Pbx, caller: Channel, queue_name: str,
                    agi: str | None = None) -> HangupRequest | None:
    """Run Queue() on ``caller``. Returns the request that ended it (caller hang-up, redirect),
    or None when the member hung up and the dialplan continues."""
    queue = pbx.queues[queue_name]
    agi = agi or queue.config.agi
    log = pbx.calls.get(caller.linkedid)
    entry = Waiting(caller, pbx.now(), len(queue.waiting) + 1)
    queue.waiting.append(entry)
    if log is not None:
        log.queue, log.queue_joined_at = queue.name, entry.joined_at
    pbx.agent_event("QueueCallerJoin", caller, ("Queue", queue.name),
                    ("Position", str(entry.original_position)),
                    ("Count", str(len(queue.waiting))))
    pbx.queue_log_line(caller, queue.name, "NONE", "ENTERQUEUE", "", qlog.caller_number(caller),
                       entry.original_position)
    pbx.call_event("MusicOnHoldStart", caller, ("Class", "default"))
    if log is not None:
        log.heard.append("moh:default")
    while True:
        round_ = start_round(pbx, queue) if _may_ring(pbx, queue, entry) else None
        member = round_.rung if round_ is not None else None
        if round_ is not None and member is None:
            end_round(queue, round_)
        if member is None:
            # app_queue re-checks every ``retry`` seconds counted from the caller's join (the
            # two_concurrent trace: B rings 0.91 s after A's call ended, on its own beat)
            beats = int((pbx.now() - entry.joined_at) / queue.config.retry) + 1
            request = await pbx.wait(caller, entry.joined_at + beats * queue.config.retry - pbx.now())
            if request is not None:
                _abandon(pbx, caller, queue, entry, None, request)
                return request
            continue
        assert round_ is not None
        leg = dial_member(pbx, caller, queue, member)
        entry.ringing = True
        if log is not None and log.ring_started_at is None:
            log.ring_started_at = leg.started_at
        answered = leg.ring_seconds <= queue.config.timeout
        request = await pbx.wait(caller, leg.ring_seconds if answered else queue.config.timeout)
        end_round(queue, round_)
        if request is not None:
            _abandon(pbx, caller, queue, entry, leg, request)
            return request
        if answered:
            break
        _no_answer(pbx, caller, leg)
        entry.ringing = False
        request = await pbx.wait(caller, queue.config.retry)
        if request is not None:
            _abandon(pbx, caller, queue, entry, None, request)
            return request
    return await _connect(pbx, caller, queue, entry, leg, agi)


def _may_ring(pbx: Pbx, queue: QueueState, entry: Waiting) -> bool:
    """app_queue's is_our_turn with autofill: a caller's turn comes when fewer callers ahead of it
    are waiting without ringing a member than there are members available (a caller ahead in its
    retry pause does not hold the others back while two members are free)."""
    ahead = queue.waiting[: queue.waiting.index(entry)]
    idle_ahead = sum(1 for w in ahead if not w.ringing)
    return idle_ahead < sum(1 for m in queue.members if available(pbx, m))


def _no_answer(pbx: Pbx, caller: Channel, leg: MemberLeg) -> None:
    ring_ms = round((pbx.now() - leg.started_at) * 1000)
    pbx.agent_event("AgentRingNoAnswer", caller, *leg.one.headers("Dest"), ("Queue", leg.queue.name),
                    ("Interface", leg.member.interface), ("MemberName", leg.member.name),
                    ("RingTime", str(ring_ms)))
    pbx.queue_log_line(caller, leg.queue.name, leg.member.name, "RINGNOANSWER", ring_ms)
    cancel_leg(pbx, caller, leg, no_answer=True)
    log = pbx.calls.get(caller.linkedid)
    if log is not None:
        log.attempts.append((leg.member.interface, "no_answer"))


def _hangup_request(pbx: Pbx, caller: Channel, request: HangupRequest) -> None:
    pbx.hangup_request(caller, request.cause)
    if caller.partner is not None:  # the Local ;1 "phone" went first
        pbx.hangup(caller.partner, 0)


def _abandon(pbx: Pbx, caller: Channel, queue: QueueState, entry: Waiting, leg: MemberLeg | None,
             request: HangupRequest) -> None:
    _hangup_request(pbx, caller, request)
    pbx.call_event("MusicOnHoldStop", caller)
    if leg is not None:
        pbx.queue_log_line(caller, queue.name, leg.member.name, "RINGCANCELED",
                           round((pbx.now() - leg.started_at) * 1000))
        cancel_leg(pbx, caller, leg, no_answer=False)
    position = queue.position(entry)
    now = pbx.now()  # one reading: at speed the simulated clock can pass a second between two
    hold = int(now - entry.joined_at)
    pbx.queue_log_line(caller, queue.name, "NONE", "ABANDON", position, entry.original_position,
                       qlog.whole(now, entry.joined_at), at=now)
    pbx.agent_event("QueueCallerAbandon", caller, ("Queue", queue.name), ("Position", str(position)),
                    ("OriginalPosition", str(entry.original_position)), ("HoldTime", str(hold)))
    queue.waiting.remove(entry)
    queue.abandoned += 1
    pbx.agent_event("QueueCallerLeave", caller, ("Queue", queue.name), ("Position", str(position)),
                    ("Count", str(len(queue.waiting))))
    pbx.hangup_request(caller, 16, soft=True)
    pbx.hangup(caller, 0)
    log = pbx.calls.get(caller.linkedid)
    if log is not None:
        if leg is not None:
            log.attempts.append((leg.member.interface, "cancelled"))
        log.abandoned, log.hangup_first, log.ended_at = True, "caller", pbx.now()


async def _connect(pbx: Pbx, caller: Channel, queue: QueueState, entry: Waiting, leg: MemberLeg,
                   agi: str | None) -> HangupRequest | None:
    answer_leg(pbx, caller, leg)
    answered_at = pbx.now()
    pbx.call_event("MusicOnHoldStop", caller)
    member = leg.member
    values = (member.interface, member.name, str(member.calls_taken), str(member.last_call),
              str(member.penalty), "1" if member.dynamic else "0", "0")
    for channel in (caller, leg.one):
        for name, value in zip(MEMBER_VARS, values, strict=True):
            pbx.set_var(channel, name, value)
    if queue.config.monitor:  # app_queue's own MixMonitor (option b: only while bridged)
        recording = (str(pbx.recorder.start(pbx, caller)) if pbx.recorder is not None
                     else f"{pbx.config.recordings_dir}/{caller.uniqueid}.wav")
        pbx.set_var(caller, "MIXMONITOR_FILENAME", recording)
        pbx.call_event("MixMonitorStart", caller)
    position = queue.position(entry)
    queue.waiting.remove(entry)
    pbx.agent_event("QueueCallerLeave", caller, ("Queue", queue.name), ("Position", str(position)),
                    ("Count", str(len(queue.waiting))))
    wait = int(answered_at - entry.joined_at)
    pbx.set_var(caller, "QUEUEPOSITION", str(position))
    log = pbx.calls.get(caller.linkedid)
    if log is not None:
        log.attempts.append((member.interface, "answered"))
        log.answered_by, log.answered_at = member.interface, answered_at
        if queue.config.monitor and not log.recordings:
            log.recordings.append(recording)
    if agi:
        await run_agi(pbx, caller, agi)
    pbx.set_var(caller, "QUEUEWAIT", str(wait))
    pbx.set_var(caller, "QUEUEWAIT_MS", str(wait * 1000))
    now = pbx.now()  # one reading: at speed the simulated clock can pass a second between two
    hold = int(now - entry.joined_at)
    ring = int(answered_at - leg.started_at)
    pbx.queue_log_line(caller, queue.name, member.name, "CONNECT", qlog.whole(now, entry.joined_at),
                       leg.one.uniqueid, ring, at=now)
    pbx.agent_event("AgentConnect", caller, *leg.one.headers("Dest"), ("Queue", queue.name),
                    ("Interface", member.interface), ("MemberName", member.name), ("HoldTime", str(hold)),
                    ("RingTime", str(ring)))
    member.calls_taken += 1
    member.last_call = int(pbx.now())
    bridge = str(uuid.UUID(int=pbx.rng.getrandbits(128), version=4))
    pbx.emit("BridgeCreate", "call,all", bridge_headers(bridge, 0))
    for count, channel in enumerate((leg.one, caller), start=1):
        channel.bridge = bridge
        pbx.emit("BridgeEnter", "call,all", bridge_headers(bridge, count) + channel.headers())
    caller.bridged_with, leg.one.bridged_with = leg.one, caller
    if not leg.local:
        set_member_state(pbx, member.interface, "inuse")
    else:  # a Local member's status stays INUSE (2): devices change, no QueueMemberStatus (trace)
        pbx.member_state[member.interface] = "inuse"
        device_state_change(pbx, member.interface, "inuse")
    if pbx.recorder is not None:
        pbx.recorder.bridged(caller, pbx.now())
    return await _talk(pbx, caller, queue, entry, leg, hold, bridge)


async def _talk(pbx: Pbx, caller: Channel, queue: QueueState, entry: Waiting, leg: MemberLeg, hold: int,
                bridge: str) -> HangupRequest | None:
    connected_at = pbx.now()
    caller_talk = caller.var("PBXSIM_TALK")  # scenario: the caller hangs up after talking this long
    caller_first = caller_talk is not None and float(caller_talk) < leg.talk_seconds
    request = await pbx.wait(caller, float(caller_talk) if caller_first and caller_talk else leg.talk_seconds)
    if request is None and caller_first:
        request = HangupRequest("caller", 0 if caller.partner is not None else None)
    talk = str(int(pbx.now() - connected_at))
    times = (int(connected_at) - int(entry.joined_at), qlog.whole(pbx.now(), connected_at),
             entry.original_position)
    complete = [*leg.one.headers("Dest"), ("Queue", queue.name), ("Interface", leg.member.interface),
                ("MemberName", leg.member.name), ("HoldTime", str(hold)), ("TalkTime", talk)]
    log = pbx.calls.get(caller.linkedid)
    caller.bridged_with = leg.one.bridged_with = None
    if request is None:  # the agent hung up
        if leg.two is not None:  # a Local member's ;2 ran Hangup()
            pbx.hangup_request(leg.two, 16, soft=True)
            pbx.hangup(leg.two, 16)
        else:  # a SIP phone's BYE: HangupRequest without a Cause (Asterisk 20.20.1, chan_pjsip)
            pbx.hangup_request(leg.one, None)
            if caller.partner is not None:  # the Local caller's ;1 is asked to go as well
                pbx.hangup_request(caller.partner, 16)
        pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + leg.one.headers())
        pbx.hangup(leg.one, 16)
        pbx.agent_event("AgentComplete", caller, *complete, ("Reason", "agent"))
        pbx.queue_log_line(caller, queue.name, leg.member.name, "COMPLETEAGENT", *times)
        pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 0) + caller.headers())
        pbx.emit("BridgeDestroy", "call,all", bridge_headers(bridge, 0))
        set_member_state(pbx, leg.member.interface, None)
        queue.completed += 1
        if log is not None:
            log.hangup_first = "agent"
        return None
    if is_move(request):  # Redirect or blind transfer out of the bridge (traces README, 10)
        leave_bridge(pbx, caller, queue, leg, bridge, hold, connected_at, request, entry)
        queue.completed += 1
        return request
    _hangup_request(pbx, caller, request)
    pbx.agent_event("AgentComplete", caller, *complete, ("Reason", "caller"))
    pbx.queue_log_line(caller, queue.name, leg.member.name, "COMPLETECALLER", *times)
    pbx.emit("BridgeLeave", "call,all", bridge_headers(bridge, 1) + caller.headers())
    pbx.hangup_request(caller, 16, soft=True)
    hangup_answered_leg(pbx, leg, bridge)
    pbx.hangup(caller, 16)
    finish_leg(pbx, leg)
    queue.completed += 1
    if log is not None:
        log.hangup_first, log.ended_at = "caller", pbx.now()
    return request


__all__ = ["interface_free", "queue_app"]
