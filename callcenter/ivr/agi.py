"""The FastAGI server Asterisk's dialplan calls (``AGI(agi://host:4573/<script>)``, contract C3).

Commands go through panoramisk's public FastAGI ``Request.send_command`` (imported only through
``callcenter.ami._panoramisk``). Two pieces are our own, each for a reason 1.4 leaves open:
the connection handler (1.4's reads the environment with ``reader.read`` until a blank line,
so a peer that closes early makes it spin on empty reads forever; ours has a timeout, a size
cap, an EOF check and the allowed-hosts check), and the line reader handed to the request
(1.4 reads Asterisk's ``HANGUP`` notice as the command's reply and leaves the real reply to be
read as the next command's; ours notes the hang-up and reads on, and a closed socket reads as a
hang-up instead of a ValueError).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from callcenter.ami._panoramisk import FastAgiRequest

log = logging.getLogger(__name__)
LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
ENVIRONMENT_TIMEOUT = 5.0
MAX_ENVIRONMENT_BYTES = 16384


class AgiHangup(Exception):
    """The channel hung up (or the connection closed) while a script was talking to it."""


class _AgiLines:
    """The reply lines of one FastAGI session, as panoramisk's Request reads them."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self.hung_up = False

    async def readline(self) -> bytes:
        while True:
            line = await self._reader.readline()
            if not line:
                return b"HANGUP\n"  # panoramisk reads this as AGIResultHangup
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text != "HANGUP":
                return f"{text}\n".encode()
            # Asterisk's hang-up notice comes in between; the command's own reply follows it
            # (on a dead channel GET VARIABLE still answers, which the message script relies on).
            self.hung_up = True


def _quote(value: str) -> str:
    # AGI arguments are split on spaces and a command ends at a line break: quote, and keep
    # quotes, backslashes and every control character (CR, LF, NUL, …) out of the value, so
    # caller data (a caller ID name) can neither end the command nor start another.
    kept = "".join(" " if not c.isprintable() else c for c in value.replace("\\", "").replace('"', "'"))
    return f'"{kept}"'


@dataclass
class AgiCall:
    """One FastAGI session: the agi_* environment, its arrival time, and typed commands."""

    request: Any
    arrival: float

    @property
    def env(self) -> dict[str, str]:
        return dict(self.request.headers)

    async def command(self, line: str) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await self.request.send_command(line)
        except (ConnectionError, OSError) as exc:
            raise AgiHangup(str(exc)) from None
        if result.get("error") in ("AGIResultHangup", "AGIAppError"):
            raise AgiHangup(f"{line}: {result.get('msg')}")
        if "error" in result:
            log.warning("AGI %s failed: %s %s", line, result.get("error"), result.get("msg"))
        return result

    async def stream_file(self, prompt: str, escape_digits: str = "") -> None:
        await self.command(f"STREAM FILE {prompt} {_quote(escape_digits)}")

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int = 1) -> str | None:
        """The digits pressed, or None when the caller pressed nothing before the timeout."""
        result = await self.command(f"GET DATA {prompt} {timeout_ms} {max_digits}")
        value = str(result.get("result", ("", ""))[0])
        return value if value and value not in ("-1",) and all(c in "0123456789*#" for c in value) else None

    async def get_variable(self, name: str) -> str | None:
        result = await self.command(f"GET VARIABLE {name}")
        value, data = result.get("result", ("0", ""))
        return str(data) if str(value) == "1" else None

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {name} {_quote(value)}")


Script = Callable[[AgiCall], Awaitable[None]]


class AgiServer:
    """Routes ``agi_network_script`` to a script; one task per connection, all cancelled at stop."""

    def __init__(self, scripts: dict[str, Script], clock_time: Callable[[], float],
                 allowed: Sequence[IPv4Network | IPv6Network] = LOOPBACK) -> None:
        self._scripts = dict(scripts)
        self._time = clock_time
        self._allowed = tuple(allowed)
        self._refused: set[str] = set()  # peers already logged (a scan logs each address once)
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[Any]] = set()

    async def start(self, sock: socket.socket) -> tuple[str, int]:
        """Serve on ``sock``, bound by the caller (``callcenter.listening``)."""
        self._server = await asyncio.start_server(self.handler, sock=sock)
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._sessions):
            task.cancel()
        if self._sessions:
            await asyncio.gather(*self._sessions, return_exceptions=True)

    async def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        arrival = self._time()  # R2: the ring time of an answer not yet seen runs to this instant
        task = asyncio.current_task()
        if task is not None:
            self._sessions.add(task)
        try:
            if not self._peer_allowed(writer):
                return  # not Asterisk: not a byte is read or answered (CALLCENTER_AGI_ALLOWED_HOSTS)
            headers = await asyncio.wait_for(_read_environment(reader), ENVIRONMENT_TIMEOUT)
            await self._run(headers, reader, writer, arrival)
        except (TimeoutError, EOFError, ConnectionError, ValueError) as exc:
            log.warning("FastAGI: bad or incomplete request from %s: %s", writer.get_extra_info("peername"),
                        exc or type(exc).__name__)
        except asyncio.CancelledError:
            # Cancelled by stop(): end quietly; asyncio's stream callback would otherwise report
            # the cancellation of a connection task as an unhandled error.
            log.debug("FastAGI session cancelled at shutdown")
        finally:
            if task is not None:
                self._sessions.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    def _peer_allowed(self, writer: asyncio.StreamWriter) -> bool:
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if peer_allowed(host, self._allowed):
            return True
        if host not in self._refused and len(self._refused) < 1000:
            self._refused.add(host)
            log.warning("FastAGI: refused a connection from %s: not in CALLCENTER_AGI_ALLOWED_HOSTS",
                        host or "?")
        return False

    async def _run(self, headers: dict[str, str], reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   arrival: float) -> None:
        name = headers.get("agi_network_script", "")
        script = self._scripts.get(name)
        if script is None:
            log.error("FastAGI: no script %r (request %s)", name, headers.get("agi_request"))
            return
        call = AgiCall(FastAgiRequest(self, headers, _AgiLines(reader), writer, encoding="utf-8"), arrival)
        try:
            await script(call)
        except AgiHangup as exc:
            log.info("FastAGI %s on %s: caller hung up (%s)", name, headers.get("agi_channel"), exc)
        except Exception:  # one bad call never stops the server
            log.exception("FastAGI %s failed on %s (uniqueid %s)", name, headers.get("agi_channel"),
                          headers.get("agi_uniqueid"))


def peer_allowed(host: str, allowed: Sequence[IPv4Network | IPv6Network]) -> bool:
    """Whether a peer address is one of the configured Asterisk hosts (IPv4-mapped IPv6 too)."""
    try:
        address = ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in allowed)


async def _read_environment(reader: asyncio.StreamReader) -> dict[str, str]:
    """The ``agi_*: value`` lines up to the empty line that ends them."""
    headers: dict[str, str] = {}
    size = 0
    while True:
        line = await reader.readline()
        if not line:
            raise EOFError("connection closed before the AGI environment ended")
        size += len(line)
        if size > MAX_ENVIRONMENT_BYTES:
            raise ValueError("AGI environment too large")
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            return headers
        key, sep, value = text.partition(":")
        if sep:
            headers[key.strip()] = value.strip()
