"""Calls already in progress when the service (re)connects, read back from what Asterisk reports.

CoreShowChannels lists every live channel with its running application, its age (``Duration``,
whole seconds since the channel was created) and its bridge. For a queue call that is enough to
rebuild the state the missed events would have built: the channel running ``AppQueue`` (a
``Dial()`` rings ``AppDial`` channels) is an agent leg that started ringing when it was created
(R1: the ring starts at the dial); in the caller's bridge it has answered. What the snapshot
cannot tell (the moment of the answer, the time in the queue) is filled in later from
``QueueEntry``'s ``Wait`` and ``AgentComplete``'s ``HoldTime``/``TalkTime``: whole seconds, the
precision Asterisk keeps.
"""

from __future__ import annotations

from callcenter.ami import events as ev
from callcenter.calls.draft import CallDraft, LegDraft, interface_of, local_base

# Asterisk's whole seconds are cut down (Duration, TalkTime, queue_log's epoch): the true value lies
# within the second above, so half a second is added to estimate it without a bias.
HALF_SECOND = 0.5
# The record's flag: picked up in progress, its ring and answer times to Asterisk's whole second.
ADOPTED = "adopted"
QUEUE_LEG_APP = "AppQueue"  # app_queue.c ring_entry: ast_channel_appl_set(chan, "AppQueue")
DIAL_LEG_APP = "AppDial"  # app_dial.c: the channel Dial() rings


def adopt_channels(call: CallDraft, channels: list[ev.ChannelSnapshot], taken_at: float) -> None:
    """Legs, answer and queue entry of a call first seen in a snapshot, or of a known call whose
    answer fell into a link cut (estimates, refined later)."""
    queue_side = next((c for c in channels if c.application == "Queue"), None)
    if queue_side is not None and call.queue_channel is None:
        call.queue_channel, call.queue_uniqueid = queue_side.channel, queue_side.uniqueid
        call.queue = (queue_side.application_data or "").split(",")[0] or None
        call.queue_entered_at = taken_at - queue_side.duration_s  # until QueueEntry/AgentComplete say better
        call.queue_entry_estimated = True
    dialling = any(c.application == "Dial" for c in channels)
    legs = [c for c in channels if c.application == QUEUE_LEG_APP] or (
        [c for c in channels if c.application == DIAL_LEG_APP] if dialling else [])
    caller_bridge = queue_side.bridge_id if queue_side is not None else None
    for item in sorted(legs, key=lambda c: -c.duration_s):
        leg = call.legs.get(item.channel)
        if leg is None:
            created = item.created_at if item.created_at is not None and item.created_at <= taken_at else None
            started = created if created is not None else taken_at - item.duration_s - HALF_SECOND
            leg = LegDraft(interface_of(item.channel), None, item.channel, started)
            call.legs[item.channel] = leg
            call.agent_bases.add(local_base(item.channel))
            if created is None:
                call.flags.add(ADOPTED)
            call.first_ring_at = started if call.first_ring_at is None else min(call.first_ring_at, started)
        bridged = item.bridge_id is not None and (caller_bridge is None or item.bridge_id == caller_bridge)
        if bridged and item.state_desc == "Up" and call.answered_at is None:
            # Answered before we looked: the leg's CDR says when; without it the snapshot's time
            # stands in until AgentComplete's TalkTime gives it to the second.
            told = item.answered_at
            answered = told if told is not None and told <= taken_at else None
            at = taken_at if answered is None else answered
            leg.ended_at, leg.outcome = at, "answered"
            call.answer, call.answered_at, call.bridged_at = leg, at, at
            call.answer_estimated = answered is None
            if answered is None:
                call.flags.add(ADOPTED)


def apply_queue_entry(call: CallDraft, entry: ev.QueueEntry) -> None:
    """QueueStatus's ``Wait``: how long a caller adopted while waiting has been in the queue."""
    if call.queue_entry_estimated and entry.uniqueid == call.queue_uniqueid:
        call.queue_entered_at = entry.at - entry.wait
        call.queue_entry_estimated = False


def refine_answer(call: CallDraft, e: ev.AgentEvent) -> None:
    """AgentComplete of an adopted call: answered TalkTime seconds ago, after HoldTime in the queue."""
    leg = call.legs.get(e.dest_channel or "")
    if leg is not None:
        leg.member_name = leg.member_name or e.member_name
    if not call.answer_estimated or e.talk_time is None or call.answer is None:
        return
    answered = e.at - e.talk_time - HALF_SECOND
    if call.first_ring_at is not None:
        answered = max(answered, call.first_ring_at)
    call.answered_at = call.answer.ended_at = call.bridged_at = answered
    if e.hold_time is not None and call.queue_entry_estimated:
        call.queue_entered_at = answered - e.hold_time
        call.queue_entry_estimated = False
    call.answer_estimated = False
