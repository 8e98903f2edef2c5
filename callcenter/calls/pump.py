"""The one consumer of the listener's queue: messages into the tracker in arrival order, and the
reconnect snapshot into ``tracker.resync`` (DESIGN habits 3 and 8)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from callcenter.aio import cancel_and_wait
from callcenter.ami import events as ev
from callcenter.ami.connection import Batch, Connected, ListenerItem, Snapshot
from callcenter.calls.ingest import ingest
from callcenter.calls.tracker import CallTracker

log = logging.getLogger(__name__)


class EventPump:
    def __init__(self, tracker: CallTracker, max_backlog: int = 2) -> None:
        self.tracker = tracker
        self._queue: asyncio.Queue[ListenerItem] = asyncio.Queue()
        # Set while the queue is short: the listener stops reading otherwise (TCP backpressure),
        # so a flood waits in the kernel, not in memory, and an answer never queues behind it.
        self.room = asyncio.Event()
        self.room.set()
        self._max_backlog = max_backlog
        self._task: asyncio.Task[None] | None = None
        self._since_seq = 0
        self.current_arrival_perf = 0.0  # arrival of the batch being applied (decision latency)
        self.events = 0
        self.on_batch_done: Callable[[], None] | None = None
        self.on_resynced: Callable[[], None] | None = None  # after each (re)connect's snapshot

    def put(self, item: ListenerItem) -> None:
        self._queue.put_nowait(item)
        if self._queue.qsize() >= self._max_backlog:
            self.room.clear()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ami-pump")

    async def drain(self) -> None:
        await self._queue.join()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                self.handle(item)
            except Exception:  # the per-item boundary: log and carry on
                log.exception("pump: could not handle %s", type(item).__name__)
            finally:
                self._queue.task_done()
                if self._queue.qsize() < self._max_backlog:
                    self.room.set()

    def handle(self, item: ListenerItem) -> None:
        if isinstance(item, Batch):
            self.current_arrival_perf = item.arrival_perf
            for message in item.messages:
                ingest(self.tracker, message, item.arrival)
            self.events += len(item.messages)
        elif isinstance(item, Connected):
            self._since_seq = self.tracker.seq
            self.tracker.snapshot_pending = True
        elif isinstance(item, Snapshot):
            self._resync(item)

    def _resync(self, snapshot: Snapshot) -> None:
        channels = [e for h in snapshot.channels
                    if isinstance(e := ev.parse_event(h, snapshot.taken_at), ev.ChannelSnapshot)]
        self.tracker.resync(channels, self._since_seq, snapshot.taken_at)
        log.info("resync: %d live channels, %d calls in progress", len(channels), self.tracker.open_calls)
        if self.on_resynced is not None:
            self.on_resynced()
