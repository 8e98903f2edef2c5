"""One logged-in AMI session over TCP: login, actions matched by ActionID (with EventList
collection), and everything else handed on, in arrival order, as raw messages. The action
client (:mod:`callcenter.ami.actions`) runs on it; the live listener runs on panoramisk
(:mod:`callcenter.ami.link`).

Why a session of its own for actions: every header is checked before it is sent (a CR, LF or NUL
would let caller data inject a second action; panoramisk 1.4 writes values as given), and a
header may repeat (one ``Variable`` per channel variable) in the order given.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from callcenter.ami.framing import AmiFramer, RawMessage
from callcenter.errors import CallcenterError

log = logging.getLogger(__name__)

MessageSink = Callable[[list[RawMessage], float, float], None]  # messages, wall arrival, perf arrival
_ids = itertools.count(1)
# Bytes per read: small enough that one batch is processed in well under a millisecond, so an
# answer waits behind little else before its greeting is decided (R2); large enough to keep
# per-read overhead low under a flood.
READ_SIZE = 16 * 1024


class AmiLoginError(CallcenterError):
    """Asterisk refused the credentials: retrying cannot help, a person must fix the settings."""


class AmiConnectionError(ConnectionError):
    """The AMI link is down or answered nonsense; the caller may retry with backoff."""


class AmiHeaderError(CallcenterError, ValueError):
    """An action header that would break AMI's framing (CR, LF or NUL): nothing was sent."""


Action = Mapping[str, str] | Sequence[tuple[str, str]]
_FORBIDDEN = ("\r", "\n", "\0")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def encode_action(headers: Sequence[tuple[str, str]]) -> bytes:
    """The action's wire form. A CR or LF in a header would end it and start another action
    (AMI injection), a NUL cuts it short in Asterisk's C strings: refused, never stripped."""
    for key, value in headers:
        if not _KEY.fullmatch(key):
            raise AmiHeaderError("refusing to send an AMI action: header name "
                                 f"{key[:40]!r} is not a plain name")
        if any(c in value for c in _FORBIDDEN):
            action = next((v for k, v in headers if k == "Action"), "?")
            raise AmiHeaderError(f"refusing to send AMI action {action[:40]!r}: header "
                                 f"{key!r} holds a line break "
                                 "or NUL (value not sent)")
    return ("".join(f"{key}: {value}\r\n" for key, value in headers) + "\r\n").encode()


@dataclass
class _Pending:
    future: asyncio.Future[list[dict[str, str]]]
    messages: list[dict[str, str]] = field(default_factory=list)
    is_list: bool = False
    stream: bool = False  # also hand the list items on, in stream order, with the events


class _Protocol(asyncio.BufferedProtocol):
    """Reads straight into a fixed buffer: at most READ_SIZE bytes per read (the public way to
    bound asyncio's 256 KiB socket reads), so no burst sits in user space unprocessed."""

    def __init__(self, session: AmiSession) -> None:
        self._session = session
        self._buffer = bytearray(READ_SIZE)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._session._transport = transport

    def get_buffer(self, sizehint: int) -> bytearray:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._session._received(bytes(self._buffer[:nbytes]))

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._session._lost(f"broken: {exc}" if exc else "closed by Asterisk")


class AmiSession:
    def __init__(self, sink: MessageSink | None, label: str, room: asyncio.Event | None = None) -> None:
        self._sink, self.label, self._room = sink, label, room
        self._framer = AmiFramer()
        self._pending: dict[str, _Pending] = {}
        self._transport: asyncio.Transport | None = None
        self._resume: asyncio.Task[None] | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(cls, host: str, port: int, user: str, secret: str, *, events: bool,
                   sink: MessageSink | None = None, timeout: float = 10.0,
                   room: asyncio.Event | None = None) -> AmiSession:
        """Connect and log in; AmiLoginError if refused, AmiConnectionError if unreachable.
        ``room``, when given, is set while the consumer can take more: reading pauses otherwise."""
        label = f"{user}@{host}:{port}"
        session = cls(sink, label, room)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                await loop.create_connection(lambda: _Protocol(session), host, port)
        except (OSError, TimeoutError) as exc:
            raise AmiConnectionError(f"cannot reach the AMI at {host}:{port}: {exc or 'timed out'}") from None
        try:
            reply = await session.send({"Action": "Login", "Username": user, "Secret": secret,
                                        "Events": "on" if events else "off"}, timeout=timeout)
        except BaseException:
            await session.close()
            raise
        if reply[0].get("Response") != "Success":
            await session.close()
            why = reply[0].get("Message") or "refused"
            raise AmiLoginError(f"Asterisk refused the AMI login of user {user!r} at {host}:{port}: {why}. "
                                "Check the user and its secret in manager.conf against CALLCENTER_AMI_USER / "
                                "CALLCENTER_AMI_SECRET (CALLCENTER_AMI_ACTION_USER / "
                                "_ACTION_SECRET for actions).")
        return session

    async def send(self, action: Action, timeout: float = 10.0, stream: bool = False) -> list[dict[str, str]]:
        """Send an action (a mapping, or header pairs where a key repeats, e.g. one ``Variable``
        per channel variable); the Response plus, for list actions, every event up to the
        ``EventList: Complete`` one. AmiConnectionError if the link drops or times out,
        AmiHeaderError (nothing sent) if a header would break the framing.
        With ``stream``, the list's items also go to the sink where they fall among the live
        events, so a snapshot item never overrides a newer event."""
        headers = list(action.items()) if isinstance(action, Mapping) else list(action)
        action_id = next((v for k, v in headers if k == "ActionID" and v), None) or f"cc-{next(_ids)}"
        headers = [(k, v) for k, v in headers if k != "ActionID"] + [("ActionID", action_id)]
        name = next((v for k, v in headers if k == "Action"), "?")
        data = encode_action(headers)
        pending = _Pending(asyncio.get_running_loop().create_future(), stream=stream)
        self._pending[action_id] = pending
        try:
            if self.closed.done() or self._transport is None:
                raise AmiConnectionError(f"AMI link {self.label} is closed")
            self._transport.write(data)
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation that
            # coincides with the reply, which would keep a stopping listener alive.
            async with asyncio.timeout(timeout):
                return await pending.future
        except TimeoutError:
            raise AmiConnectionError(f"no answer to {name} from {self.label} in {timeout:g} s") from None
        finally:
            self._pending.pop(action_id, None)

    async def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()
        if self._resume is not None:
            self._resume.cancel()
        self._lost("closed")
        await asyncio.sleep(0)  # let the transport finish closing its socket

    def _received(self, data: bytes) -> None:
        wall, perf = time.time(), time.perf_counter()
        self._route(self._framer.feed(data), wall, perf)
        if self._room is not None and not self._room.is_set() and self._resume is None and self._transport:
            # Backpressure: stop reading until the consumer catches up; TCP holds the rest.
            self._transport.pause_reading()
            self._resume = asyncio.get_running_loop().create_task(self._resume_when_room())

    async def _resume_when_room(self) -> None:
        assert self._room is not None
        await self._room.wait()
        self._resume = None
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def _lost(self, reason: str) -> None:
        self._fail_pending(reason)
        if not self.closed.done():
            self.closed.set_result(None)

    def _route(self, messages: list[RawMessage], wall: float, perf: float) -> None:
        events: list[RawMessage] = []
        for message in messages:
            pending = self._pending.get(message.headers.get("ActionID", ""))
            if pending is None or pending.future.done():  # e.g. OriginateResponse after its Response
                events.append(message)
                continue
            self._collect(pending, message.headers)
            if pending.stream and "Event" in message.headers:
                events.append(message)
        if events and self._sink is not None:
            self._sink(events, wall, perf)

    @staticmethod
    def _collect(pending: _Pending, headers: dict[str, str]) -> None:
        pending.messages.append(headers)
        if len(pending.messages) == 1:
            pending.is_list = headers.get("EventList", "").lower() == "start"
        done = not pending.is_list or headers.get("EventList", "").lower() == "complete"
        if done and not pending.future.done():
            pending.future.set_result(pending.messages)

    def _fail_pending(self, reason: str) -> None:
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(AmiConnectionError(f"AMI link {self.label} {reason}"))
