"""A short-lived AMI connection for the doctor: log in, send an action, read its answer and list,
watch the events that arrive (each kept with the time it arrived)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable

from callcenter.ami.framing import AmiFramer

Headers = dict[str, str]


class AmiFailure(Exception):
    """The connection or the login failed; the message says how."""


class DoctorAmi:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._framer = AmiFramer()
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[Headers]] = {}
        self._lists: dict[str, list[Headers]] = {}
        self.events: list[Headers] = []
        self._changed = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def login(cls, host: str, port: int, user: str, secret: str, timeout: float = 5.0) -> DoctorAmi:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError) as exc:
            raise AmiFailure(f"cannot connect to {host}:{port} ({exc or type(exc).__name__})") from None
        client = cls(reader, writer)
        answer = await client.action("Login", timeout=timeout, Username=user, Secret=secret, Events="on")
        if answer.get("Response") != "Success":
            await client.close()
            raise AmiFailure(answer.get("Message") or "login refused")
        return client

    async def _read(self) -> None:
        try:
            while data := await self._reader.read(65536):
                for message in self._framer.feed(data):
                    self._dispatch(message.headers)
        except (ConnectionError, OSError):
            pass
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(AmiFailure("the connection closed"))
            self._changed.set()

    def _dispatch(self, headers: Headers) -> None:
        action_id = headers.get("ActionID", "")
        if "Response" in headers and action_id in self._waiting:
            future = self._waiting.pop(action_id)
            if not future.done():
                future.set_result(headers)
            return
        headers["_arrived"] = f"{time.time():.6f}"
        if action_id in self._lists and "Event" in headers:
            self._lists[action_id].append(headers)
        self.events.append(headers)
        self._changed.set()

    async def action(self, name: str, timeout: float = 5.0, **fields: str) -> Headers:
        action_id = f"doctor-{next(self._ids)}"
        future: asyncio.Future[Headers] = asyncio.get_running_loop().create_future()
        self._waiting[action_id] = future
        lines = [f"Action: {name}", f"ActionID: {action_id}"] + [f"{k}: {v}" for k, v in fields.items()]
        self._lists[action_id] = []
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self._writer.drain()
        try:
            answer = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AmiFailure(f"no answer to {name} within {timeout:.0f} s") from None
        answer["_id"] = action_id
        return answer

    async def listing(self, name: str, timeout: float = 10.0, **fields: str) -> tuple[Headers, list[Headers]]:
        """An action answered by a list of events ending at ``EventList: Complete``."""
        answer = await self.action(name, timeout, **fields)
        if answer.get("Response") != "Success":
            return answer, []
        items = self._lists[answer["_id"]]
        await self.wait_for(lambda _e: any(e.get("EventList") == "Complete" for e in items), timeout)
        return answer, [e for e in items if e.get("EventList") != "Complete"]

    async def wait_for(self, match: Callable[[Headers], bool], timeout: float) -> Headers | None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = next((e for e in self.events if match(e)), None)
            if found is not None:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or self._task.done():
                return None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        with contextlib.suppress(ConnectionError, OSError, AmiFailure, TimeoutError):
            self._writer.write(b"Action: Logoff\r\n\r\n")
            await asyncio.wait_for(self._writer.drain(), 1)
        self._writer.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await self._task
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
