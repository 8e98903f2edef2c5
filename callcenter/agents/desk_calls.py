"""The calls each desk has answered lately (R4, R17): the agent may open a ticket for one of them
during the call or after it, and for no other call. Kept in memory, the last few per agent; after
a restart the stored call (its answering agent) says the same."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

KEPT_PER_AGENT = 20


@dataclass(frozen=True)
class AnsweredCall:
    linkedid: str
    agent_id: str
    caller: str | None
    queue: str | None
    answered_at: float


class RecentCalls:
    def __init__(self, kept: int = KEPT_PER_AGENT) -> None:
        self._kept = kept
        self._by_agent: dict[str, deque[AnsweredCall]] = {}

    def answered(self, call: AnsweredCall) -> None:
        calls = self._by_agent.setdefault(call.agent_id, deque(maxlen=self._kept))
        if all(c.linkedid != call.linkedid for c in calls):
            calls.append(call)

    def find(self, agent_id: str, linkedid: str) -> AnsweredCall | None:
        return next((c for c in self._by_agent.get(agent_id, ()) if c.linkedid == linkedid), None)

    def last(self, agent_id: str) -> AnsweredCall | None:
        calls = self._by_agent.get(agent_id)
        return calls[-1] if calls else None
