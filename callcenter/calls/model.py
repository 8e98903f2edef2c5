"""What the call tracker produces: finished call records and the live messages it publishes on
the bus. These are the contracts every later stage (greetings, wallboard, tickets, callbacks,
reports) consumes; they know nothing of AMI or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Greeting = Literal["standard", "apology"]
# "unknown": the call ended while the AMI link was down and nothing Asterisk kept says who
# hung up: never "system", which would read as a dropped call (R9).
HangupSide = Literal["caller", "agent", "system", "unknown"]
LegOutcome = Literal["answered", "no_answer", "cancelled", "busy", "failed"]


@dataclass(frozen=True)
class LegRecord:
    """One agent attempt: a member's phone rang for this caller (R13 roll-over makes several)."""

    agent: str | None  # the member's interface (Local/agent1@agents, PJSIP/8101) or extension
    member_name: str | None
    channel: str
    started_at: float  # epoch seconds, from the events' Timestamp headers
    ended_at: float | None
    ring_seconds: float
    outcome: LegOutcome


@dataclass(frozen=True)
class HoldRecord:
    started_at: float
    ended_at: float

    @property
    def seconds(self) -> float:
        return self.ended_at - self.started_at


@dataclass(frozen=True)
class CallRecord:
    """One finished call, keyed by Linkedid. Field meanings follow DESIGN.md's replay contract."""

    linkedid: str
    server: str
    caller: str | None
    caller_name: str | None
    direction: Literal["inbound", "outbound"]
    queue: str | None
    agent: str | None  # answering member's interface or extension, None if never answered
    member_name: str | None
    started_at: float
    queue_entered_at: float | None
    answered_at: float | None
    ended_at: float
    answered: bool
    abandoned: bool
    ring_seconds: float | None  # caller's ringing until answer/abandon, across attempts (R13)
    rings: int | None  # rings heard (R1)
    within_rule: bool | None  # None if nothing ever rang
    greeting: Greeting | None  # R2 decision taken at answer
    wait_seconds: float | None
    talk_seconds: float | None
    hold_seconds: float
    hangup_first: HangupSide
    transfers: int = 0
    dropped: bool = False  # ended abnormally or cut by the agent side mid-conversation (R9)
    legs: tuple[LegRecord, ...] = ()
    holds: tuple[HoldRecord, ...] = ()
    recordings: tuple[str, ...] = ()
    # Fields recorded from elsewhere than the events say: time_from_arrival (an impossible
    # Timestamp), ended_before_start (end moved to the start). Never a reason to drop the call.
    flags: tuple[str, ...] = ()
    queue_uniqueid: str | None = None  # the channel that ran Queue(): queue_log's call id
    # Recorded afterwards from Asterisk's queue_log (the service was down): times in whole seconds.
    backfilled: bool = False

    @property
    def attempts(self) -> int:
        return len(self.legs)

    def as_replay_json(self) -> dict[str, object]:
        """The object ``callcenter replay`` prints for this call (DESIGN.md contract)."""
        return {
            "linkedid": self.linkedid,
            "direction": self.direction,
            "caller": self.caller,
            "queue": self.queue,
            "agent": self.agent,
            "member_name": self.member_name,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "ring_seconds": _round(self.ring_seconds),
            "rings": self.rings,
            "within_rule": self.within_rule,
            "greeting": self.greeting,
            "wait_seconds": _round(self.wait_seconds),
            "talk_seconds": _round(self.talk_seconds),
            "attempts": self.attempts,
            "hangup_first": self.hangup_first,
            "hold_seconds": _round(self.hold_seconds),
            "transfers": self.transfers,
            "dropped": self.dropped,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# --- live messages on the bus -------------------------------------------------------------


@dataclass(frozen=True)
class CallStarted:
    linkedid: str
    caller: str | None
    at: float


@dataclass(frozen=True)
class CallQueued:
    linkedid: str
    caller: str | None
    queue: str
    position: int
    at: float


@dataclass(frozen=True)
class AgentRinging:
    """A member's phone started ringing for this caller (screen pop, wallboard; R15)."""

    linkedid: str
    caller: str | None
    queue: str | None
    agent: str | None
    member_name: str | None
    attempt: int
    caller_ring_started_at: float  # when the caller's first ring began (R13: rings run across attempts)
    at: float


@dataclass(frozen=True)
class AgentRingEnded:
    linkedid: str
    agent: str | None
    outcome: LegOutcome
    ring_seconds: float
    at: float
    customer: bool = False  # the leg rang the customer of an outbound call, not an agent


@dataclass(frozen=True)
class GreetingDecision:
    """R2: taken the moment the answer is seen; the IVR plays the matching announcement."""

    linkedid: str
    caller_uniqueid: str | None
    agent: str | None
    member_name: str | None
    ring_seconds: float
    rings: int
    greeting: Greeting
    at: float
    # The two channels of the conversation (the caller's, running Queue(); the answering phone's):
    # what the live transcription listens to (issue 17).
    caller_channel: str | None = None
    agent_channel: str | None = None


@dataclass(frozen=True)
class HoldChanged:
    linkedid: str
    on_hold: bool
    at: float


@dataclass(frozen=True)
class CallEnded:
    record: CallRecord


@dataclass(frozen=True)
class LiveCall:
    """A snapshot row of a call in progress, for the wallboard."""

    linkedid: str
    caller: str | None
    queue: str | None
    state: Literal["ivr", "waiting", "ringing", "talking", "hold"]
    since: float
    ring_started_at: float | None
    agent: str | None = None
    member_name: str | None = None
    attempts: int = 0
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyScored:
    """R21: the customer's keypad score after a callback (UserEvent CallcenterSurvey), as keyed;
    whoever records it checks it is 1-5."""

    linkedid: str
    callback_id: str
    score: str
    at: float


@dataclass(frozen=True)
class OriginateResult:
    """Asterisk's OriginateResponse for an Originate the service sent (callbacks, click to call)."""

    action_id: str
    success: bool
    reason: str  # Asterisk's Reason code: 4 = answered, 3 = no answer / timeout, 5 = busy, 0/1 = failure
    channel: str | None
    uniqueid: str | None
    at: float
