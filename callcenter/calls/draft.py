"""The mutable draft of one call in progress, turned into a final CallRecord by one validating step."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from callcenter.calls.model import CallRecord, Greeting, HangupSide, HoldRecord, LegOutcome, LegRecord
from callcenter.calls.ringing import RingRule

if TYPE_CHECKING:
    from callcenter.ami.events import AmiEvent

log = logging.getLogger(__name__)

# Hangup causes of an orderly end: unknown (Local ;1 halves), normal clearing, busy, no response,
# no answer, rejected, normal unspecified. Anything else while talking means the line broke (R9).
NORMAL_CAUSES = frozenset({0, 16, 17, 18, 19, 21, 31})


@dataclass
class LegDraft:
    agent: str | None
    member_name: str | None
    channel: str
    started_at: float  # AgentCalled / DialBegin: this attempt's ring clock starts here (DOMAIN "Ring time")
    ended_at: float | None = None
    outcome: LegOutcome | None = None
    customer: bool = False  # an outbound call's dialled customer, not an agent

    def ring_seconds(self) -> float:
        return 0.0 if self.ended_at is None else max(0.0, self.ended_at - self.started_at)

    def record(self) -> LegRecord:
        return LegRecord(self.agent, self.member_name, self.channel, self.started_at, self.ended_at,
                         round(self.ring_seconds(), 6), self.outcome or "cancelled")


@dataclass
class CallDraft:
    linkedid: str
    server: str
    started_at: float
    last_event_at: float
    caller: str | None = None
    queue: str | None = None
    queue_uniqueid: str | None = None  # the channel running Queue() (agi_uniqueid, C1)
    queue_channel: str | None = None
    queue_place: tuple[str | None, str | None] | None = None  # (context, exten) where Queue() ran
    queue_entered_at: float | None = None
    live: dict[str, str] = field(default_factory=dict)  # uniqueid → channel name, still up
    gone: set[str] = field(default_factory=set)  # uniqueids already hung up
    channels: set[str] = field(default_factory=set)  # every channel name seen for this call
    legs: dict[str, LegDraft] = field(default_factory=dict)  # by member channel (DestChannel)
    agent_bases: set[str] = field(default_factory=set)  # member channel names without ;1/;2
    direction: Literal["inbound", "outbound"] = "inbound"
    outbound_agent: str | None = None  # a callback: the agent's device (or the answering member)
    customer_known: bool = False  # the callback context named the customer: caller ID changes no longer count
    first_ring_at: float | None = None
    ring_restart_at: float | None = None  # first ring after a transfer (the next answer's greeting)
    ring_end_at: float | None = None
    answer: LegDraft | None = None
    answered_at: float | None = None
    greeting: Greeting | None = None
    bridged_at: float | None = None
    talk_end_at: float | None = None
    complete_reason: str | None = None
    first_request_side: HangupSide | None = None  # first hangup request since the last bridge
    first_request_channel: str | None = None  # the channel that made that request
    abnormal_end: bool = False
    pbx_shutdown: bool = False  # the PBX shut down under the call (SoftHangupRequest Cause 4)
    abandoned: bool = False
    transfers: int = 0
    transfer_seen: bool = False  # a transfer already counted for the current conversation
    hold_started_at: float | None = None
    holds: list[HoldRecord] = field(default_factory=list)
    ended_at: float | None = None
    journal: list[tuple[float, str, str]] = field(default_factory=list)
    # Answers seen between a (re)connect and its snapshot for a call met mid-way: the snapshot,
    # taken a moment earlier, may only then tell which leg they answered (tracker.resync).
    before_snapshot: list[AmiEvent] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)  # fields recorded from elsewhere than the events say
    recording_files: list[str] = field(default_factory=list)  # as MixMonitor was given them
    recording_dir: str | None = None  # where MIXMONITOR_FILENAME says they are written
    # Adopted from a snapshot (calls/adoption.py): these times are estimates until refined.
    adopted: bool = False
    answer_estimated: bool = False
    queue_entry_estimated: bool = False
    ended_unseen: bool = False  # ended while the AMI link was down: no hang-up was seen

    # --- who is who -------------------------------------------------------------------------
    def mark_outbound(self, agent_channel: str | None = None) -> None:
        """The service's own call (callback, click to call): the customer is the one dialled;
        ``agent_channel`` is on the agent's side (their phone, or a department's Local pair)."""
        self.direction = "outbound"
        if agent_channel is None:
            return
        self.agent_bases.add(local_base(agent_channel))
        if self.outbound_agent is None and not agent_channel.startswith("Local/"):
            self.outbound_agent = interface_of(agent_channel)

    def customer_legs(self) -> list[LegDraft]:
        return [leg for leg in self.legs.values() if leg.customer]

    def is_agent_channel(self, channel: str | None) -> bool:
        return channel is not None and local_base(channel) in self.agent_bases

    def side_of(self, channel: str) -> HangupSide:
        return "agent" if self.is_agent_channel(channel) else "caller"

    # --- finishing ----------------------------------------------------------------------------
    def ringing_seconds(self, until: float) -> float | None:
        return None if self.first_ring_at is None else max(0.0, until - self.first_ring_at)

    def hangup_first(self) -> HangupSide:
        """R10: AgentComplete's Reason when it names a side, else the first hangup request. A call
        the PBX's shutdown cut was ended by the system, whatever AgentComplete says (R9)."""
        if self.pbx_shutdown:
            return "system"
        if self.complete_reason in ("caller", "agent"):
            return self.complete_reason  # type: ignore[return-value]
        if self.first_request_side is None and self.ended_unseen:
            return "unknown"  # a lost link is not a lost call (R9 is for calls that broke)
        return self.first_request_side or "system"

    def finish(self, rule: RingRule) -> CallRecord:
        ended = self.ended_at if self.ended_at is not None else self.last_event_at
        if ended < self.started_at:  # a clock stepped back mid-call: kept, flagged, no negative durations
            log.warning("call %s ends (%s) before it starts (%s); recorded as ending at its start, flagged",
                        self.linkedid, ended, self.started_at)
            ended = self.started_at
            self.flags.add("ended_before_start")
        for leg in self.legs.values():
            if leg.ended_at is None:
                leg.ended_at = ended if self.answer is not leg else self.answered_at
                leg.outcome = leg.outcome or "cancelled"
        if self.hold_started_at is not None:
            self.holds.append(HoldRecord(self.hold_started_at, ended))
            self.hold_started_at = None
        answered = self.answered_at is not None
        ring_until = self.answered_at if self.answered_at is not None else (self.ring_end_at or ended)
        inbound = self.direction == "inbound"  # R1 is about callers waiting, not customers called
        # An outbound call's legs and ring time are the customer's; the agent's own ringing (a
        # department callback's queue member) is the centre's business, not a call attempt.
        legs = list(self.legs.values()) if inbound else self.customer_legs()
        ring_s = self.ringing_seconds(ring_until) if inbound else _ring_of(legs, ring_until)
        side = self.hangup_first()
        return CallRecord(
            linkedid=self.linkedid, server=self.server, caller=self.caller, caller_name=None,
            direction=self.direction, queue=self.queue,
            agent=self.outbound_agent if not inbound else self.answer.agent if self.answer else None,
            member_name=self.answer.member_name if self.answer and inbound else None,
            started_at=self.started_at, queue_entered_at=self.queue_entered_at if inbound else None,
            answered_at=self.answered_at, ended_at=ended, answered=answered,
            abandoned=inbound and not answered and (
                self.abandoned or (side == "caller" and self.first_ring_at is not None)),
            ring_seconds=ring_s, rings=None if ring_s is None or not inbound else rule.rings(ring_s),
            within_rule=None if ring_s is None or not inbound else rule.within_rule(ring_s),
            greeting=self.greeting, wait_seconds=self._wait_seconds(ended) if inbound else None,
            talk_seconds=(None if self.answered_at is None
                          else max(0.0, (self.talk_end_at or ended) - self.answered_at)),
            hold_seconds=sum((h.seconds for h in self.holds), 0.0), hangup_first=side,
            transfers=self.transfers,
            dropped=answered and (self.abnormal_end or side in ("agent", "system")),
            legs=tuple(sorted((leg.record() for leg in legs), key=lambda leg: leg.started_at)),
            holds=tuple(self.holds), recordings=self._recordings(), flags=tuple(sorted(self.flags)),
            queue_uniqueid=self.queue_uniqueid,
        )

    def _recordings(self) -> tuple[str, ...]:
        """Relative names (the side files of ``MixMonitor(x.wav,r(x-caller.wav)t(x-agent.wav))``)
        live beside the mixed file that MIXMONITOR_FILENAME names. When only the mixed file was
        announced (a queue's own MixMonitor), the side files are the ones C3 names after it."""
        out: list[str] = []
        for name in self.recording_files:
            absolute = name.startswith("/") or self.recording_dir is None
            path = name if absolute else f"{self.recording_dir}/{name}"
            if path not in out:
                out.append(path)
        if out and not any(p.endswith(("-caller.wav", "-agent.wav")) for p in out):
            stem = out[0].removesuffix(".wav")
            out += [f"{stem}-caller.wav", f"{stem}-agent.wav"]
        return tuple(out)

    def _wait_seconds(self, ended: float) -> float | None:
        if self.queue_entered_at is None:
            return None
        return max(0.0, (self.answered_at or ended) - self.queue_entered_at)


def _ring_of(legs: list[LegDraft], until: float) -> float | None:
    return None if not legs else max(0.0, until - min(leg.started_at for leg in legs))


def interface_of(channel: str) -> str:
    """``PJSIP/8101-0000002a`` → ``PJSIP/8101``: the device a dialled channel belongs to."""
    base = local_base(channel)
    head, sep, tail = base.rpartition("-")
    return head if sep and len(tail) >= 8 and all(c in "0123456789abcdef" for c in tail) else base


def local_base(channel: str) -> str:
    """``Local/agent1@agents-00000005;1`` and ``…;2`` are two halves of one leg."""
    if channel.startswith("Local/") and channel[-2:-1] == ";":
        return channel[:-2]
    return channel
