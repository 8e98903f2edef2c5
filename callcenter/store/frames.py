"""Messages between the service and its writer process: one pickled object per frame, after its
length. The pipe is private to the two processes (created by the service for the child it starts),
so pickle is safe here; nothing from the network or a file is ever unpickled."""

from __future__ import annotations

import pickle
import struct
from typing import BinaryIO

HEADER = struct.Struct("!Q")


def encode(message: object) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def decode(payload: bytes) -> object:
    return pickle.loads(payload)  # our own child's pipe, see above


def read_frame(stream: BinaryIO) -> object | None:
    """The next message, or None at the end of the stream (the other side is gone)."""
    head = _read_exactly(stream, HEADER.size)
    if head is None:
        return None
    (size,) = HEADER.unpack(head)
    payload = _read_exactly(stream, size)
    return None if payload is None else decode(payload)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    if len(data) < size:
        return None  # end of stream (a frame cut short counts as the end: its sender died)
    return data
