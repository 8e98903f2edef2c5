"""The in-process event bus that connects the stages (asyncio; nothing polls).

Publishing never blocks and never waits on a subscriber: each subscriber has its own queue
and one consumer task, so it sees messages in publication order, and a slow or failing
subscriber delays nobody else. A handler that raises is logged and the next message goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None] | None]


@dataclass
class _Subscriber:
    name: str
    kinds: tuple[type, ...]
    handler: Handler
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[_Subscriber] = []
        self._sync: list[tuple[tuple[type, ...], Callable[[Any], None]]] = []

    def subscribe(self, kinds: type | tuple[type, ...], handler: Handler, name: str | None = None) -> None:
        """Deliver messages of these types to ``handler`` in order, on a task of its own."""
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        sub = _Subscriber(name or str(getattr(handler, "__qualname__", "subscriber")), kinds, handler)
        self._subscribers.append(sub)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # started later by start()
        sub.task = asyncio.create_task(self._consume(sub), name=f"bus:{sub.name}")

    def subscribe_sync(self, kinds: type | tuple[type, ...], handler: Callable[[Any], None]) -> None:
        """Call ``handler`` inline at publication; for cheap in-memory bookkeeping only."""
        self._sync.append((kinds if isinstance(kinds, tuple) else (kinds,), handler))

    def publish(self, message: Any) -> None:
        for kinds, handler in self._sync:
            if isinstance(message, kinds):
                try:
                    handler(message)
                except Exception:
                    log.exception("bus: inline handler %s failed on %r", handler, type(message).__name__)
        for sub in self._subscribers:
            if isinstance(message, sub.kinds):
                sub.queue.put_nowait(message)

    async def start(self) -> None:
        for sub in self._subscribers:
            if sub.task is None:
                sub.task = asyncio.create_task(self._consume(sub), name=f"bus:{sub.name}")

    async def drain(self) -> None:
        """Wait until every subscriber has handled everything published so far."""
        for sub in self._subscribers:
            await sub.queue.join()

    async def stop(self) -> None:
        for sub in self._subscribers:
            if sub.task is not None:
                sub.task.cancel()
        for sub in self._subscribers:
            if sub.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await sub.task
                sub.task = None

    async def _consume(self, sub: _Subscriber) -> None:
        while True:
            message = await sub.queue.get()
            try:
                result = sub.handler(message)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("bus: subscriber %s failed on %s", sub.name, type(message).__name__)
            finally:
                sub.queue.task_done()
