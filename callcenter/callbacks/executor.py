"""Placing a callback over AMI: the agent first, then the customer (contract C1's ``originate``).

The agent leg rings the owner's phone (``PJSIP/<ext>``, R14) or, when the owner is away or
there is none, the department's queue through ``Local/<queue>@callcenter-queues``. When the agent
answers, the ``callcenter-callback`` dialplan context dials the customer (the Originate's
extension) and plays ``callcenter/zh/callback`` to them before the bridge. Asterisk's
OriginateResponse (Reason 4 = answered) tells how the attempt went.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callcenter import phones
from callcenter.ami.actions import caller_id
from callcenter.callbacks.store import CallbackView
from callcenter.calls import outbound
from callcenter.hotline import Hotline

log = logging.getLogger(__name__)

CALLBACK_CONTEXT = outbound.CALLBACK_CONTEXT
QUEUE_CONTEXT = outbound.CALLBACK_QUEUES_CONTEXT
ANSWERED_REASON = "4"  # OriginateResponse Reason: 4 = answered (3 no answer, 5 busy, 0/1 failure)
AWAY_STATES = frozenset({"paused", "logged_out", "unavailable", "talking", "listening", "ringing"})
_ACTION_ID = re.compile(r"^callback-(\d+)-(\d+)$")
REASON_WORDS = {"0": "failed", "1": "failed (no such channel or congestion)", "3": "no answer",
                "4": "answered", "5": "busy", "8": "congestion"}


@dataclass(frozen=True)
class Target:
    channel: str
    who: str  # "owner 101" or "queue service", for the log


def action_id(callback_id: int, attempt: int) -> str:
    return f"callback-{callback_id}-{attempt}"


def parse_action_id(value: str) -> tuple[int, int] | None:
    """(callback id, attempt) of one of our Originates, None for anyone else's."""
    match = _ACTION_ID.match(value or "")
    return (int(match[1]), int(match[2])) if match else None


def describe_reason(reason: str) -> str:
    """OriginateResponse is about the agent's leg (the customer is dialled only after it answered):
    say so, so an attempt's log never reads like the customer's outcome (B3)."""
    words = REASON_WORDS.get(reason, "unknown")
    return f"agent not reached ({words}, Reason {reason}); the customer was not called"


class Executor:
    def __init__(self, hotline: Hotline, actions: Callable[[], Any], timeout_seconds: int) -> None:
        self._hotline = hotline
        self._actions = actions  # read at each call: the AMI client may be (re)made after us
        self._timeout_ms = timeout_seconds * 1000
        self.agent_states: dict[str, str] = {}  # agent id -> latest AgentStateChanged state

    def target(self, cb: CallbackView) -> Target:
        """R14: the owner's own phone while they are free; else anyone in the department."""
        agent = self._hotline.agent(cb.owner) if cb.owner else None
        if agent is not None and self.agent_states.get(agent.id) not in AWAY_STATES:
            return Target(f"PJSIP/{agent.extension}", f"owner {agent.id}")
        queue = self._queue_for(cb, agent.id if agent else None)
        return Target(f"Local/{queue}@{QUEUE_CONTEXT}", f"queue {queue}")

    def _queue_for(self, cb: CallbackView, owner: str | None) -> str:
        dept = self._hotline.department(cb.department) if cb.department else None
        if dept is None and owner is not None:
            dept = next((d for d in self._hotline.departments if owner in d.agents), None)
        if dept is None:
            default = self._hotline.menu.default_department
            dept = (self._hotline.department(default) if default else None) or self._hotline.departments[0]
        return dept.queue

    async def originate(self, cb: CallbackView, target: Target) -> str:
        """Ring the agent; Asterisk then dials the customer from the callback context."""
        actions = self._actions()
        if actions is None:
            raise ConnectionError("no AMI action client: Asterisk is not connected")
        # Checked again right before dialling: a row changed by hand or by an older version
        # must not reach Asterisk unless it is a number this hotline dials.
        number = phones.normalise(cb.caller, international=self._hotline.phones.international)
        variables = {"CC_CALLBACK_ID": str(cb.id), "CC_CALLBACK_REASON": cb.reason,
                     "CC_CUSTOMER": number,
                     # R8/R21: the follow-up after a repair ends with the satisfaction survey.
                     "CC_SURVEY": "1" if cb.reason == "repair_followup" else "0"}
        # The agent's phone shows whom they are about to call back (R15).
        sent: str = await actions.originate(
            target.channel, context=CALLBACK_CONTEXT, exten=number, priority=1, variables=variables,
            caller_id=caller_id(f"回电 {number}", number), timeout_ms=self._timeout_ms,
            action_id=action_id(cb.id, cb.attempts))
        return sent
