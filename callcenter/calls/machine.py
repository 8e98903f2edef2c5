"""The call state machine: one handler per AMI event, listed in one table.

A handler gets the call's draft (keyed by Linkedid), the event and the ring rule, updates the
draft and returns the effects (bus messages) as data. No I/O, no clock: time is the event's.
The ring clock is the caller's wait (DOMAIN "Ring time"): it starts when the PBX starts calling a
member (AgentCalled / DialBegin), whatever the phone signals — a phone that sends its 180 late does
not shorten the wait. The answer is the member channel going Up (Newstate Up): Dial's A() holds
DialEnd ANSWER back until its announcement has played, so DialEnd (or AgentConnect) is only the
fallback when the Up was not seen. The greeting is decided at the answer (R2). The caller's ring
time runs from the first attempt to the answer, across roll-overs and the queue's retry gap (R13):
the caller hears ringback the whole time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from callcenter.ami import events as ev
from callcenter.calls.adoption import refine_answer
from callcenter.calls.draft import NORMAL_CAUSES, CallDraft, LegDraft, interface_of, local_base
from callcenter.calls.model import (
    AgentRingEnded,
    AgentRinging,
    CallQueued,
    GreetingDecision,
    HoldChanged,
    HoldRecord,
    LegOutcome,
    SurveyScored,
)
from callcenter.calls.outbound import AGENTS_CONTEXT, CALLBACK_CONTEXT, CALLBACK_QUEUES_CONTEXT
from callcenter.calls.ringing import RingRule

Effects = list[object]
Handler = Callable[[CallDraft, ev.AmiEvent, RingRule], Effects]
_NONE: Effects = []

_MIX_SIDES = re.compile(r"([rt])\(([^)]*)\)")
SOFTHANGUP_SHUTDOWN = 4  # SoftHangupRequest's Cause is the soft-hangup flag: AST_SOFTHANGUP_SHUTDOWN
_DIAL_OUTCOMES: dict[str, LegOutcome] = {"NOANSWER": "no_answer", "CANCEL": "cancelled", "BUSY": "busy"}


def _note_channel(call: CallDraft, e: ev.ChannelEvent) -> None:
    call.channels.add(e.channel)
    if e.caller_num and call.caller is None and not call.is_agent_channel(e.channel):
        call.caller = e.caller_num
    elif e.caller_num and e.name == "NewCallerid" and e.uniqueid == call.linkedid and not call.legs \
            and not call.customer_known:
        # The first channel's caller ID set before anyone rang: an Originate's CallerID (the
        # customer a callback is for) replacing the phone's own number its Newchannel showed.
        call.caller = e.caller_num


def on_channel(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.ChannelEvent)
    if e.name == "Newchannel" and f"@{CALLBACK_QUEUES_CONTEXT}-" in e.channel:
        call.mark_outbound(e.channel)  # a department callback rings its agent through a queue first
    _note_channel(call, e)
    if e.state_desc == "Up" and e.name == "Newstate":
        leg = call.legs.get(e.channel)
        if leg is not None and leg.ended_at is None:
            return _answer(call, leg, e.at, rule)  # the phone answered (B5: not DialEnd, see above)
    return _NONE


def on_hangup(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.Hangup)
    call.live.pop(e.uniqueid, None)
    call.gone.add(e.uniqueid)
    talking = call.answered_at is not None and call.talk_end_at is None and call.first_request_side is None
    if talking and e.state_desc == "Up" and e.cause not in NORMAL_CAUSES:
        call.abnormal_end = True  # R9: the line broke mid-conversation
    if not call.live:
        call.ended_at = e.at
    return _NONE


def on_hangup_request(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.HangupRequest)
    if e.soft and e.cause == SOFTHANGUP_SHUTDOWN and call.first_request_side is None:
        # Asterisk shutting down hangs up every channel; AgentComplete then says "caller" (20.20.1).
        call.pbx_shutdown = True
        call.first_request_side = "system"
    if call.first_request_side is None:
        call.first_request_side = call.side_of(e.channel)
        call.first_request_channel = e.channel
    return _NONE


def on_newexten(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    """An AMI Redirect of a bridged queue caller sends no transfer event: the caller's channel
    simply moves on in the dialplan while the conversation is still up (traces README, 10)."""
    assert isinstance(e, ev.Newexten)
    starts_at_a_phone = e.context == AGENTS_CONTEXT and e.uniqueid == call.linkedid and not call.legs
    if starts_at_a_phone and call.answered_at is None and call.queue is None:
        call.mark_outbound(e.channel)  # an agent dialling out from their own phone (live: _mark_callback)
    if e.context == CALLBACK_CONTEXT:
        call.mark_outbound(e.channel)  # the agent answered the service's call: the customer is dialled next
        if e.exten and e.exten.isdigit():
            # The customer is the Originate's extension (the agent's phone shows the centre's number next).
            call.caller, call.customer_known = e.exten, True
    if e.application == "MixMonitor":
        on_mixmonitor(call, e)
        return _NONE
    moved = e.channel == call.queue_channel and call.bridged_at is not None and e.exten is not None
    if moved and call.first_request_side is None and (e.context, e.exten) != call.queue_place:
        if not call.transfer_seen:
            call.transfers += 1
            call.transfer_seen = True
        call.queue_place = (e.context, e.exten)
    return _NONE


def on_mixmonitor(call: CallDraft, e: ev.Newexten) -> None:
    """C3's MixMonitor(<uid>.wav,r(<uid>-caller.wav)t(<uid>-agent.wav)): one file per side, for
    the transcript's speakers (C4)."""
    main, _, options = (e.app_data or "").partition(",")
    names = [main.strip()] + [m.group(2) for m in _MIX_SIDES.finditer(options)]
    call.recording_files += [n for n in names if n and n not in call.recording_files]


def on_recording(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.RecordingStarted)
    directory, _, name = e.path.rpartition("/")
    call.recording_dir = call.recording_dir or directory or None
    if e.path not in call.recording_files and name not in call.recording_files:
        call.recording_files.insert(0, e.path)
    return _NONE


def on_queue_join(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.QueueCallerJoin)
    _note_channel(call, e)
    call.queue, call.queue_uniqueid, call.queue_channel = e.queue, e.uniqueid, e.channel
    call.queue_place = (e.context, e.exten)
    if call.queue_entered_at is None:
        call.queue_entered_at = e.at
    if e.caller_num:
        call.caller = e.caller_num
    return [CallQueued(call.linkedid, call.caller, e.queue, e.position, e.at)]


def on_queue_abandon(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.QueueCallerAbandon)
    if call.queue is None:  # met at its end (restart): the queue_log tells the rest by this id
        call.queue, call.queue_uniqueid, call.queue_channel = e.queue, e.uniqueid, e.channel
    if call.answered_at is None:
        call.abandoned = True
        # The caller waited on, between attempts too (R13), until giving up: that is the ring time.
        call.ring_end_at = e.at
    return _NONE


def on_agent_called(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.AgentEvent)
    if e.dest_channel is None or e.dest_channel in call.legs:
        return _NONE
    if call.queue is None:
        call.queue, call.queue_uniqueid, call.queue_channel = e.queue, e.uniqueid, e.channel
    return _start_leg(call, e.dest_channel, e.interface, e.member_name, e.at)


def on_dial_begin(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    """A plain Dial (no queue: extension routing, R12/R14) rings a leg without Agent* events."""
    assert isinstance(e, ev.DialBegin)
    if e.channel is None and not e.dest_channel.startswith("Local/"):
        # An Originate ringing a phone itself is the service's own agent-first call (callback, click
        # to call): outbound from the start, even if the agent never answers. (Callers are never
        # originated onto a device; test drivers originate them as Local channels.)
        call.mark_outbound(e.dest_channel)
    if e.channel is None or e.dest_channel in call.legs:
        return _NONE  # an Originate's own dial, or the AgentCalled twin
    customer = call.direction == "outbound" and call.is_agent_channel(e.channel)
    return _start_leg(call, e.dest_channel, interface_of(e.dest_channel), None, e.at, customer)


def on_dial_end(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.DialEnd)
    leg = call.legs.get(e.dest_channel)
    if leg is None or leg.ended_at is not None:
        return _NONE  # the Originate's dial, or the second DialEnd of a Local leg
    if e.status == "ANSWER":
        return _answer(call, leg, e.at, rule)
    return _end_leg(call, leg, _DIAL_OUTCOMES.get(e.status, "failed"), e.at)


def on_agent_ring_no_answer(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.AgentEvent)
    leg = call.legs.get(e.dest_channel or "")
    if leg is None or leg.ended_at is not None:
        return _NONE
    return _end_leg(call, leg, "no_answer", e.at)


def on_agent_connect(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    """The bridge is about to form. Normally DialEnd ANSWER came first; if it was lost, this is
    the answer (decided late, but decided)."""
    assert isinstance(e, ev.AgentEvent)
    leg = call.legs.get(e.dest_channel or "")
    if leg is None:
        return _NONE
    leg.member_name = leg.member_name or e.member_name
    if leg.ended_at is None and call.answered_at is None:
        return _answer(call, leg, e.at, rule)
    return _NONE


def on_agent_complete(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.AgentEvent)
    if call.queue is None:  # met at its end (restart): the queue_log tells the rest by this id
        call.queue, call.queue_uniqueid, call.queue_channel = e.queue, e.uniqueid, e.channel
        if e.hold_time is not None and e.talk_time is not None:  # in the queue since then at least
            call.started_at = min(call.started_at, e.at - e.hold_time - e.talk_time - 1.0)
    refine_answer(call, e)
    call.complete_reason = e.reason
    if e.reason in ("caller", "agent"):
        call.talk_end_at = e.at  # a transfer hands the conversation on: the talk goes on
    if e.reason == "transfer" and not call.transfer_seen:
        call.transfers += 1
        call.transfer_seen = True
    return _NONE


def on_bridge_enter(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    assert isinstance(e, ev.BridgeEnter)
    if call.answered_at is not None and not call.is_agent_channel(e.channel):
        call.bridged_at = e.at
        # R10 looks at the first request after the (latest) bridge, unless it came from the very
        # channel entering now: a customer's BYE can reach Asterisk before Dial has bridged its
        # answer (20.20.1: HangupRequest, then DialEnd and BridgeEnter of the same channel).
        if e.channel != call.first_request_channel:
            call.first_request_side = None
            call.first_request_channel = None
    return _NONE


def on_hold(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    """R11: hold count and duration from Hold/Unhold."""
    assert isinstance(e, ev.Hold)
    if e.on_hold and call.hold_started_at is None:
        call.hold_started_at = e.at
        return [HoldChanged(call.linkedid, True, e.at)]
    if not e.on_hold and call.hold_started_at is not None:
        call.holds.append(HoldRecord(call.hold_started_at, e.at))
        call.hold_started_at = None
        return [HoldChanged(call.linkedid, False, e.at)]
    return _NONE


def on_blind_transfer(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    """R12: one transfer, however many events say so: a PJSIP REFER sends the caller's Newexten at
    the new place first, then BlindTransfer, then AgentComplete ``Reason: transfer``."""
    if not call.transfer_seen:
        call.transfers += 1
        call.transfer_seen = True
    return _NONE


# --- shared steps -----------------------------------------------------------------------------
def on_survey(call: CallDraft, e: ev.AmiEvent, rule: RingRule) -> Effects:
    """R21: the score keyed after a callback's follow-up, passed on to the callbacks area."""
    assert isinstance(e, ev.SurveyAnswered)
    return [SurveyScored(call.linkedid, e.callback_id, e.score, e.at)]


def _start_leg(call: CallDraft, channel: str, interface: str | None, member: str | None, at: float,
               customer: bool = False) -> Effects:
    leg = LegDraft(interface, member, channel, at, customer=customer)
    call.legs[channel] = leg
    if not customer:
        call.agent_bases.add(local_base(channel))
    if call.first_ring_at is None:
        call.first_ring_at = at
    if call.answered_at is not None and call.ring_restart_at is None:
        call.ring_restart_at = at  # ringing again after a transfer
    if customer:
        return _NONE  # the customer's phone, not a member's: no screen pop, no caller's rings to count
    attempt = len(call.legs)
    return [AgentRinging(call.linkedid, call.caller, call.queue, interface, member, attempt,
                         call.first_ring_at, at)]


def _end_leg(call: CallDraft, leg: LegDraft, outcome: LegOutcome, at: float) -> Effects:
    leg.ended_at, leg.outcome = at, outcome
    if call.answered_at is None and all(other.ended_at is not None for other in call.legs.values()):
        call.ring_end_at = at
    return [AgentRingEnded(call.linkedid, leg.agent, outcome, leg.ring_seconds(), at, leg.customer)]


def _answer(call: CallDraft, leg: LegDraft, at: float, rule: RingRule) -> Effects:
    """R1/R2: the greeting is decided the moment the answer is seen. The call's record keeps its
    first answer (R14: the first agent owns it); a later one, after a transfer, gets a greeting
    of its own, from the ringing since the last conversation."""
    leg.ended_at, leg.outcome = at, "answered"
    ended = AgentRingEnded(call.linkedid, leg.agent, "answered", leg.ring_seconds(), at, leg.customer)
    if call.direction == "outbound" and not leg.customer:
        call.outbound_agent = call.outbound_agent or leg.agent  # a department callback's member
        return [ended]  # the agent side is up; the call is answered when the customer is
    first = call.answered_at is None
    restart = call.ring_restart_at or leg.started_at
    ring_from = call.first_ring_at if first and call.first_ring_at is not None else restart
    call.ring_restart_at, call.talk_end_at, call.transfer_seen = None, None, False
    if first:
        call.answer, call.answered_at = leg, at
    if call.direction == "outbound":
        return [ended]  # the customer answered; no announcement to decide
    ring_s = max(0.0, at - ring_from)
    greeting = rule.greeting(ring_s)
    if first:
        call.greeting = greeting
    return [ended, GreetingDecision(call.linkedid, call.queue_uniqueid, leg.agent, leg.member_name, ring_s,
                                    rule.rings(ring_s), greeting, at, call.queue_channel, leg.channel)]


HANDLERS: dict[type[ev.AmiEvent], Handler] = {
    ev.Newchannel: on_channel,
    ev.CallerIdChanged: on_channel,
    ev.Newstate: on_channel,
    ev.ChannelSnapshot: on_channel,
    ev.Newexten: on_newexten,
    ev.RecordingStarted: on_recording,
    ev.Hangup: on_hangup,
    ev.HangupRequest: on_hangup_request,
    ev.DialBegin: on_dial_begin,
    ev.DialState: lambda call, e, rule: _NONE,  # the phone's 180: not the caller's wait (B10)
    ev.DialEnd: on_dial_end,
    ev.QueueCallerJoin: on_queue_join,
    ev.QueueCallerLeave: lambda call, e, rule: _NONE,
    ev.QueueCallerAbandon: on_queue_abandon,
    ev.BridgeEnter: on_bridge_enter,
    ev.BridgeLeave: lambda call, e, rule: _NONE,
    ev.Hold: on_hold,
    ev.BlindTransfer: on_blind_transfer,
    ev.SurveyAnswered: on_survey,
}
# Agent* events share one type; the table below picks the handler by event name.
AGENT_HANDLERS: dict[str, Handler] = {
    "AgentCalled": on_agent_called,
    "AgentConnect": on_agent_connect,
    "AgentRingNoAnswer": on_agent_ring_no_answer,
    "AgentComplete": on_agent_complete,
}


def handler_for(event: ev.AmiEvent) -> Handler | None:
    if isinstance(event, ev.AgentEvent):
        return AGENT_HANDLERS.get(event.name)
    return HANDLERS.get(type(event))


def step(call: CallDraft, event: ev.AmiEvent, rule: RingRule) -> Effects:
    """Apply one event to its call: channel bookkeeping, then the event's handler."""
    call.last_event_at = max(call.last_event_at, event.at)
    channel_up = isinstance(event, ev.ChannelEvent) and not isinstance(event, ev.Hangup)
    if channel_up and event.uniqueid not in call.gone:  # type: ignore[attr-defined]
        call.live[event.uniqueid] = event.channel  # type: ignore[attr-defined]
    handler = handler_for(event)
    return _NONE if handler is None else handler(call, event, rule)
