"""A minimal raw AMI client (bytes in, header lists out) for drivers, tests and the benchmark:
it keeps every message exactly as received, which panoramisk does not."""

from __future__ import annotations

import asyncio
import contextlib
import itertools

from callcenter.pbxsim.wire import Headers, encode, first, split_messages


class RawAmiClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, banner: bytes) -> None:
        self.reader, self.writer, self.banner = reader, writer, banner
        self.raw = bytearray(banner)
        self._buffer = bytearray()
        self._pending: list[Headers] = []
        self._ids = itertools.count(1)
        self.skipped: list[Headers] = []  # messages read past while waiting for a response

    @classmethod
    async def connect(cls, host: str, port: int) -> RawAmiClient:
        reader, writer = await asyncio.open_connection(host, port)
        banner = await asyncio.wait_for(reader.readline(), 5)
        return cls(reader, writer, banner)

    async def send(self, action: Headers) -> None:
        self.writer.write(encode(action))
        await self.writer.drain()

    async def read(self, timeout: float = 5.0) -> Headers | None:
        """The next message, or None when the server closed the connection."""
        while not self._pending:
            chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not chunk:
                return None
            self.raw += chunk
            self._buffer += chunk
            self._pending.extend(split_messages(self._buffer))
        return self._pending.pop(0)

    async def action(self, name: str, *headers: tuple[str, str], timeout: float = 5.0) -> Headers:
        """Send an action and return its Response (events arriving meanwhile are skipped)."""
        action_id = f"{name.lower()}-{next(self._ids)}"
        await self.send([("Action", name), ("ActionID", action_id), *headers])
        while True:
            message = await self.read(timeout)
            if message is None:
                raise ConnectionError("AMI connection closed")
            if first(message, "Response") is not None and first(message, "ActionID") == action_id:
                return message
            self.skipped.append(message)

    async def login(self, user: str, secret: str, events: str = "on") -> Headers:
        return await self.action("Login", ("Username", user), ("Secret", secret), ("Events", events))

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()
