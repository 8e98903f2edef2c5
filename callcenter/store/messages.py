"""Messages left for a callback (R12, R18) kept like finished calls: on local disk (a spool of
their own, ``fsync``'d) before the FastAGI ``message`` script answers, then a ``left_messages``
row (idempotent: one per PBX name and Linkedid), and only then ``MessageLeft`` is announced for
the callbacks, which decide from that row. A crash anywhere in between loses nothing: at start-up
the spool is written first, and the callbacks decide every stored message not yet decided.

Messages are few; database work runs in a worker thread, retried with capped backoff while the
database is away (down, locked, disk full).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.models.calls import LeftMessage
from callcenter.db.session import unit_of_work
from callcenter.messages import MessageLeft
from callcenter.store.health import StoreHealth
from callcenter.store.spool import Entry, Spool, SpoolFull
from callcenter.store.writer import BACKOFF_CAP_S, BACKOFF_FIRST_S, TRANSIENT

log = logging.getLogger(__name__)
VERSION = 1
UNDECIDED_GRACE = dt.timedelta(minutes=2)  # the callbacks decide a stored message within seconds
UNDECIDED_LOOK_S = 60.0


@dataclass
class _Waiting:
    message: MessageLeft
    entry: Entry | None  # None: the spool could not take it (full, not writable); kept in memory


class MessageKeeper:
    def __init__(self, sessions: sessionmaker[Session], spool: Spool, publish: Callable[[MessageLeft], None],
                 backoff_cap: float = BACKOFF_CAP_S) -> None:
        self._sessions = sessions
        self.spool = spool
        self._publish = publish
        self._backoff_cap = backoff_cap
        self._waiting: list[_Waiting] = []
        self._lock = asyncio.Lock()
        self._retry: asyncio.Task[None] | None = None
        self.rejected_path = spool.directory / "rejected.jsonl"
        self.health: StoreHealth | None = None  # the health line counts what waits here (issue 11)

    async def start(self) -> None:
        """Read back what the spool still holds and write it to the database first."""
        for entry in await asyncio.to_thread(self.spool.open):
            try:
                self._waiting.append(_Waiting(message_from_json(entry.payload), entry))
            except (KeyError, TypeError, ValueError) as error:
                log.error("messages: unreadable spool entry (%s); kept in %s", error, self.rejected_path)
                await asyncio.to_thread(self._reject, entry.payload, str(error))
                self.spool.done([entry])
        self._tell_health()
        if self._waiting:
            log.warning("messages: %d messages left for a callback are written to the database first",
                        len(self._waiting))
            await self._drain()

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        async with self._lock:
            self.spool.close()
        if self._waiting:
            log.warning("messages: %d messages not yet in the database stay in %s for the next start",
                        len(self._waiting), self.spool.directory)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _tell_health(self) -> None:
        if self.health is not None:
            self.health.update(messages_waiting=len(self._waiting),
                               messages_since=self._waiting[0].message.at if self._waiting else None)

    async def keep(self, message: MessageLeft) -> None:
        """On disk before this returns; in the database and announced now if it takes it, else
        as soon as it does."""
        try:
            [entry] = await asyncio.to_thread(self.spool.append, [message_to_json(message)])
            self._waiting.append(_Waiting(message, entry))
        except (SpoolFull, OSError) as error:
            log.error("messages: the spool cannot take message %s (%s); kept in memory until the database "
                      "accepts it", message.linkedid, error)
            self._waiting.append(_Waiting(message, None))
        self._tell_health()
        await self._drain()

    async def _drain(self) -> bool:
        """Write what waits, oldest first; False (and a retry later) when the database is away."""
        async with self._lock:
            while self._waiting:
                head = self._waiting[0]
                try:
                    stored = await asyncio.to_thread(self._write, head.message)
                except TRANSIENT as error:
                    self._retry_later(error)
                    return False
                except Exception as error:  # noqa: BLE001 (refused for good: kept aside, the rest goes on)
                    log.error("messages: the database refused message %s for good (%s); kept in %s",
                              head.message.linkedid, error, self.rejected_path)
                    await asyncio.to_thread(self._reject, message_to_json(head.message), str(error))
                    stored = None
                if head.entry is not None:
                    self.spool.done([head.entry])
                self._waiting.pop(0)
                self._tell_health()
                if stored is not None:
                    self._publish(stored)
            return True

    def _retry_later(self, error: BaseException) -> None:
        if self._retry is None or self._retry.done():
            log.error("messages: the database does not accept messages (%s); %d wait in %s and are retried",
                      str(error).splitlines()[0][:200], len(self._waiting), self.spool.directory)
            self._retry = asyncio.create_task(self._retry_until_written(), name="messages:retry")

    async def _retry_until_written(self) -> None:
        delay = BACKOFF_FIRST_S
        while True:
            await asyncio.sleep(delay)
            if await self._drain():
                log.warning("messages: the database accepts messages again")
                return
            delay = min(self._backoff_cap, delay * 2)

    def _write(self, message: MessageLeft) -> MessageLeft | None:
        """Insert the row unless this PBX's Linkedid has one; the message with its row id, or
        None when it was stored already (a replayed spool: the callbacks have its row)."""
        with unit_of_work(self._sessions) as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            row = dialect.insert(LeftMessage).values(
                server=message.server, linkedid=message.linkedid, caller=message.caller,
                reason=message.reason, department=message.department, agent_id=message.agent_id,
                recording=message.recording,
                left_at=dt.datetime.fromtimestamp(message.at, dt.UTC), awaiting_decisions=True)
            new_id = session.scalar(row.on_conflict_do_nothing(
                index_elements=[LeftMessage.server, LeftMessage.linkedid]).returning(LeftMessage.id))
        if new_id is None:
            log.info("messages: message %s is already stored; skipped", message.linkedid)
            return None
        return dataclasses.replace(message, message_id=new_id)

    def look_for_undecided(self, now: dt.datetime) -> None:
        """Count stored messages the callbacks have not decided within ``UNDECIDED_GRACE`` (the
        scheduler away, say) for the health line; the database away counts nothing new."""
        if self.health is None:
            return
        with unit_of_work(self._sessions) as session:
            count, oldest = session.execute(
                select(func.count(LeftMessage.id), func.min(LeftMessage.left_at))
                .where(LeftMessage.awaiting_decisions.is_(True),
                       LeftMessage.left_at <= now - UNDECIDED_GRACE)).one()
        self.health.update(messages_undecided=count,
                           undecided_since=None if oldest is None else oldest.timestamp())

    def _reject(self, payload: dict[str, Any], reason: str) -> None:
        _append_line(self.rejected_path, {**payload, "rejected": reason})


def message_to_json(message: MessageLeft) -> dict[str, Any]:
    fields = dataclasses.asdict(message)
    fields.pop("message_id")
    return {"v": VERSION, "message": fields}


def message_from_json(payload: dict[str, Any]) -> MessageLeft:
    if payload.get("v") != VERSION:
        raise ValueError(f"spool entry version {payload.get('v')!r}, expected {VERSION}")
    fields = dict(payload["message"])
    fields["at"] = float(fields["at"])
    return MessageLeft(**fields)


def _append_line(path: Path, payload: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(payload, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
