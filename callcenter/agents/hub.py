"""Fan-out of desk events to the browsers (server-sent events), one channel per agent.

Publishing never blocks: a browser that stops reading loses its oldest events, not the
service's time. Each channel remembers its latest event of each kind, so a desk that
(re)connects gets the current state and a ringing call's pop at once (snapshot first).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

QUEUE_LIMIT = 200
# Kinds whose latest value is replayed to a new subscriber.
STICKY = ("state", "pop", "apology")


@dataclass(frozen=True)
class DeskEvent:
    kind: str
    data: dict[str, Any]

    def encode(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, default=str)


@dataclass
class _Channel:
    subscribers: set[asyncio.Queue[DeskEvent]] = field(default_factory=set)
    latest: dict[str, DeskEvent] = field(default_factory=dict)


class DeskHub:
    def __init__(self) -> None:
        self._channels: dict[str, _Channel] = {}

    def _channel(self, agent_id: str) -> _Channel:
        return self._channels.setdefault(agent_id, _Channel())

    def push(self, agent_id: str, kind: str, data: dict[str, Any]) -> None:
        event = DeskEvent(kind, data)
        channel = self._channel(agent_id)
        if kind in STICKY:
            channel.latest[kind] = event
        for queue in channel.subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def forget(self, agent_id: str, kind: str) -> None:
        """Drop a sticky event that no longer holds (the phone stopped ringing)."""
        self._channel(agent_id).latest.pop(kind, None)

    def latest(self, agent_id: str, kind: str) -> DeskEvent | None:
        return self._channel(agent_id).latest.get(kind)

    def subscribers(self, agent_id: str) -> int:
        return len(self._channel(agent_id).subscribers)

    async def subscribe(self, agent_id: str) -> AsyncIterator[DeskEvent]:
        channel = self._channel(agent_id)
        queue: asyncio.Queue[DeskEvent] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        for event in list(channel.latest.values()):
            queue.put_nowait(event)
        channel.subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            channel.subscribers.discard(queue)
