"""The live AMI listener: stays logged in, hands every message on in arrival order, and after
each (re)connect takes a snapshot of what is going on (CoreShowChannels, QueueStatus) so calls
in progress are neither lost nor counted twice (snapshot, then updates).

Errors are sorted by intent: an unreachable or dead link is retried with capped exponential
backoff (asyncio.sleep, never blocking the loop), logged once when it goes and once when it
comes back; refused credentials stop the listener with a message saying so (no retry storm).
A link is dead when a Ping goes unanswered for ``ping_timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from callcenter.aio import cancel_and_wait
from callcenter.ami.framing import RawMessage
from callcenter.ami.session import AmiConnectionError, AmiLoginError, AmiSession
from callcenter.config import AmiSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """Messages from one read, with when they arrived (wall clock and perf counter)."""

    messages: list[RawMessage]
    arrival: float
    arrival_perf: float


@dataclass(frozen=True)
class Connected:
    """A (re)connect: everything after this marker is news, the snapshot follows."""

    attempt: int


@dataclass(frozen=True)
class Snapshot:
    """CoreShowChannel list items, as taken right after a (re)connect."""

    channels: list[dict[str, str]]
    taken_at: float


ListenerItem = Batch | Connected | Snapshot


@dataclass(frozen=True)
class ListenerTiming:
    ping_interval: float = 10.0
    ping_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    connect_timeout: float = 10.0


class AmiListener:
    def __init__(self, settings: AmiSettings, sink: Callable[[ListenerItem], None],
                 timing: ListenerTiming | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 room: asyncio.Event | None = None) -> None:
        self._settings, self._sink, self._room = settings, sink, room
        self.timing = timing or ListenerTiming()
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._session: AmiSession | None = None
        self.connects = 0
        self.failure: AmiLoginError | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ami-listener")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def wait_stopped(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        delay, down_logged = self.timing.backoff_initial, False
        while True:
            try:
                session = await self._open()
            except AmiLoginError as exc:
                self.failure = exc
                log.error("AMI listener stopped: %s", exc)
                return
            except AmiConnectionError as exc:
                if not down_logged:
                    log.warning("AMI unavailable, retrying with backoff up to %g s: %s",
                                self.timing.backoff_max, exc)
                    down_logged = True
                await self._sleep(delay)
                delay = min(self.timing.backoff_max, delay * 2)
                continue
            if down_logged:
                log.info("AMI link recovered (%s)", session.label)
            delay, down_logged = self.timing.backoff_initial, False
            await self._serve(session)
            down_logged = True
            log.warning("AMI link %s lost; reconnecting", session.label)

    async def _open(self) -> AmiSession:
        s = self._settings
        session = await AmiSession.open(s.host, s.port, s.user, s.secret.reveal(), events=True,
                                        sink=self._on_messages, timeout=self.timing.connect_timeout,
                                        room=self._room)
        self.connects += 1
        self._session = session
        # The marker goes in first, so the consumer knows which calls it had seen before.
        self._sink(Connected(self.connects))
        return session

    def _on_messages(self, messages: list[RawMessage], arrival: float, perf: float) -> None:
        self._sink(Batch(messages, arrival, perf))  # the protocol side only enqueues

    async def _serve(self, session: AmiSession) -> None:
        try:
            await self._resync(session)
            self.connected.set()
            await self._watch(session)
        except AmiConnectionError as exc:
            log.warning("AMI link %s: %s", session.label, exc)
        finally:
            self.connected.clear()
            await session.close()
            self._session = None

    async def _resync(self, session: AmiSession) -> None:
        timeout = self.timing.connect_timeout
        channels = await session.send({"Action": "CoreShowChannels"}, timeout=timeout)
        taken_at = await self._pbx_time(session)
        self._sink(Snapshot([m for m in channels if m.get("Event") == "CoreShowChannel"], taken_at))
        # Member states are applied where they fall in the stream (QueueMember items among the
        # live QueueMemberPause/Status events): the newer of the two always wins.
        await session.send({"Action": "QueueStatus"}, timeout=timeout, stream=True)

    async def _pbx_time(self, session: AmiSession) -> float:
        """When the snapshot was taken, on Asterisk's clock: the channels' ``Duration`` counts on
        that clock, and so do the events' ``Timestamp``s. Asterisk's Ping answer carries it."""
        asked = time.time()
        try:
            reply = await session.send({"Action": "Ping"}, timeout=self.timing.ping_timeout)
            stamp = float(reply[0].get("Timestamp", ""))
        except (AmiConnectionError, ValueError):
            return asked  # a dead link is found by the watch that follows
        return stamp if 0.0 < stamp < 1e11 else time.time()

    async def _watch(self, session: AmiSession) -> None:
        """Ping every interval; a missing Pong within the timeout means the link is dead."""
        while not session.closed.done():
            done, _ = await asyncio.wait({session.closed}, timeout=self.timing.ping_interval)
            if done:
                return
            try:
                await session.send({"Action": "Ping"}, timeout=self.timing.ping_timeout)
            except AmiConnectionError:
                log.warning("AMI link %s dead: no answer to Ping in %g s", session.label,
                            self.timing.ping_timeout)
                return
