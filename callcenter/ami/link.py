"""panoramisk's AMIProtocol and Manager, with the three gaps 1.4 leaves closed for a listener
that must not lose or garble an event:

* text: 1.4 decodes every network read on its own with ``errors='ignore'``, so a Chinese caller
  name split across two reads loses its characters. Here the reads go through
  :class:`~callcenter.ami.framing.AmiFramer` (an incremental UTF-8 decoder, and the same framing
  as trace replay), each read stamped with its arrival (wall clock, perf counter) for the ring
  arithmetic (R1/R2).
* ping: 1.4 sends a Ping every interval and never looks at the answer. Here an unanswered Ping
  aborts the link after ``ping_timeout`` seconds, and panoramisk's own reconnect takes over.
* back-pressure: 1.4 reads as fast as the socket delivers. Here reading pauses
  (``transport.pause_reading``) while the consumer's queue is full and resumes when it has room,
  so a flood waits in the kernel, not in memory.

Reconnects keep panoramisk's shape (``connection_lost`` → a new ``connect``), with a capped
exponential backoff instead of its fixed delay, and a refused login stops them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from callcenter.ami._panoramisk import Action, AMIProtocol, Manager, Message
from callcenter.ami.framing import AmiFramer, RawMessage

log = logging.getLogger(__name__)

# Bytes per read: small enough that one batch is processed in well under a millisecond, so an
# answer waits behind little else before its greeting is decided (R2); large enough to keep
# per-read overhead low under a flood (asyncio reads up to 256 KiB otherwise).
READ_SIZE = 16 * 1024
# Everything the listener sends; none of it is worth re-sending on the next link (panoramisk
# would otherwise park unanswered actions for a replay the listener does not want).
_LISTENER_ACTIONS = ("ping", "login", "coreshowchannels", "queuestatus")


class LinkEvents:
    """What the link tells its owner. Overridden by the listener."""

    def batch(self, messages: list[RawMessage], arrival: float, arrival_perf: float) -> None: ...

    def logged_in(self) -> None: ...

    def login_refused(self, reason: str) -> None: ...

    def unreachable(self, why: str) -> None: ...


class ListenerProtocol(AMIProtocol, asyncio.BufferedProtocol):  # type: ignore[misc]
    """AMIProtocol reading into a fixed buffer (at most READ_SIZE bytes per read), decoding and
    framing incrementally, handing events on per read, and answering actions the panoramisk way."""

    def __init__(self, link: ListenerManager) -> None:
        self.link = link
        self._buffer = bytearray(READ_SIZE)
        self._framer = AmiFramer()
        self.streamed: set[str] = set()  # ActionIDs whose list items also go out with the events
        self._resume: asyncio.Task[None] | None = None

    def get_buffer(self, sizehint: int) -> bytearray:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(memoryview(self._buffer)[:nbytes]))  # one copy, not two

    def eof_received(self) -> bool:
        return False

    def data_received(self, data: bytes) -> None:
        wall, perf = time.time(), time.perf_counter()
        events: list[RawMessage] = []
        owner = self.link.owner
        for message in self._framer.feed(data):
            action_id = message.headers.get("ActionID")
            if action_id is None or action_id not in self.responses:
                events.append(message)
                continue
            action = self.responses[action_id]
            self.handle_message(Message(message.headers))
            if not action.future.done() and message.headers.get("EventList", "").lower() == "complete":
                # 1.4 ends a list only at an event named "...Complete"; AMI's end mark is this header.
                self.responses.pop(action_id, None)
                action.future.set_result(action.responses)
            if action_id in self.streamed and "Event" in message.headers:
                events.append(message)
            elif action_id == self.link.login_id and message.headers.get("Response") == "Success":
                # Everything after the login answer is news of this link: the marker goes first.
                if events:
                    owner.batch(events, wall, perf)
                    events = []
                owner.logged_in()
        if events:
            owner.batch(events, wall, perf)
        self._hold_back()

    def _hold_back(self) -> None:
        room = self.link.room
        if room is None or room.is_set() or self._resume is not None or self.closed:
            return
        self.transport.pause_reading()  # TCP holds the rest until the consumer catches up
        self._resume = asyncio.get_running_loop().create_task(self._resume_when_room(room))

    async def _resume_when_room(self, room: asyncio.Event) -> None:
        await room.wait()
        self._resume = None
        if not self.closed and not self.transport.is_closing():
            self.transport.resume_reading()

    def close(self) -> None:
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        super().close()


class ListenerManager(Manager):  # type: ignore[misc]
    """panoramisk's Manager with a ping watchdog, a connect timeout, capped backoff, and a stop
    on refused credentials."""

    def __init__(self, owner: LinkEvents, *, host: str, port: int, username: str, secret: str,
                 ping_interval: float, ping_timeout: float, connect_timeout: float,
                 backoff_initial: float, backoff_max: float,
                 sleep: Callable[[float], Awaitable[None]], room: asyncio.Event | None,
                 on_login: Callable[[Any], None], on_disconnect: Callable[[Any, Any], None]) -> None:
        super().__init__(host=host, port=port, username=username, secret=secret, events="on",
                         on_login=on_login, on_disconnect=on_disconnect,
                         protocol_factory=lambda: ListenerProtocol(self),
                         loop=asyncio.get_running_loop(), forgetable_actions=_LISTENER_ACTIONS,
                         log=log)
        self.owner, self.room, self._sleep = owner, room, sleep
        # panoramisk keeps these as whole seconds; the listener's timings are finer.
        self.ping_delay = self.ping_interval = ping_interval
        self.ping_timeout, self.connect_timeout = ping_timeout, connect_timeout
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.delay = backoff_initial
        self.login_id: str | None = None
        self.stopped = False
        self._retry: asyncio.Task[None] | None = None
        self.label = f"{username}@{host}:{port}"

    def connect(self, run_forever: bool = False, on_startup: Any = None,
                on_shutdown: Any = None) -> asyncio.Task[Any]:
        """panoramisk's connect, with a timeout (1.4 waits for the operating system's)."""
        loop = asyncio.get_running_loop()

        async def reach() -> tuple[asyncio.BaseTransport, asyncio.BaseProtocol]:
            async with asyncio.timeout(self.connect_timeout):
                return await loop.create_connection(self.config["protocol_factory"],
                                                    self.config["host"], self.config["port"])
        task = loop.create_task(reach())
        task.add_done_callback(self.connection_made)
        return task

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if self.stopped or f.cancelled():
            if not f.cancelled() and f.exception() is None:
                transport, protocol = f.result()
                protocol.closed = True  # never handed to panoramisk: its connection_lost has no manager
                transport.close()
            return
        exc = f.exception()
        if isinstance(exc, OSError):  # TimeoutError included
            self.owner.unreachable(f"cannot reach the AMI at {self.label}: {exc or 'timed out'}")
            self._reconnect_later()
            return
        super().connection_made(f)

    def send_action(self, action: Any, as_list: bool | None = None, **kwargs: Any) -> Any:
        if not isinstance(action, Action):
            action = Action(action)
        if action["Action"] == "Login":
            self.login_id = action.id  # its answer is where the protocol marks the new link
        return super().send_action(action, as_list=as_list, **kwargs)

    def login(self, future: asyncio.Future[Any]) -> bool:
        if future.cancelled() or self.stopped:
            return False
        if not super().login(future):
            self.stopped = True
            self.close()
            if self._retry is not None:
                self._retry.cancel()
            self.owner.login_refused(future.result().get("Message") or "refused")
            return False
        self.delay = self.backoff_initial
        return True

    def ping(self) -> None:
        """panoramisk's ping, watched: no answer within ``ping_timeout`` means the link is dead."""
        self.pinger = self.loop.call_later(self.ping_interval, self.ping)
        protocol = self.protocol
        if protocol is None or protocol.closed:
            return
        answer = protocol.send({"Action": "Ping"})
        deadline = self.loop.call_later(self.ping_timeout, self.declare_dead, protocol,
                                        f"no answer to Ping in {self.ping_timeout:g} s")
        answer.add_done_callback(lambda _: deadline.cancel())

    def declare_dead(self, protocol: ListenerProtocol, why: str) -> None:
        if protocol is self.protocol and not protocol.closed:
            log.warning("AMI link %s dead: %s", self.label, why)
            protocol.transport.abort()  # connection_lost follows, and with it the reconnect

    def connection_lost(self, exc: Exception | None) -> None:
        self._connected = False
        if self.pinger:
            self.pinger.cancel()
            self.pinger = None
        self.loop.call_soon(self.on_disconnect, self, exc)
        self._reconnect_later()

    def _reconnect_later(self) -> None:
        if self.stopped:
            return
        delay, self.delay = self.delay, min(self.backoff_max, self.delay * 2)
        self._retry = self.loop.create_task(self._wait_then_connect(delay))

    async def _wait_then_connect(self, delay: float) -> None:
        await self._sleep(delay)
        if not self.stopped:
            self.connect()

    def stop(self) -> None:
        self.stopped = True
        if self._retry is not None:
            self._retry.cancel()
        self.close()
