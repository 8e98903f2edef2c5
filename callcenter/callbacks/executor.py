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
from callcenter.db.models.callbacks import REASONS
from callcenter.hotline import Hotline
from callcenter.messages import PlaceCallback

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
    def __init__(self, hotline: Hotline, actions: Callable[[], Any], timeout_seconds: int,
                 place: Callable[[PlaceCallback], None] | None = None, default_pbx: str = "pbx") -> None:
        self._hotline = hotline
        self._actions = actions  # read at each call: the AMI client may be (re)made after us
        self._place = place  # run apart: sends the request to the trackers (the relay)
        self._default_pbx = default_pbx  # where a callback whose PBX is unknown is placed
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
        """Ring the agent; Asterisk then dials the customer from the callback context. Run apart,
        the tracker of the callback's PBX is asked to place it (its answer is the OriginateResult)."""
        request = PlaceCallback(pbx=cb.pbx or self._default_pbx, callback_id=cb.id, attempt=cb.attempts,
                                channel=target.channel, number=cb.caller, reason=cb.reason)
        if self._place is not None:
            checked(self._hotline, request)  # what this node would refuse is not sent
            self._place(request)
            return action_id(cb.id, cb.attempts)
        actions = self._actions()
        if actions is None:
            raise ConnectionError("no AMI action client: Asterisk is not connected")
        return await send(actions, self._hotline, request, self._timeout_ms)


def checked(hotline: Hotline, request: PlaceCallback) -> str:
    """The dialled number of ``request``, or ValueError naming the field no callback of this
    hotline can have: the agent leg must be one of its phones or queues, the number one it dials."""
    if not (_positive(request.callback_id) and _positive(request.attempt)):
        raise ValueError("callback id and attempt must be positive whole numbers")
    if request.reason not in REASONS:
        raise ValueError(f"{str(request.reason)[:40]!r} is not a callback reason")
    channels = {f"PJSIP/{a.extension}" for a in hotline.agents}
    channels |= {f"Local/{d.queue}@{QUEUE_CONTEXT}" for d in hotline.departments}
    if request.channel not in channels:
        raise ValueError(f"{str(request.channel)[:60]!r} is none of the hotline's phones or queues")
    # Checked again right before dialling: a row changed by hand or by an older version
    # must not reach Asterisk unless it is a number this hotline dials.
    return phones.normalise(request.number, international=hotline.phones.international)


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


async def send(actions: Any, hotline: Hotline, request: PlaceCallback, timeout_ms: int) -> str:
    """The Originate of one callback attempt on ``actions`` (this node's Asterisk)."""
    number = checked(hotline, request)
    variables = {"CC_CALLBACK_ID": str(request.callback_id), "CC_CALLBACK_REASON": request.reason,
                 "CC_CUSTOMER": number,
                 # R8/R21: the follow-up after a repair ends with the satisfaction survey.
                 "CC_SURVEY": "1" if request.reason == "repair_followup" else "0"}
    # The agent's phone shows whom they are about to call back (R15).
    sent: str = await actions.originate(
        request.channel, context=CALLBACK_CONTEXT, exten=number, priority=1, variables=variables,
        caller_id=caller_id(f"回电 {number}", number), timeout_ms=timeout_ms,
        action_id=action_id(request.callback_id, request.attempt))
    return sent
