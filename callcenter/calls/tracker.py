"""The call tracker: typed AMI events in arrival order → live call state, bus messages, records.

It keeps one draft per Linkedid, hands each event to the state machine, publishes the effects,
and when a call's last channel hangs up validates the draft into a CallRecord (CallEnded) and
passes it with its event journal to the writer. It also turns queue member and device states
into AgentStateChanged and OriginateResponse into OriginateResult. Unknown calls, duplicates and
late events are logged and skipped; one bad event or call is logged with its Linkedid and never
stops the others. Everything is synchronous and in memory: ``greeting_for`` answers in
microseconds for the FastAGI server (contract C1).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

from callcenter.ami import events as ev
from callcenter.calls import agent_state
from callcenter.calls.adoption import adopt_channels, apply_queue_entry
from callcenter.calls.draft import CallDraft, interface_of
from callcenter.calls.machine import step
from callcenter.calls.model import (
    CallEnded,
    CallRecord,
    CallStarted,
    GreetingDecision,
    LiveCall,
    OriginateResult,
)
from callcenter.calls.ringing import RingRule
from callcenter.calls.spying import AgentLine, SpySessions, is_phone_channel

log = logging.getLogger(__name__)

Journal = list[tuple[float, str, str]]  # (time, event name, raw message)
FinishedHook = Callable[[CallRecord, Journal], None]
LiveState = Literal["ivr", "waiting", "ringing", "talking", "hold"]
MAX_JOURNAL = 5000  # raw messages kept per call: an event flood cannot eat the memory
_FINISHED_MEMORY = 4096  # how many finished Linkedids are remembered to ignore late events
# Channels the service itself opens to listen to a call (live transcription's AudioSocket taps,
# issue 17): never a call of their own.
LISTENING_TAPS = ("AudioSocket/",)


class CallTracker:
    def __init__(self, rule: RingRule | None = None, publish: Callable[[object], None] | None = None,
                 on_finished: FinishedHook | None = None, server: str = "pbx",
                 agent_id_for: Callable[[str | None], str | None] | None = None,
                 recall: Callable[[list[CallDraft], list[CallDraft]], None] | None = None) -> None:
        self.rule = rule or RingRule()
        self.server = server
        self._publish = publish or (lambda message: None)
        self._on_finished = on_finished
        self._calls: dict[str, CallDraft] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._decisions: dict[str, GreetingDecision] = {}
        self._agent_id_for = agent_id_for or (lambda interface: None)
        self._agents = agent_state.AgentStates(
            self._agent_id_for, lambda phone: self._spies.is_listening_in(phone.removeprefix("PJSIP/")),
            server)
        self._seen_at: dict[str, int] = {}  # Linkedid → sequence number of its latest event
        # What Asterisk logged (queue_log) about calls the snapshot could not tell all of: the end of
        # calls that vanished while the link was down, the earlier attempts of calls adopted.
        self._recall = recall
        self.member_interfaces: dict[str, str] = {}  # queue member name → interface (QueueMember)
        self._spies = SpySessions(self._forget)  # supervisors listening in: not calls
        self.snapshot_pending = False  # set at a (re)connect until its snapshot is applied
        self._met_before_snapshot: set[str] = set()  # calls first met mid-way since the (re)connect
        self.seq = 0

    # --- input --------------------------------------------------------------------------------
    def apply(self, event: ev.AmiEvent, raw: str | None = None, flag: str | None = None) -> None:
        """Apply one event; never raises (a failure is logged with the call's Linkedid).
        ``raw`` is the message as received, kept in the call's journal; ``flag`` marks the call's
        record (a field taken from somewhere else than the event says, e.g. time_from_arrival)."""
        self.seq += 1
        linkedid = getattr(event, "linkedid", None)
        try:
            ringing = self._agents.ring(event)
            if ringing is not None:
                self._publish(ringing)
            if linkedid is None:
                self._apply_global(event)
            else:
                self._apply_call(linkedid, event, raw, flag)
        except Exception:
            log.exception("tracker: event %s of call %s failed; the call goes on", event.name, linkedid)

    def _apply_call(self, linkedid: str, event: ev.AmiEvent, raw: str | None,
                    flag: str | None = None) -> None:
        call = self._calls.get(linkedid)
        if call is None:
            if linkedid in self._finished:
                log.debug("tracker: late %s for finished call %s ignored", event.name, linkedid)
                return
            if self._spies.take(linkedid, event):
                return
            if isinstance(event, ev.ChannelSnapshot):
                return
            if isinstance(event, ev.ChannelEvent) and event.channel.startswith(LISTENING_TAPS):
                self._forget(linkedid)  # the service's own listener, not a call
                return
            call = self._start(linkedid, event.at, getattr(event, "caller_num", None))
            self._mark_callback(call, event)
            # Between a (re)connect and its snapshot, a call first met in the middle (not at its
            # own first channel) began before we looked: the snapshot and the queue_log complete it.
            starts_here = isinstance(event, ev.Newchannel) and event.uniqueid == linkedid
            call.adopted = self.snapshot_pending and not starts_here
            if call.adopted:
                self._met_before_snapshot.add(linkedid)
        self._seen_at[linkedid] = self.seq
        if self.snapshot_pending and call.adopted and _may_answer(event):
            call.before_snapshot.append(event)
        if flag is not None:
            call.flags.add(flag)
        if raw is not None and len(call.journal) < MAX_JOURNAL:
            call.journal.append((event.at, event.name, raw))
        for effect in step(call, event, self.rule):
            if isinstance(effect, GreetingDecision):
                self._decisions[linkedid] = effect
            self._publish(effect)
        if call.ended_at is not None:
            if self.snapshot_pending and linkedid in self._met_before_snapshot:
                # Met mid-way and already over: what came before our start (its legs, its answer)
                # is still to come from the snapshot and the queue_log; finished at the resync.
                return
            self._finish(call)

    def _apply_global(self, event: ev.AmiEvent) -> None:
        if isinstance(event, ev.OriginateResponse):
            self._publish(OriginateResult(event.action_id, event.success, event.reason, event.channel,
                                          event.uniqueid, event.at))
            return
        if isinstance(event, ev.MemberState) and event.member_name:
            self.member_interfaces[event.member_name] = event.interface
        if isinstance(event, ev.QueueEntry):
            call = self._find(event.uniqueid, event.channel)
            if call is not None:
                apply_queue_entry(call, event)
            return
        change = self._agents.apply(event)
        if change is not None:
            self._publish(change)

    def is_listening_in(self, extension: str) -> bool:
        """Whether a spy session rings or holds this supervisor's phone now."""
        return self._spies.is_listening_in(extension)

    def _forget(self, linkedid: str) -> None:
        """Later events of this Linkedid are late ones, not a new call."""
        self._finished[linkedid] = None
        while len(self._finished) > _FINISHED_MEMORY:
            self._finished.popitem(last=False)

    def _start(self, linkedid: str, at: float, caller: str | None = None) -> CallDraft:
        call = CallDraft(linkedid, self.server, at, at, caller=caller)
        self._calls[linkedid] = call
        self._publish(CallStarted(linkedid, caller, at))
        return call

    def _mark_callback(self, call: CallDraft, event: ev.AmiEvent) -> None:
        """A call whose first channel is a hotline agent's own phone (Originate of the agent,
        then Dial of the customer) is a callback: outbound, that phone is the agent side."""
        if not isinstance(event, ev.Newchannel) or event.uniqueid != call.linkedid:
            return
        if self._agent_id_for(interface_of(event.channel)) is not None:
            call.mark_outbound(event.channel)

    def _finish(self, call: CallDraft) -> None:
        self._calls.pop(call.linkedid, None)
        self._decisions.pop(call.linkedid, None)
        self._seen_at.pop(call.linkedid, None)
        if call.queue_uniqueid is not None and call.queue_uniqueid != call.linkedid:
            self._forget(call.queue_uniqueid)  # queue_log's id for it: not to be backfilled
        self._forget(call.linkedid)
        try:
            record = call.finish(self.rule)
        except Exception:
            log.exception("tracker: call %s could not be recorded; its events stay in the log", call.linkedid)
            return
        self._publish(CallEnded(record))
        if self._on_finished is not None:
            self._on_finished(record, call.journal)

    # --- resync after (re)connect: snapshot, then updates (DESIGN habit 8) ----------------------
    def resync(self, snapshot: list[ev.ChannelSnapshot], since_seq: int, taken_at: float) -> None:
        """Reconcile with CoreShowChannels: calls seen before ``since_seq`` that no longer exist
        ended while the link was down; calls we missed are picked up; none is duplicated."""
        by_call: dict[str, list[ev.ChannelSnapshot]] = {}
        for item in snapshot:
            if not item.channel.startswith(LISTENING_TAPS):
                by_call.setdefault(item.linkedid, []).append(item)
        self._spies.resync(by_call)
        # Calls met mid-way since the reconnect that ended before the snapshot was applied.
        ended = [call for linkedid, call in self._calls.items()
                 if linkedid in self._met_before_snapshot and call.ended_at is not None]
        self._met_before_snapshot.clear()
        vanished = [call for linkedid, call in self._calls.items()
                    if linkedid not in by_call and self._seen_at.get(linkedid, 0) <= since_seq]
        for call in vanished:
            log.warning("tracker: call %s ended while the AMI link was down", call.linkedid)
            call.ended_at = max(call.last_event_at, taken_at)
            call.ended_unseen = True
            call.flags.add("ended_unseen")  # its end from the queue_log, or the reconnect's time
            call.live.clear()
        self.snapshot_pending = False
        adopted = [linkedid for linkedid in by_call if linkedid not in self._finished and (
            linkedid not in self._calls or self._calls[linkedid].adopted)]
        adopted += [call.linkedid for call in ended if call.linkedid not in by_call]
        for linkedid, channels in by_call.items():
            try:
                self._adopt(linkedid, channels, since_seq, taken_at)
            except Exception:
                log.exception("tracker: resync of call %s failed", linkedid)
        for call in self._calls.values():
            call.before_snapshot.clear()  # kept for this snapshot only
        if (vanished or adopted) and self._recall is not None:
            try:
                self._recall(vanished, [self._calls[i] for i in adopted if i in self._calls])
            except Exception:
                log.exception("tracker: could not read the queue_log for %d calls",
                              len(vanished) + len(adopted))
        for call in vanished:
            self._finish(call)
        for call in ended:
            if call.live:  # the snapshot lists a channel whose hang-up is still to come
                call.ended_at = None
            else:
                self._finish(call)

    def _adopt(self, linkedid: str, channels: list[ev.ChannelSnapshot], since_seq: int,
               taken_at: float) -> None:
        call = self._calls.get(linkedid)
        if call is None:
            if linkedid in self._finished:
                return
            call = self._start(linkedid, taken_at - max(c.duration_s for c in channels))
            call.adopted = True
        alive = {c.uniqueid: c.channel for c in channels}
        if self._seen_at.get(linkedid, 0) <= since_seq:
            # No news since the reconnect: channels missing from the snapshot hung up meanwhile.
            # (With news, the events are newer than the snapshot and are trusted instead.)
            for uniqueid in set(call.live) - set(alive):
                call.live.pop(uniqueid)
                call.gone.add(uniqueid)
            adopt_channels(call, channels, taken_at)
        elif call.adopted:
            adopt_channels(call, channels, taken_at)  # met mid-way since the reconnect
        if call.adopted:
            call.started_at = min(call.started_at, taken_at - max(c.duration_s for c in channels))
        for item in channels:
            if item.uniqueid not in call.gone:
                call.live[item.uniqueid] = item.channel
            step(call, item, self.rule)
        self._answers_seen_before(call)
        if call.adopted:
            state = ("answered" if call.answered_at is not None
                     else "ringing" if call.legs else "not ringing yet")
            log.info("tracker: picked up call %s in progress (%d channels, %s, %d agent legs)", linkedid,
                     len(channels), state, len(call.legs))
        self._seen_at[linkedid] = self.seq

    def _answers_seen_before(self, call: CallDraft) -> None:
        """An answer that came after the (re)connect but before its snapshot was applied, for a
        leg only the snapshot names (its AgentCalled was before we looked): applied now, in
        order, so the call is not stored unanswered (R1, R9). Each applies once: a leg already
        answered ignores it."""
        pending, call.before_snapshot = call.before_snapshot, []
        for event in pending:
            for effect in step(call, event, self.rule):
                if isinstance(effect, GreetingDecision):
                    self._decisions[call.linkedid] = effect
                self._publish(effect)

    def flush(self, at: float | None = None) -> None:
        """End of a replayed stream: calls still open are recorded as they stand (nothing lost)."""
        for call in list(self._calls.values()):
            log.warning("tracker: call %s still open at end of stream; recorded as it stands", call.linkedid)
            call.ended_at = call.last_event_at if at is None else max(at, call.last_event_at)
            self._finish(call)

    # --- queries (contract C1) -----------------------------------------------------------------
    def greeting_for(self, caller_uniqueid: str | None, channel: str | None,
                     now: float) -> GreetingDecision | None:
        call = self._find(caller_uniqueid, channel)
        if call is None:
            return None
        decided = self._decisions.get(call.linkedid)
        if decided is not None:
            return decided
        ring_s = call.ringing_seconds(now) or 0.0
        leg = next((leg for leg in call.legs.values() if leg.ended_at is None), None)
        return GreetingDecision(call.linkedid, call.queue_uniqueid, leg.agent if leg else None,
                                leg.member_name if leg else None, ring_s, self.rule.rings(ring_s),
                                self.rule.greeting(ring_s), now)

    def _find(self, uniqueid: str | None, channel: str | None) -> CallDraft | None:
        for call in self._calls.values():
            if uniqueid is not None and (uniqueid == call.queue_uniqueid or uniqueid in call.live):
                return call
            if channel is not None and (channel == call.queue_channel or channel in call.channels):
                return call
        return None

    def known_ids(self) -> set[str]:
        """Linkedids and channel Uniqueids of the calls in progress or recently finished here
        (the queue_log backfill leaves them alone)."""
        ids: set[str] = set(self._finished)
        for call in self._calls.values():
            ids |= {call.linkedid, *call.live, *call.gone}
            if call.queue_uniqueid is not None:
                ids.add(call.queue_uniqueid)
        return ids

    def agent_line(self, linkedid: str) -> AgentLine | None:
        """The agent's phone channel of a call in conversation (answered, not yet over), or None.
        Only a hotline phone's live channel (``PJSIP/<ext>-…``) is ever returned."""
        call = self._calls.get(linkedid)
        if call is None or call.answered_at is None or call.talk_end_at is not None:
            return None
        live = set(call.live.values())
        if call.direction == "inbound":
            candidates = [call.answer.channel] if call.answer is not None else []
        else:
            candidates = [c for c in live if call.is_agent_channel(c)]
        for channel in candidates:
            if channel in live and is_phone_channel(channel):
                return AgentLine(linkedid, channel, interface_of(channel))
        return None

    def live_calls(self) -> list[LiveCall]:
        return [_live(call) for call in self._calls.values()]

    @property
    def open_calls(self) -> int:
        return len(self._calls)


def _live(call: CallDraft) -> LiveCall:
    ringing = [leg for leg in call.legs.values() if leg.ended_at is None]
    leg = call.answer or (ringing[-1] if ringing else None)
    state: LiveState
    if call.hold_started_at is not None:
        state, since = "hold", call.hold_started_at
    elif call.answered_at is not None:
        state, since = "talking", call.answered_at
    elif ringing:
        state, since = "ringing", ringing[-1].started_at
    elif call.queue_entered_at is not None:
        state, since = "waiting", call.queue_entered_at
    else:
        state, since = "ivr", call.started_at
    # R1's rings are a caller's wait: an outbound call (the centre calling) has none to count.
    ring_started_at = call.first_ring_at if call.direction == "inbound" else None
    return LiveCall(call.linkedid, call.caller, call.queue, state, since, ring_started_at,
                    leg.agent if leg else None, leg.member_name if leg else None, len(call.legs))


def _may_answer(event: ev.AmiEvent) -> bool:
    """The events that answer a leg (machine.py): its channel going Up, DialEnd ANSWER, AgentConnect."""
    if isinstance(event, ev.DialEnd):
        return event.status == "ANSWER"
    if isinstance(event, ev.AgentEvent):
        return event.name == "AgentConnect"
    return event.name == "Newstate" and getattr(event, "state_desc", None) == "Up"
