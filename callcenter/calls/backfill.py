"""Calls the service did not see, recorded from Asterisk's queue_log (callcenter/ami/queue_log.py).

Two cases: calls that came and went while the service was down or the AMI link was cut (a whole
record, marked ``backfilled``), and calls the service was following when the link went and that
ended before it came back (their end, who hung up and the talk time, instead of a guess).
queue_log keeps whole seconds: ring, wait and talk times of these records are that precise (R1
figures are counted the same way; the reports' definitions say so). It knows only the queue part
of a call: the time before Queue() (the greeting and menu) is not in it, so a backfilled call
starts when it entered the queue.
"""

from __future__ import annotations

from collections.abc import Callable

from callcenter.ami.queue_log import QueuedCall, QueueLogLine
from callcenter.calls.adoption import ADOPTED, HALF_SECOND
from callcenter.calls.draft import CallDraft, LegDraft
from callcenter.calls.model import CallRecord, HangupSide, LegOutcome, LegRecord
from callcenter.calls.ringing import RingRule

MemberInterface = Callable[[str], str | None]  # queue_log's member name → the member's interface
_ENDED_BY: dict[str, HangupSide] = {"COMPLETECALLER": "caller", "COMPLETEAGENT": "agent", "ABANDON": "caller"}


def _times(end: QueueLogLine) -> tuple[int | None, int | None]:
    """(hold, call time) of an answered end: the last three fields are always
    holdtime|calltime|origposition (COMPLETE*, BLINDTRANSFER, ATTENDEDTRANSFER, TRANSFER)."""
    if len(end.data) < 3:
        return None, None
    return end.number(len(end.data) - 3), end.number(len(end.data) - 2)


def _legs(call: QueuedCall, interface_for: MemberInterface) -> list[LegRecord]:
    legs = []
    for line in call.unanswered:
        ring = (line.number(0) or 0) / 1000.0  # RINGNOANSWER/RINGCANCELED: milliseconds
        outcome: LegOutcome = "no_answer" if line.event == "RINGNOANSWER" else "cancelled"
        # The line's time is whole seconds: so is the start derived from it (the ring's own
        # length, in milliseconds, is kept on the leg).
        legs.append(LegRecord(interface_for(line.agent), line.agent, "", float(line.at - round(ring)),
                              float(line.at), ring, outcome))
    if call.connect is not None:
        c = call.connect
        ring = float(c.number(2) or 0)
        peer = c.data[1] if len(c.data) > 1 else ""
        legs.append(LegRecord(interface_for(c.agent), c.agent, peer, c.at - ring, float(c.at), ring,
                              "answered"))
    return sorted(legs, key=lambda leg: leg.started_at)


def record_of(call: QueuedCall, server: str, rule: RingRule,
              interface_for: MemberInterface) -> CallRecord | None:
    """The record of a finished queue call, or None while it is not finished."""
    end = call.end
    if end is None or call.entered_at is None:
        return None
    legs = _legs(call, interface_for)
    first_ring = min((leg.started_at for leg in legs), default=None)
    connect = call.connect
    answered_at = float(connect.at) if connect is not None else None
    ended = float(max(end.at, call.entered_at))
    ring_until = answered_at if answered_at is not None else ended
    ring_s = None if first_ring is None else max(0.0, ring_until - first_ring)
    hold, talk = _times(end) if connect is not None else (None, None)
    wait = (connect.number(0) if connect is not None else end.number(len(end.data) - 1) if end.data else None)
    return CallRecord(
        linkedid=call.callid, server=server, caller=call.caller, caller_name=None, direction="inbound",
        queue=call.queue, agent=interface_for(connect.agent) if connect else None,
        member_name=connect.agent if connect else None, started_at=float(call.entered_at),
        queue_entered_at=float(call.entered_at), answered_at=answered_at, ended_at=ended,
        answered=connect is not None, abandoned=end.event == "ABANDON",
        ring_seconds=ring_s, rings=None if ring_s is None else rule.rings(ring_s),
        within_rule=None if ring_s is None else rule.within_rule(ring_s), greeting=None,
        wait_seconds=None if wait is None else float(wait if hold is None else hold),
        talk_seconds=None if talk is None else float(talk), hold_seconds=0.0,
        hangup_first=_ENDED_BY.get(end.event, "unknown"),
        transfers=1 if "TRANSFER" in end.event else 0,
        dropped=connect is not None and end.event == "COMPLETEAGENT",  # R9: the agent side ended the talk
        legs=tuple(legs),
        queue_uniqueid=call.callid, backfilled=True,
    )


def complete_from_log(draft: CallDraft, call: QueuedCall) -> None:
    """A call followed until the link was cut and ended meanwhile: its end as app_queue logged it."""
    end = call.end
    if end is None:
        return
    side = _ENDED_BY.get(end.event)
    if side in ("caller", "agent") and draft.complete_reason is None:
        draft.complete_reason = side
    if "TRANSFER" in end.event and not draft.transfer_seen:
        draft.transfers += 1
        draft.transfer_seen = True
    if call.connect is not None and draft.answered_at is None:
        _answer_from_log(draft, call.connect)
    _, talk = _times(end) if call.connect is not None else (None, None)
    if draft.answered_at is not None and talk is not None and side is not None:
        draft.talk_end_at = draft.answered_at + talk
    draft.ended_at = max(float(end.at), draft.last_event_at, draft.started_at)


def _answer_from_log(draft: CallDraft, connect: QueueLogLine) -> None:
    """The answer fell into the cut: the leg that rang for that member answered at CONNECT."""
    at = connect.at + HALF_SECOND  # the middle of the logged second
    open_legs = [leg for leg in draft.legs.values() if leg.ended_at is None]
    fallback = open_legs[-1] if open_legs else None
    leg = next((leg for leg in open_legs if leg.member_name == connect.agent), fallback)
    draft.answered_at = at
    if leg is not None:
        leg.ended_at, leg.outcome = at, "answered"
        leg.member_name = leg.member_name or connect.agent
        draft.answer = leg


def adopt_from_log(draft: CallDraft, call: QueuedCall, interface_for: MemberInterface) -> None:
    """A call adopted in progress: its entry and the attempts that ended before we looked (R13:
    the caller's ring time runs from the first of them)."""
    if call.entered_at is not None and (draft.queue_entry_estimated or draft.queue_entered_at is None):
        draft.queue_entered_at = call.entered_at + HALF_SECOND
        draft.queue_entry_estimated = False
    for index, line in enumerate(call.unanswered):
        ring = (line.number(0) or 0) / 1000.0
        start = line.at + HALF_SECOND - ring
        outcome: LegOutcome = "no_answer" if line.event == "RINGNOANSWER" else "cancelled"
        leg = LegDraft(interface_for(line.agent), line.agent, "", start, ended_at=line.at + HALF_SECOND,
                       outcome=outcome)
        draft.legs[f"queue_log:{call.callid}:{index}"] = leg
        draft.first_ring_at = start if draft.first_ring_at is None else min(draft.first_ring_at, start)
    if call.connect is not None and draft.answered_at is None:
        _connected_from_log(draft, call.connect, interface_for)
    elif call.connect is not None and draft.answer_estimated and draft.answer is not None:
        at = call.connect.at + HALF_SECOND  # the answer to the second, until AgentComplete says as much
        draft.answered_at = draft.answer.ended_at = draft.bridged_at = at
        draft.answer.member_name = draft.answer.member_name or call.connect.agent


def _connected_from_log(draft: CallDraft, connect: QueueLogLine, interface_for: MemberInterface) -> None:
    """A call met mid-way that was over before the snapshot could show its answered leg: the
    leg CONNECT names, ringing its ringtime seconds before (R1, whole seconds)."""
    at = connect.at + HALF_SECOND
    start = at - float(connect.number(2) or 0)
    leg = LegDraft(interface_for(connect.agent), connect.agent, "", start, ended_at=at, outcome="answered")
    draft.legs[f"queue_log:{connect.callid}:connect"] = leg
    draft.first_ring_at = start if draft.first_ring_at is None else min(draft.first_ring_at, start)
    draft.answer, draft.answered_at, draft.bridged_at = leg, at, at
    draft.flags.add(ADOPTED)
