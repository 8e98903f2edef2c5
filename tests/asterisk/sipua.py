"""A small SIP user agent over UDP on loopback, for the real-Asterisk tier.

Enough of RFC 3261 for softphones and a trunk's far end: REGISTER with md5 digest (RFC 2617,
qop=auth), answering an INVITE after a chosen delay (100, 180, then 200 with SDP; ACK awaited),
placing an INVITE, re-INVITE for hold (``a=sendonly``) and unhold, BYE, CANCEL, REFER (blind
transfer) and the NOTIFYs that follow, OPTIONS (qualify). Media is 8 kHz PCMU every 20 ms both
ways (silence, a tone to tell the parties apart, or speech queued with ``Rtp.play``; what arrives is
kept for measuring), and RFC 4733 DTMF events for IVR keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import random
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.asterisk.tones import RATE, Tone, linear, to_ulaw, tone_amplitude

HOST = "127.0.0.1"
T1 = 0.5
SILENCE = b"\xff" * 160  # 20 ms of PCMU silence
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "r": "refer-to", "b": "referred-by"}


def _token() -> str:
    return f"{random.getrandbits(48):012x}"


@dataclass
class SipMessage:
    first_line: str
    headers: list[tuple[str, str]]
    body: str = ""

    @classmethod
    def parse(cls, data: bytes) -> SipMessage:
        head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and headers:
                headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            headers.append((COMPACT.get(name, name), value.strip()))
        return cls(lines[0], headers, body)

    def get(self, name: str) -> str | None:
        name = name.lower()
        return next((v for n, v in self.headers if n == name), None)

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n == name.lower()]

    @property
    def is_request(self) -> bool:
        return not self.first_line.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        return self.first_line.split(" ", 1)[0] if self.is_request else (self.get("cseq") or " ").split()[1]

    @property
    def status(self) -> int:
        return int(self.first_line.split(" ", 2)[1])

    @property
    def branch(self) -> str:
        match = re.search(r"branch=([^;,\s]+)", self.get("via") or "")
        return match.group(1) if match else ""

    def encode(self) -> bytes:
        body = self.body.encode()
        lines = [self.first_line, *(f"{n}: {v}" for n, v in self.headers if n != "content-length"),
                 f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _tag(value: str | None) -> str | None:
    match = re.search(r";tag=([^;>\s]+)", value or "")
    return match.group(1) if match else None


def _uri(value: str) -> str:
    match = re.search(r"<([^>]+)>", value)
    return (match.group(1) if match else value.split(";")[0]).strip()


def _host_port(uri: str) -> tuple[str, int]:
    match = re.match(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?", uri)
    assert match, uri
    return match.group(1), int(match.group(2) or 5060)


def digest(method: str, uri: str, user: str, password: str, challenge: str) -> str:
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    ha1 = hashlib.md5(f"{user}:{params['realm']}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    fields = {"username": user, "realm": params["realm"], "nonce": params["nonce"], "uri": uri,
              "algorithm": "MD5"}
    if "auth" in params.get("qop", "").split(","):
        cnonce, nc = _token(), "00000001"
        response = hashlib.md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        fields.update(qop="auth", nc=nc, cnonce=cnonce)
    else:
        response = hashlib.md5(f"{ha1}:{params['nonce']}:{ha2}".encode()).hexdigest()
    fields["response"] = response
    if "opaque" in params:
        fields["opaque"] = params["opaque"]
    unquoted = {"algorithm", "qop", "nc"}
    return "Digest " + ", ".join(f"{k}={v}" if k in unquoted else f'{k}="{v}"' for k, v in fields.items())


class Rtp(asyncio.DatagramProtocol):
    """One call's media: PCMU every 20 ms (silence, or ``tone``'s sine), packets in counted and their
    PCMU audio kept (``heard``) for measuring what this leg hears; RFC 4733 digits."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.remote: tuple[str, int] | None = None
        self.received = 0
        self.sent = 0
        self._seq = random.randrange(1 << 16)
        self._stamp = random.randrange(1 << 32)
        self._ssrc = random.getrandbits(32)
        self._task: asyncio.Task[None] | None = None
        self.muted = False
        self.tone: Tone | None = None
        self.heard = bytearray()  # every PCMU payload received, in arrival order (8000 bytes a second)
        self._speech = bytearray()  # PCMU queued by play(), sent before the tone or silence

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received += 1
        if len(data) > 12 and data[1] & 0x7F == 0:  # PCMU (no CSRC or extension from Asterisk)
            self.heard += data[12 + 4 * (data[0] & 0x0F):]

    def hears(self, hz: float, seconds: float = 1.0) -> float:
        """The amplitude of ``hz`` in the last ``seconds`` of received audio."""
        return tone_amplitude(linear(bytes(self.heard[-int(seconds * RATE):])), hz)

    def _packet(self, payload_type: int, payload: bytes, marker: bool = False, advance: int = 160) -> bytes:
        header = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | payload_type, self._seq & 0xFFFF,
                             self._stamp & 0xFFFFFFFF, self._ssrc)
        self._seq += 1
        self._stamp += advance
        return header + payload

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._send_silence())

    async def _send_silence(self) -> None:
        next_at = time.monotonic()
        while True:
            if self.remote and self.transport and not self.muted:
                if self._speech:
                    payload = bytes(self._speech[:160]).ljust(160, SILENCE[:1])
                    del self._speech[:160]
                else:
                    payload = self.tone.frame() if self.tone else SILENCE
                self.transport.sendto(self._packet(0, payload), self.remote)
                self.sent += 1
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def play(self, pcm: bytes) -> float:
        """Queue 8 kHz 16-bit PCM after what is already queued; the monotonic time its last
        sample will have been sent."""
        self._speech += to_ulaw(pcm)
        return time.monotonic() + len(self._speech) / RATE

    async def send_digit(self, digit: str, ms: int = 120) -> None:
        """RFC 4733: one telephone-event (payload 101), a few updates, three end packets."""
        assert self.transport is not None and self.remote is not None
        event = "0123456789*#".index(digit)
        self.muted = True
        stamp = self._stamp
        try:
            for step in range(ms // 20):
                self._stamp = stamp
                payload = struct.pack("!BBH", event, 10, (step + 1) * 160)
                self.transport.sendto(self._packet(101, payload, marker=step == 0, advance=0), self.remote)
                await asyncio.sleep(0.02)
            for _ in range(3):
                self._stamp = stamp
                payload = struct.pack("!BBH", event, 0x80 | 10, ms * 8)
                self.transport.sendto(self._packet(101, payload, advance=0), self.remote)
            self._stamp = stamp + ms * 8
        finally:
            self.muted = False

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.transport is not None:
            self.transport.close()


def sdp(port: int, direction: str = "sendrecv") -> str:
    session = random.randrange(1 << 30)
    return "\r\n".join([
        "v=0", f"o=- {session} {session} IN IP4 {HOST}", "s=-", f"c=IN IP4 {HOST}", "t=0 0",
        f"m=audio {port} RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16", "a=ptime:20", f"a={direction}", ""])


def media_address(body: str) -> tuple[str, int] | None:
    host = re.search(r"^c=IN IP4 (\S+)", body, re.MULTILINE)
    port = re.search(r"^m=audio (\d+)", body, re.MULTILINE)
    return (host.group(1), int(port.group(1))) if host and port else None


@dataclass
class Call:
    """One dialog, placed or received."""

    ua: SipUserAgent
    call_id: str
    local_tag: str
    local_uri: str
    remote_uri: str
    incoming: bool
    remote_tag: str | None = None
    remote_target: str = ""
    route: list[str] = field(default_factory=list)
    cseq: int = 1
    invite: SipMessage | None = None
    rtp: Rtp | None = None
    invited_at: float = 0.0  # monotonic clock of the INVITE's arrival (or sending)
    ringing_at: float | None = None
    answered_at: float | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    ended_by: str | None = None  # "local" | "remote"
    final_status: int | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    notifies: list[str] = field(default_factory=list)
    _last_response: bytes | None = None
    _answer_task: asyncio.Task[None] | None = None

    def _request(self, method: str, body: str = "", extra: list[tuple[str, str]] | None = None,
                 cseq: int | None = None, branch: str | None = None) -> SipMessage:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        to = f"<{self.remote_uri}>" + (f";tag={self.remote_tag}" if self.remote_tag else "")
        headers = [("via",
                    "SIP/2.0/UDP "
                    f"{self.ua.host}:{self.ua.port};branch={branch or 'z9hG4bK' + _token()};rport"),
                   ("max-forwards", "70"), *(("route", r) for r in self.route),
                   ("from", f"<{self.local_uri}>;tag={self.local_tag}"), ("to", to),
                   ("call-id", self.call_id), ("cseq", f"{cseq} {method}"),
                   ("contact", f"<sip:{self.ua.user}@{self.ua.host}:{self.ua.port}>"),
                   ("user-agent", "callcenter-tests")]
        headers += extra or []
        if body:
            headers.append(("content-type", "application/sdp"))
        return SipMessage(f"{method} {self.remote_target} SIP/2.0", headers, body)

    def _destination(self) -> tuple[str, int]:
        return _host_port(_uri(self.route[0]) if self.route else self.remote_target)

    async def _in_dialog(self, method: str, body: str = "", extra: list[tuple[str, str]] | None = None,
                         ) -> SipMessage:
        request = self._request(method, body, extra)
        return await self.ua.transact(request, self._destination())

    # -- what a phone does --------------------------------------------------------------------

    def answer_later(self, delay: float, ring_after: float = 0.0) -> None:
        self._answer_task = asyncio.create_task(self._answer_after(delay, ring_after))

    async def _answer_after(self, delay: float, ring_after: float) -> None:
        start = self.invited_at
        if ring_after > 0:
            await asyncio.sleep(max(0.0, start + ring_after - time.monotonic()))
        if self.ended.is_set():
            return
        self._respond(180, "Ringing")
        self.ringing_at = time.monotonic()
        if delay is None or delay < 0:
            return
        await asyncio.sleep(max(0.0, start + delay - time.monotonic()))
        if not self.ended.is_set():
            await self.answer()

    async def answer(self) -> None:
        assert self.invite is not None and self.rtp is not None
        remote = media_address(self.invite.body)
        self.rtp.remote = remote
        self.rtp.start()
        self._respond(200, "OK", sdp(self.rtp.port))
        self.answered_at = time.monotonic()
        self.answered.set()
        for wait in (T1, 2 * T1, 4 * T1, 4 * T1):  # 200 OK is retransmitted until the ACK
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.acked.wait(), wait)
                return
            if self.ended.is_set():
                return
            self.ua.send_raw(self._last_response or b"", self.ua.registrar)

    def reject(self, status: int = 486, reason: str = "Busy Here") -> None:
        self._respond(status, reason)
        self._finish("local")

    def _respond(self, status: int, reason: str, body: str = "") -> None:
        assert self.invite is not None
        data = self.ua.response(self.invite, status, reason, body, to_tag=self.local_tag)
        self._last_response = data
        self.ua.send_raw(data, self.ua.registrar)

    async def hold(self) -> SipMessage:
        assert self.rtp is not None
        return await self._reinvite("sendonly")

    async def unhold(self) -> SipMessage:
        return await self._reinvite("sendrecv")

    async def _reinvite(self, direction: str) -> SipMessage:
        assert self.rtp is not None
        response = await self._in_dialog("INVITE", sdp(self.rtp.port, direction))
        cseq = int((response.get("cseq") or "0").split()[0])
        ack = self._request("ACK", cseq=cseq)
        self.ua.send_raw(ack.encode(), self._destination())
        return response

    async def hangup(self) -> SipMessage:
        response = await self._in_dialog("BYE")
        self._finish("local")
        return response

    async def refer(self, extension: str) -> SipMessage:
        """Blind transfer: REFER to <extension> on the PBX (Asterisk answers 202, then NOTIFYs)."""
        target = f"<sip:{extension}@{self.ua.registrar[0]}:{self.ua.registrar[1]}>"
        return await self._in_dialog("REFER", extra=[("refer-to", target),
                                                      ("referred-by", f"<{self.local_uri}>")])

    async def blind_transfer(self, extension: str, timeout: float = 10.0) -> SipMessage:
        """What a softphone's transfer button does: REFER, then BYE once a NOTIFY reports the
        transfer's final answer (Asterisk waits for the transferer to leave)."""
        response = await self.refer(extension)
        if response.status == 202:
            async with asyncio.timeout(timeout):
                while not any(re.match(r"SIP/2\.0 [2-6]\d\d", body) for body in self.notifies):
                    await asyncio.sleep(0.02)
            if not self.ended.is_set():
                await self.hangup()
        return response

    async def send_digits(self, digits: str) -> None:
        assert self.rtp is not None
        for digit in digits:
            await self.rtp.send_digit(digit)
            await asyncio.sleep(0.1)

    def _finish(self, by: str) -> None:
        if not self.ended.is_set():
            self.ended_by = by
            self.ended.set()
        if self._answer_task is not None and self._answer_task is not asyncio.current_task():
            self._answer_task.cancel()
        if self.rtp is not None:
            self.rtp.close()


AnswerPolicy = Callable[[Call], None]


class SipUserAgent(asyncio.DatagramProtocol):
    """One UDP SIP endpoint on loopback: a softphone (registers) or a trunk's far end (does not)."""

    def __init__(self, user: str, password: str | None, registrar: tuple[str, int], host: str = HOST,
                 port: int = 0) -> None:
        self.user, self.password, self.registrar = user, password, registrar
        self.host, self._bind_port = host, port
        self.transport: asyncio.DatagramTransport | None = None
        self._pending: dict[str, asyncio.Future[SipMessage]] = {}
        self.calls: dict[str, Call] = {}
        self.incoming: asyncio.Queue[Call] = asyncio.Queue()
        self.answer_after: float | None = 0.5  # None: let it ring; a number: seconds from INVITE to 200 OK
        self.ring_after = 0.0  # seconds from INVITE to 180 Ringing
        self.reject_with: int | None = None
        self.qualified = asyncio.Event()
        self._cseq = itertools.count(1)
        self._register_call_id = _token() + "@" + host
        self.log: list[str] = []
        self._handlers: set[asyncio.Task[None]] = set()  # requests being answered (kept until done)

    async def next_call(self, timeout: float = 20.0) -> Call:
        """The next INVITE this phone receives."""
        return await asyncio.wait_for(self.incoming.get(), timeout)

    async def start(self) -> SipUserAgent:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self._bind_port))
        return self

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.registrar[0]}:{self.registrar[1]}"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def close(self) -> None:
        for call in self.calls.values():
            call._finish("local")
        if self.transport is not None:
            self.transport.close()

    def send_raw(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, addr)

    def response(self, request: SipMessage, status: int, reason: str, body: str = "",
                 to_tag: str | None = None) -> bytes:
        headers = [(n, v) for n,
                   v in request.headers if n in ("via", "from", "call-id", "cseq", "record-route")]
        to = request.get("to") or ""
        if to_tag and _tag(to) is None and status > 100:
            to += f";tag={to_tag}"
        headers.insert(2, ("to", to))
        headers.append(("contact", f"<sip:{self.user}@{self.host}:{self.port}>"))
        if body:
            headers.append(("content-type", "application/sdp"))
        return SipMessage(f"SIP/2.0 {status} {reason}", headers, body).encode()

    async def transact(self, request: SipMessage, addr: tuple[str, int], timeout: float = 8.0) -> SipMessage:
        """Send a request (retransmitted until a response) and return its final response; a
        digest challenge is answered once."""
        for attempt in range(2):
            final = await self._send_until_final(request, addr, timeout)
            if final.status not in (401, 407) or attempt or self.password is None:
                return final
            challenge = final.get("www-authenticate") or final.get("proxy-authenticate") or ""
            header = "authorization" if final.status == 401 else "proxy-authorization"
            uri = request.first_line.split(" ")[1]
            cseq_n, method = (request.get("cseq") or "1 X").split()
            request.headers = [(n, v) for n, v in request.headers if n not in ("cseq", header)]
            request.headers.append(("cseq", f"{int(cseq_n) + 1} {method}"))
            request.headers.append((header, digest(method, uri, self.user, self.password, challenge)))
            request.headers = [("via", re.sub(r"branch=[^;]+", "branch=z9hG4bK" + _token(), v)) if n == "via"
                               else (n, v) for n, v in request.headers]
            call = self.calls.get(request.get("call-id") or "")
            if call is not None:
                call.cseq = int(cseq_n) + 1
        raise AssertionError("unreachable")

    async def _send_until_final(self, request: SipMessage, addr: tuple[str, int],
                                timeout: float) -> SipMessage:
        future: asyncio.Future[SipMessage] = asyncio.get_running_loop().create_future()
        self._pending[request.branch] = future
        data = request.encode()
        deadline = time.monotonic() + timeout
        wait = T1
        try:
            while True:
                self.send_raw(data, addr)
                try:
                    return await asyncio.wait_for(asyncio.shield(future),
                                                  min(wait, deadline - time.monotonic()))
                except TimeoutError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"{request.first_line}: no final response") from None
                    if getattr(future, "provisional", False):
                        wait = deadline - time.monotonic()  # INVITE: no retransmission after a 1xx
                    else:
                        wait = min(wait * 2, 4.0)
        finally:
            self._pending.pop(request.branch, None)

    # -- registration -------------------------------------------------------------------------

    async def register(self, expires: int = 300) -> SipMessage:
        branch = "z9hG4bK" + _token()
        request = SipMessage(f"REGISTER sip:{self.registrar[0]}:{self.registrar[1]} SIP/2.0", [
            ("via", f"SIP/2.0/UDP {self.host}:{self.port};branch={branch};rport"), ("max-forwards", "70"),
            ("from", f"<{self.aor}>;tag={_token()}"), ("to", f"<{self.aor}>"),
            ("call-id", self._register_call_id), ("cseq", f"{next(self._cseq) * 10} REGISTER"),
            ("contact", f"<sip:{self.user}@{self.host}:{self.port}>"), ("expires", str(expires)),
            ("user-agent", "callcenter-tests")])
        return await self.transact(request, self.registrar)

    # -- calls --------------------------------------------------------------------------------

    async def invite(self, number: str, caller: str | None = None, wait_answer: float = 30.0) -> Call:
        """Place a call to ``number`` on the PBX; returns once answered or refused."""
        rtp = await _rtp()
        call = Call(self, _token() + "@" + self.host, _token(), f"sip:{caller or self.user}@{self.host}",
                    f"sip:{number}@{self.registrar[0]}:{self.registrar[1]}", incoming=False, rtp=rtp)
        call.remote_target = call.remote_uri
        call.invited_at = time.monotonic()
        self.calls[call.call_id] = call
        request = call._request("INVITE", sdp(rtp.port), cseq=call.cseq)
        final = await self.transact(request, self.registrar, timeout=wait_answer)
        call.final_status = final.status
        cseq = int((final.get("cseq") or "1").split()[0])
        call.cseq = cseq
        if final.status >= 300:
            ack = call._request("ACK", cseq=cseq, branch=request.branch)
            ack.headers = [(n, v if n != "to" else final.get("to") or v) for n, v in ack.headers]
            self.send_raw(ack.encode(), self.registrar)
            call._finish("remote")
            return call
        call.remote_tag = _tag(final.get("to"))
        call.route = list(reversed(final.all("record-route")))
        call.remote_target = _uri(final.get("contact") or call.remote_uri)
        rtp.remote = media_address(final.body)
        rtp.start()
        call.answered_at = time.monotonic()
        call.answered.set()
        self.send_raw(call._request("ACK", cseq=cseq).encode(), call._destination())
        return call

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not data.strip():
            return  # keep-alive
        message = SipMessage.parse(data)
        if message.is_request:
            task = asyncio.create_task(self._on_request(message, addr))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
            return
        future = self._pending.get(message.branch)
        if future is None:
            if message.method == "INVITE" and message.status == 200:  # a retransmitted 2xx: ACK it again
                call = self.calls.get(message.get("call-id") or "")
                if call is not None:
                    cseq = int((message.get("cseq") or "1").split()[0])
                    self.send_raw(call._request("ACK", cseq=cseq).encode(), call._destination())
            return
        if message.status < 200:
            future.provisional = True  # type: ignore[attr-defined]
            call = self.calls.get(message.get("call-id") or "")
            if call is not None and message.status in (180, 183) and call.ringing_at is None:
                call.ringing_at = time.monotonic()
        elif not future.done():
            future.set_result(message)

    async def _on_request(self, request: SipMessage, addr: tuple[str, int]) -> None:
        method = request.method
        self.log.append(method)
        call = self.calls.get(request.get("call-id") or "")
        if method == "OPTIONS":
            self.send_raw(self.response(request, 200, "OK"), addr)
            self.qualified.set()
        elif method == "INVITE" and call is None:
            await self._incoming(request, addr)
        elif method == "INVITE" and call is not None:
            if call.invite is not None and request.branch == call.invite.branch:
                if call._last_response:
                    self.send_raw(call._last_response, addr)  # a retransmitted INVITE
                return
            assert call.rtp is not None
            remote = media_address(request.body)
            if remote:
                call.rtp.remote = remote
            self.send_raw(self.response(request, 200, "OK", sdp(call.rtp.port), to_tag=call.local_tag), addr)
        elif method == "ACK":
            if call is not None:
                call.acked.set()
        elif method == "BYE":
            self.send_raw(self.response(request, 200, "OK"), addr)
            if call is not None:
                call._finish("remote")
        elif method == "CANCEL":
            self.send_raw(self.response(request, 200, "OK"), addr)
            if call is not None and not call.answered.is_set():
                call._respond(487, "Request Terminated")
                call._finish("remote")
        elif method == "NOTIFY":
            self.send_raw(self.response(request, 200, "OK"), addr)
            if call is not None:
                call.notifies.append(request.body.strip())
        else:
            self.send_raw(self.response(request, 501, "Not Implemented"), addr)

    async def _incoming(self, request: SipMessage, addr: tuple[str, int]) -> None:
        rtp = await _rtp()
        from_header = request.get("from") or ""
        call = Call(self, request.get("call-id") or "", _token(), _uri(request.get("to") or ""),
                    _uri(from_header), incoming=True, remote_tag=_tag(from_header),
                    remote_target=_uri(request.get("contact") or from_header),
                    route=list(request.all("record-route")), cseq=0, invite=request, rtp=rtp,
                    invited_at=time.monotonic())
        self.calls[call.call_id] = call
        self.send_raw(self.response(request, 100, "Trying"), addr)
        if self.reject_with is not None:
            call.reject(self.reject_with, "Busy Here")
        else:
            call.answer_later(-1.0 if self.answer_after is None else self.answer_after, self.ring_after)
        await self.incoming.put(call)


async def _rtp() -> Rtp:
    loop = asyncio.get_running_loop()
    _transport, protocol = await loop.create_datagram_endpoint(Rtp, local_addr=(HOST, 0))
    return protocol
