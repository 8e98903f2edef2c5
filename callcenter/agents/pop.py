"""The screen pop (R15) and the apology reminder (R1, R2).

The moment a member's phone starts ringing (``AgentRinging``) the agent's desk is told who is
calling: name and address from history, open tickets, last calls, pending callbacks. While it
rings, the desk counts the caller's rings (they run across roll-overs, R13); when the fourth
ring begins the desk is reminded to open with 对不起，让您久等了 (R2). Phone numbers travel in
one field only (``caller``) so the web layer can mask them per role (R17).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from callcenter.agents.desk_calls import AnsweredCall, RecentCalls
from callcenter.agents.hub import DeskHub
from callcenter.agents.lookup import caller_card
from callcenter.agents.roster import agent_for_interface
from callcenter.calls.model import AgentRingEnded, AgentRinging, CallEnded, GreetingDecision
from callcenter.clock import Clock
from callcenter.db.session import unit_of_work
from callcenter.hotline import Hotline

log = logging.getLogger(__name__)

APOLOGY_TEXT = "请先致歉：对不起，让您久等了"
APOLOGY_TEXT_EN = "Apologise first: 对不起，让您久等了 (sorry to have kept you waiting)"


def ring_number(ring_seconds: float, cycle: float) -> int:
    """R1: the ring in progress after this much ringing (the first ring is number 1)."""
    return math.floor(max(ring_seconds, 0.0) / cycle) + 1


@dataclass
class _Ringing:
    linkedid: str
    agent_id: str
    caller: str | None
    ring_started_at: float
    queue: str | None = None
    answered: bool = False
    reminded: bool = False
    popped: bool = False


class ScreenPop:
    def __init__(self, hotline: Hotline, hub: DeskHub, sessions: sessionmaker[Session], clock: Clock,
                 on_call_done: Callable[[str], Any] | None = None) -> None:
        self.hotline = hotline
        self.hub = hub
        self.sessions = sessions
        self.clock = clock
        self.on_call_done = on_call_done
        self._ringing: dict[str, _Ringing] = {}  # by linkedid
        self.recent = RecentCalls()  # the calls a desk may open a ticket for (R4)

    @property
    def cycle(self) -> float:
        return self.hotline.rules.ring_cycle_seconds

    @property
    def rule_rings(self) -> int:
        return self.hotline.rules.rule_rings

    def _card(self, caller: str | None) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return caller_card(session, caller)

    async def on_ringing(self, message: AgentRinging) -> None:
        agent = agent_for_interface(self.hotline, message.agent)
        if agent is None:
            return
        department = self.hotline.department_of_queue(message.queue) if message.queue else None
        pop: dict[str, Any] = {
            "linkedid": message.linkedid, "caller": message.caller, "queue": message.queue,
            "department": department.name if department else None, "attempt": message.attempt,
            "ring_started_at": message.caller_ring_started_at, "ring_cycle": self.cycle,
            "rule_rings": self.rule_rings, "rang_at": message.at, "phase": "ringing",
        }
        ringing = _Ringing(message.linkedid, agent.id, message.caller, message.caller_ring_started_at,
                           message.queue)
        self._ringing[message.linkedid] = ringing
        try:
            pop["card"] = await asyncio.to_thread(self._card, message.caller)
        except Exception as exc:  # noqa: BLE001 (the database is away: the pop goes out without history)
            log.warning("screen pop: history of call %s could not be read (%s)", message.linkedid,
                        str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
            pop["card"] = None
            pop["card_error"] = "历史记录暂时无法读取 / history unavailable"
        pop["pushed_at"] = self.clock.time()
        if self._ringing.get(message.linkedid) is ringing:
            self.hub.push(agent.id, "pop", pop)
            ringing.popped = True
            self.check_rings(self.clock.time())

    def on_ring_ended(self, message: AgentRingEnded) -> None:
        ringing = self._ringing.get(message.linkedid)
        agent = agent_for_interface(self.hotline, message.agent)
        if ringing is None or agent is None or agent.id != ringing.agent_id:
            return
        if message.outcome == "answered":
            ringing.answered = True
            self.recent.answered(AnsweredCall(message.linkedid, agent.id, ringing.caller, ringing.queue,
                                              message.at))
            self._set_phase(agent.id, message.linkedid, "talking")
            return
        # Rolled over to a neighbour (R13) or the caller gave up: the pop is no longer this desk's.
        del self._ringing[message.linkedid]
        self.hub.forget(agent.id, "pop")
        self.hub.forget(agent.id, "apology")
        self.hub.push(agent.id, "pop_end", {"linkedid": message.linkedid, "outcome": message.outcome})

    def _set_phase(self, agent_id: str, linkedid: str, phase: str) -> None:
        latest = self.hub.latest(agent_id, "pop")
        if latest is not None and latest.data.get("linkedid") == linkedid:
            self.hub.push(agent_id, "pop", {**latest.data, "phase": phase})

    def on_greeting(self, message: GreetingDecision) -> None:
        """R2: answered after the third ring; the caller hears the apology greeting and the
        agent is reminded to apologise too (in case the ring check has not fired yet)."""
        ringing = self._ringing.get(message.linkedid)
        if ringing is not None and message.greeting == "apology" and not ringing.reminded:
            self._remind(ringing, message.rings)

    def on_call_ended(self, message: CallEnded) -> None:
        record = message.record
        ringing = self._ringing.pop(record.linkedid, None)
        agent = agent_for_interface(self.hotline, record.agent)
        agent_id = agent.id if agent else (ringing.agent_id if ringing else None)
        if agent_id is None:
            return
        self.hub.forget(agent_id, "pop")
        self.hub.forget(agent_id, "apology")
        self.hub.push(agent_id, "call_ended", {"linkedid": record.linkedid, "answered": record.answered,
                                               "talk_seconds": record.talk_seconds})
        if record.answered and agent is not None and self.on_call_done is not None:
            self.on_call_done(agent.id)

    def check_rings(self, now: float) -> None:
        """Remind every desk whose caller has reached the fourth ring (R1/R2)."""
        for ringing in list(self._ringing.values()):
            if ringing.reminded or ringing.answered or not ringing.popped:
                continue
            ring = ring_number(now - ringing.ring_started_at, self.cycle)
            if ring > self.rule_rings:
                self._remind(ringing, ring)

    def _remind(self, ringing: _Ringing, ring: int) -> None:
        ringing.reminded = True
        self.hub.push(ringing.agent_id, "apology", {"linkedid": ringing.linkedid, "ring": ring,
                                                    "text": APOLOGY_TEXT, "text_en": APOLOGY_TEXT_EN})
