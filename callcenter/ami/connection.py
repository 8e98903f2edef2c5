"""The live AMI listener, on panoramisk (:mod:`callcenter.ami.link`): stays logged in, hands
every message on in arrival order, and after each login (panoramisk's ``on_login`` hook) takes a
snapshot of what is going on (CoreShowChannels, QueueStatus) so calls in progress are neither
lost nor counted twice (snapshot, then updates).

Errors are sorted by intent: an unreachable or dead link is retried with capped exponential
backoff (never blocking the loop), logged once when it goes and once when it comes back;
refused credentials stop the listener with a message saying so (no retry storm).
A link is dead when a Ping goes unanswered for ``ping_timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from callcenter.aio import cancel_and_wait
from callcenter.ami._panoramisk import Action
from callcenter.ami.events import CDR_ANSWER, CDR_START
from callcenter.ami.framing import RawMessage
from callcenter.ami.link import LinkEvents, ListenerManager, ListenerProtocol
from callcenter.ami.session import AmiLoginError
from callcenter.config import AmiSettings

log = logging.getLogger(__name__)


# The channels app_queue and app_dial ring (their CoreShowChannel Application): the agent legs.
AGENT_LEG_APPS = ("AppQueue", "AppDial")


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


class AmiListener(LinkEvents):
    """Runs a :class:`ListenerManager` (panoramisk) and turns what it sees into listener items."""

    def __init__(self, settings: AmiSettings, sink: Callable[[ListenerItem], None],
                 timing: ListenerTiming | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 room: asyncio.Event | None = None) -> None:
        self._settings, self._sink, self._room = settings, sink, room
        self.timing = timing or ListenerTiming()
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._manager: ListenerManager | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._down_logged = False
        self.connects = 0
        self.failure: AmiLoginError | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        s, t = self._settings, self.timing
        self._stopped = asyncio.get_running_loop().create_future()
        self._manager = ListenerManager(
            self, host=s.host, port=s.port, username=s.user, secret=s.secret.reveal(),
            ping_interval=t.ping_interval, ping_timeout=t.ping_timeout, connect_timeout=t.connect_timeout,
            backoff_initial=t.backoff_initial, backoff_max=t.backoff_max, sleep=self._sleep,
            room=self._room, on_login=self._on_login, on_disconnect=self._on_disconnect)
        self._task = asyncio.create_task(self._run(self._manager, self._stopped), name="ami-listener")

    async def stop(self) -> None:
        if self._manager is not None:
            self._manager.stop()
        await cancel_and_wait(self._resync_task)
        await cancel_and_wait(self._task)
        self._task = self._resync_task = self._manager = None
        self.connected.clear()
        await asyncio.sleep(0)  # let the transport finish closing its socket

    async def wait_stopped(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    @staticmethod
    async def _run(manager: ListenerManager, stopped: asyncio.Future[None]) -> None:
        manager.connect()
        await stopped  # set only when the credentials are refused; stop() cancels otherwise

    # What the link reports (LinkEvents), on the loop, in order.

    def batch(self, messages: list[RawMessage], arrival: float, arrival_perf: float) -> None:
        self._sink(Batch(messages, arrival, arrival_perf))  # the protocol side only enqueues

    def logged_in(self) -> None:
        self.connects += 1
        # The marker goes in first, so the consumer knows which calls it had seen before.
        self._sink(Connected(self.connects))

    def login_refused(self, reason: str) -> None:
        s = self._settings
        self.failure = AmiLoginError(
            f"Asterisk refused the AMI login of user {s.user!r} at {s.host}:{s.port}: {reason}. "
            "Check the user and its secret in manager.conf against CALLCENTER_AMI_USER / "
            "CALLCENTER_AMI_SECRET (CALLCENTER_AMI_ACTION_USER / _ACTION_SECRET for actions).")
        log.error("AMI listener stopped: %s", self.failure)
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)

    def unreachable(self, why: str) -> None:
        if not self._down_logged:
            log.warning("AMI unavailable, retrying with backoff up to %g s: %s", self.timing.backoff_max, why)
            self._down_logged = True

    def _on_disconnect(self, manager: ListenerManager, exc: object) -> None:
        self.connected.clear()
        if self._resync_task is not None:
            self._resync_task.cancel()
            self._resync_task = None
        if not manager.stopped:
            log.warning("AMI link %s lost (%s); reconnecting", manager.label, exc or "closed by Asterisk")
            self._down_logged = True

    def _on_login(self, manager: ListenerManager) -> None:
        """panoramisk's on_login hook: take the snapshot, then the link counts as up."""
        if self._down_logged:
            log.info("AMI link recovered (%s)", manager.label)
            self._down_logged = False
        if self._resync_task is not None:
            self._resync_task.cancel()
        self._resync_task = asyncio.get_running_loop().create_task(self._resync(manager, manager.protocol))

    async def _resync(self, manager: ListenerManager, protocol: ListenerProtocol) -> None:
        try:
            async with asyncio.timeout(self.timing.connect_timeout):
                channels = await manager.send_action({"Action": "CoreShowChannels"}, as_list=True)
                taken_at = await self._pbx_time(manager)
                listed = [_headers(m) for m in _listed(channels) if m.get("Event") == "CoreShowChannel"]
                for item in listed:
                    if item.get("Application") in AGENT_LEG_APPS:
                        await self._cdr_times(manager, item)
                self._sink(Snapshot(listed, taken_at))
                # Member states are applied where they fall in the stream (QueueMember items among
                # the live QueueMemberPause/Status events): the newer of the two always wins.
                queue_status = Action({"Action": "QueueStatus"}, as_list=True)
                protocol.streamed.add(queue_status.id)
                await manager.send_action(queue_status, as_list=True)
        except TimeoutError:
            manager.declare_dead(protocol, f"no snapshot in {self.timing.connect_timeout:g} s")
            return
        if protocol is manager.protocol and not protocol.closed:
            self.connected.set()

    async def _cdr_times(self, manager: ListenerManager, item: dict[str, str]) -> None:
        """When an agent leg began ringing and answered, to the microsecond, from its own CDR
        (``Duration`` has whole seconds only). Without CDRs the snapshot's estimates stand."""
        for variable in (CDR_START, CDR_ANSWER):
            try:
                async with asyncio.timeout(self.timing.ping_timeout):
                    reply = await manager.send_action({"Action": "Getvar", "Channel": item.get("Channel", ""),
                                                       "Variable": variable})
            except TimeoutError:
                return  # unanswered: the estimates stand; a dead link is found by the ping watchdog
            if reply.get("Response") == "Success":
                item[variable] = str(reply.get("Value") or "")

    async def _pbx_time(self, manager: ListenerManager) -> float:
        """When the snapshot was taken, on Asterisk's clock: the channels' ``Duration`` counts on
        that clock, and so do the events' ``Timestamp``s. Asterisk's Ping answer carries it."""
        asked = time.time()
        try:
            async with asyncio.timeout(self.timing.ping_timeout):
                reply = await manager.send_action({"Action": "Ping"})
            stamp = float(reply.get("Timestamp", ""))
        except (TimeoutError, ValueError):
            return asked  # a dead link is found by the ping watchdog
        return stamp if 0.0 < stamp < 1e11 else time.time()


def _listed(answer: Any) -> list[Any]:
    """panoramisk answers a list action with its messages, or with the lone response on an error."""
    return answer if isinstance(answer, list) else [answer]


def _headers(message: Any) -> dict[str, str]:
    return {k: v for k, v in message.items() if k != "content"}  # panoramisk adds a body key
