"""Which call is which callback attempt, and what its customer leg's AMI events say (R6-R9, R22).

OriginateResponse Reason 4 only says the *agent* answered; the ``callcenter-callback`` context
then dials the customer. OriginateResponse's Uniqueid is the agent leg's, which is the call's
Linkedid (the first channel of the call, traces README 7), so every later event of the attempt
is found by it: the customer leg is a plain Dial (DialBegin / DialState / DialEnd, no Agent*
events), which the call tracker reports as ``AgentRingEnded`` with ``customer`` set (answered |
no_answer | busy | cancelled | failed) the moment the customer answers or its DialEnd arrives,
and the whole call as ``CallStored`` once its row is committed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from callcenter.calls.model import CallRecord, LegOutcome

KEEP = 10_000  # attempts remembered; a forgotten one is settled by the stale-attempt sweep

_WORDS: dict[str, str] = {
    "answered": "customer answered",
    "no_answer": "customer did not answer",
    "busy": "customer busy",
    "cancelled": "the agent hung up before the customer answered",
    "failed": "customer unreachable (the line failed)",
}
# The agent answered but no customer leg was ever created: Dial() failed at once (an unknown
# trunk endpoint, no route, CHANUNAVAIL), so nobody was called.
NOT_DIALLED = "customer unreachable (no call could be placed to the customer)"


@dataclass(frozen=True)
class Attempt:
    callback_id: int
    attempt: int
    action_id: str


@dataclass(frozen=True)
class CustomerOutcome:
    answered: bool
    detail: str


def describe(outcome: LegOutcome | str, ring_seconds: float | None) -> CustomerOutcome:
    words = _WORDS.get(outcome, f"customer leg: {outcome}")
    if ring_seconds is not None and outcome == "no_answer":
        words += f" (rang {ring_seconds:.0f} s)"
    return CustomerOutcome(outcome == "answered", words)


def from_record(record: CallRecord) -> CustomerOutcome:
    """The whole call's record, for an attempt whose customer leg was not reported on its own.
    An outbound record's legs are the customer's only, and ``answered`` is the customer's answer."""
    if record.answered:
        return describe("answered", None)
    if not record.legs:
        return CustomerOutcome(False, NOT_DIALLED)
    leg = record.legs[-1]
    return describe(leg.outcome, leg.ring_seconds)


class AttemptsInFlight:
    """Linkedid -> the callback attempt whose agent answered; kept until the call is stored."""

    def __init__(self) -> None:
        self._by_linkedid: OrderedDict[str, Attempt] = OrderedDict()

    def agent_answered(self, linkedid: str, attempt: Attempt) -> None:
        self._by_linkedid[linkedid] = attempt
        while len(self._by_linkedid) > KEEP:
            self._by_linkedid.popitem(last=False)

    def get(self, linkedid: str) -> Attempt | None:
        return self._by_linkedid.get(linkedid)

    def finished(self, linkedid: str) -> Attempt | None:
        return self._by_linkedid.pop(linkedid, None)
