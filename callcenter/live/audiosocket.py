"""The receiving end of Asterisk's AudioSocket protocol (res_audiosocket, TCP).

Each frame is one byte of kind, a 16-bit big-endian payload length, then the payload. Asterisk
opens the connection and sends the 16-byte UUID it was given (kind 0x01) first, then 8 kHz
signed-linear audio (kind 0x10, 320 bytes per 20 ms), and kind 0x00 when the channel hangs up.
The receiver never writes audio back: the tap channel only listens (ChanSpy's ``o``), so the call
hears nothing of it. One connection is one side of one call; what to do with its audio is the
``on_stream`` callback's business.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_AUDIO = 0x10  # signed linear, 8 kHz, mono, 16-bit little-endian
KIND_ERROR = 0xFF
HEADER = struct.Struct("!BH")
FIRST_FRAME_SECONDS = 5.0  # Asterisk sends the UUID at once; a peer that does not is not Asterisk


class AudioSocketError(Exception):
    """A peer that does not speak AudioSocket (the message says how)."""


@dataclass(frozen=True)
class Frame:
    kind: int
    payload: bytes


def encode(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def uuid_frame(stream_id: uuid.UUID) -> bytes:
    return encode(KIND_UUID, stream_id.bytes)


async def read_frame(reader: asyncio.StreamReader) -> Frame | None:
    """The next frame, or None at a clean end of the stream."""
    try:
        head = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise AudioSocketError("the connection ended inside a frame header") from None
        return None
    kind, length = HEADER.unpack(head)
    try:
        payload = await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError:
        raise AudioSocketError(f"the connection ended inside a frame of kind {kind:#04x}") from None
    return Frame(kind, payload)


async def audio_of(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """The audio payloads until the peer hangs up (kind 0x00) or closes."""
    while True:
        frame = await read_frame(reader)
        if frame is None or frame.kind == KIND_HANGUP:
            return
        if frame.kind == KIND_AUDIO:
            yield frame.payload
        elif frame.kind == KIND_ERROR:
            log.warning("live audio: Asterisk reported an AudioSocket error (%s)", frame.payload.hex())
            return


StreamHandler = Callable[[uuid.UUID, AsyncIterator[bytes]], Awaitable[None]]


class AudioSocketServer:
    """Accepts Asterisk's AudioSocket connections; one ``on_stream(uuid, audio)`` per connection.

    A bad peer or a handler's error ends that connection only; closing the server ends them all
    (Asterisk then hangs up its tap channel, never the call it listened to).
    """

    def __init__(self, on_stream: StreamHandler) -> None:
        self._on_stream = on_stream
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._accept, host, port)

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            stream_id = await self._handshake(reader)
            await self._on_stream(stream_id, audio_of(reader))
        except AudioSocketError as exc:
            log.warning("live audio: connection refused: %s", exc)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # per-connection boundary: the other streams go on
            log.exception("live audio: a stream failed")
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handshake(self, reader: asyncio.StreamReader) -> uuid.UUID:
        try:
            frame = await asyncio.wait_for(read_frame(reader), FIRST_FRAME_SECONDS)
        except TimeoutError:
            raise AudioSocketError(f"no UUID frame within {FIRST_FRAME_SECONDS:.0f} s") from None
        if frame is None or frame.kind != KIND_UUID or len(frame.payload) != 16:
            got = "nothing" if frame is None else f"kind {frame.kind:#04x}, {len(frame.payload)} bytes"
            raise AudioSocketError(f"the first frame must be a 16-byte UUID (kind 0x01), got {got}")
        return uuid.UUID(bytes=frame.payload)
