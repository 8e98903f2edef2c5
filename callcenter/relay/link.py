"""PostgreSQL LISTEN/NOTIFY as a message link between the service's processes.

Two connections per process: one LISTENs, one sends (``pg_notify``) and reads the messages too
big for a notification. PostgreSQL refuses payloads of 8000 bytes or more, so a bigger message
is written to ``relay_messages`` and only its id is notified. A lost connection is reconnected
with capped backoff; ``on_connected(again)`` tells the owner when the listener is up, so what
may have been missed is taken afresh (snapshot, then updates). Messages sent while the link is
down wait in a bounded queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "callcenter_bus"
PAYLOAD_LIMIT = 7900  # bytes; NOTIFY's own limit is 8000
SEND_QUEUE = 10_000
KEEP_SECONDS = 600  # how long an overflow row stays readable
RETRY_MAX_SECONDS = 5.0

Deliver = Callable[[str, str, dict[str, Any]], None]  # kind, sending server, body


def conninfo(database_url: str) -> str:
    """libpq's URL for a SQLAlchemy one (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgRelay:
    def __init__(self, database_url: str, origin: str, server: str, deliver: Deliver,
                 on_connected: Callable[[bool], None] | None = None) -> None:
        self._dsn = conninfo(database_url)
        self._origin, self._server = origin, server
        self._deliver = deliver
        self._on_connected = on_connected
        self._outbox: asyncio.Queue[str] = asyncio.Queue(SEND_QUEUE)
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._query: psycopg.AsyncConnection[Any] | None = None
        self._query_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._dropped = 0
        self.listening = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen_forever(), name="relay:listen"),
                       asyncio.create_task(self._send_forever(), name="relay:send"),
                       asyncio.create_task(self._receive_forever(), name="relay:receive")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._query is not None:
            await self._query.close()
            self._query = None

    def send(self, kind: str, body: dict[str, Any]) -> None:
        """Queue one message for every other process; never blocks."""
        text = json.dumps({"o": self._origin, "s": self._server, "k": kind, "b": body},
                          ensure_ascii=False, separators=(",", ":"))
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            self._dropped += 1
            if self._dropped == 1:
                log.warning("relay: %d messages wait for PostgreSQL; newer ones are dropped until it is "
                            "back (the wallboards take a fresh snapshot then)", SEND_QUEUE)

    # --- listening --------------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        delay, connected_before, down_said = 0.2, False, False
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
            except (OSError, psycopg.Error) as exc:
                if not down_said:
                    log.warning("relay: cannot reach PostgreSQL (%s); retrying", _line(exc))
                    down_said = True
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_SECONDS, delay * 2)
                continue
            try:
                await conn.execute(f"LISTEN {CHANNEL}")
                if connected_before:
                    log.info("relay: listening again")
                delay, down_said = 0.2, False
                self.listening.set()
                if self._on_connected is not None:
                    self._on_connected(connected_before)
                connected_before = True
                async for note in conn.notifies():
                    self._inbox.put_nowait(json.loads(note.payload))
            except (OSError, psycopg.Error, ValueError) as exc:
                self.listening.clear()
                log.warning("relay: the listening connection was lost (%s); reconnecting", _line(exc))
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()
            await asyncio.sleep(delay)

    async def _receive_forever(self) -> None:
        while True:
            envelope = await self._inbox.get()
            if envelope.get("o") == self._origin:
                continue  # our own, back from the channel
            try:
                if "ref" in envelope:
                    envelope = json.loads(await self._read_overflow(int(envelope["ref"])))
                self._deliver(str(envelope["k"]), str(envelope.get("s") or ""), dict(envelope["b"]))
            except Exception:  # per-message boundary: one bad message never stops the relay
                log.exception("relay: a message of kind %s could not be delivered", envelope.get("k"))

    # --- sending ----------------------------------------------------------------------------

    async def _send_forever(self) -> None:
        delay, pruned = 0.2, 0.0
        while True:
            text = await self._outbox.get()
            while True:
                try:
                    await self._notify(text)
                    delay = 0.2
                    break
                except (OSError, psycopg.Error) as exc:
                    await self._drop_query(exc)
                    await asyncio.sleep(delay)
                    delay = min(RETRY_MAX_SECONDS, delay * 2)
            now = asyncio.get_running_loop().time()
            if now - pruned > 60:
                pruned = now
                with contextlib.suppress(OSError, psycopg.Error):
                    await self._prune()
            if self._dropped:
                log.info("relay: PostgreSQL is back; %d messages were dropped meanwhile", self._dropped)
                self._dropped = 0

    async def _notify(self, text: str) -> None:
        async with self._query_lock:
            conn = await self._connection()
            if len(text.encode()) > PAYLOAD_LIMIT:
                row = await (await conn.execute(
                    "INSERT INTO relay_messages (created_at, payload) VALUES (now(), %s) RETURNING id",
                    (text,))).fetchone()
                assert row is not None
                text = json.dumps({"o": self._origin, "ref": int(row[0])})
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))

    async def _read_overflow(self, ref: int) -> str:
        async with self._query_lock:
            conn = await self._connection()
            row = await (await conn.execute("SELECT payload FROM relay_messages WHERE id = %s",
                                            (ref,))).fetchone()
        if row is None:
            raise ValueError(f"relay message {ref} is gone (kept {KEEP_SECONDS} s)")
        return str(row[0])

    async def _prune(self) -> None:
        async with self._query_lock:
            conn = await self._connection()
            await conn.execute("DELETE FROM relay_messages "
                               "WHERE created_at < now() - make_interval(secs => %s)", (KEEP_SECONDS,))

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._query is None or self._query.closed:
            self._query = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
        return self._query

    async def _drop_query(self, exc: BaseException) -> None:
        log.warning("relay: sending failed (%s); retrying", _line(exc))
        if self._query is not None:
            with contextlib.suppress(Exception):
                await self._query.close()
            self._query = None


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
