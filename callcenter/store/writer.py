"""The durable writer: finished calls (calls, call_legs, call_holds) and their raw AMI messages
(call_events, the journal a record can be rebuilt from) go first to the local spool (fsync'd,
one write per batch), then to the database, by one worker thread, never on the event loop.

The spool is drained in order with capped backoff until the database accepts: an outage, a
locked SQLite file or a full disk delays records, never loses them; a segment is deleted only
after its records are committed. Writes are idempotent, keyed by (PBX name, Linkedid): a call
already stored (a replayed spool, a double delivery) is skipped, not doubled. ``CallStored`` is
announced only after the commit. A record the database refuses for good (not an outage) is
moved to ``rejected.jsonl`` beside the spool with the reason, and health says so.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from callcenter.aio import favour_the_event_loop
from callcenter.calls.model import CallRecord, LegRecord
from callcenter.db.models.calls import Agent, Call, CallEvent, CallHold, CallLeg
from callcenter.db.session import unit_of_work
from callcenter.store.codec import record_from_json, record_to_json
from callcenter.store.health import StoreHealth
from callcenter.store.spool import Entry, Spool, SpoolFull

log = logging.getLogger(__name__)

Journal = list[tuple[float, str, str]]
StoredHook = Callable[[int, CallRecord], None]
# What the writer process tells its parent about the records it sent, by the parent's tag: on disk
# in the spool (tags), and out of the writer's hands (tag, calls.id or None when it was already
# stored or refused for good, the record).
SpooledHook = Callable[[list[object]], None]
SettledHook = Callable[[list[tuple[object, int | None, CallRecord]]], None]
_STOP = object()
# Under a burst of finished calls: the spool thread waits this long after the first record for
# more (one write and one fsync for all of them), and the drain thread commits at most once per
# DRAIN_EVERY_S unless a whole chunk waits. Fewer, larger steps: each step lets go of the GIL and
# takes it back, and every take-back can make the event loop hand the GIL over.
GATHER_S = 0.005
DRAIN_EVERY_S = 0.05
# 5 values a row: 950 parameters, within SQLite's oldest limit (999) and PostgreSQL's.
JOURNAL_ROWS_PER_INSERT = 190
BACKOFF_FIRST_S = 0.25
BACKOFF_CAP_S = 5.0  # an outage's backlog starts draining within 5 s of the database's return
# Errors that mean "the database cannot take anything now" (down, locked, disk full): wait and retry.
TRANSIENT = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError, OSError)


@dataclass(frozen=True)
class AgentRow:
    """A hotline agent by member interface (``PJSIP/<extension>``, contract C1)."""

    id: str
    name: str
    extension: str
    interface: str


@dataclass
class _Waiting:
    record: CallRecord
    journal: Journal
    entry: Entry | None  # None: the spool could not take it (full, not writable); kept in memory
    taken_at: float
    tag: object = None  # the submitter's name for it (the writer process's parent), or None


class CallWriter:
    """Two threads: the spool thread only appends to the spool (a stalled database never holds a
    record in memory), the drain thread writes what the spool holds to the database."""

    def __init__(self, sessions: sessionmaker[Session], spool: Spool,
                 agents: dict[str, AgentRow] | None = None,
                 on_stored: StoredHook | None = None, batch_max: int = 500,
                 backoff_cap: float = BACKOFF_CAP_S) -> None:
        self._sessions = sessions
        self.spool = spool
        self._agents = agents or {}
        self._on_stored = on_stored
        self.on_spooled: SpooledHook | None = None
        self.on_settled: SettledHook | None = None
        self._batch_max = batch_max
        self._backoff_cap = backoff_cap
        self._queue: queue.Queue[object] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._known_agents: set[str] = set()
        # Shared by the two threads, under _cond: records not yet committed, oldest first, and
        # how far flush() may count (every record up to _tried has met the database once).
        self._cond = threading.Condition()
        self._waiting: list[_Waiting] = []
        self._taken = 0
        self._tried = 0
        self._stopping = False
        self._backoff = 0.0
        self._next_try = 0.0
        self.health = StoreHealth()
        self.stored = 0
        self.rejected_path = spool.directory / "rejected.jsonl"

    def start(self, spool_wait: float = 0.0) -> None:
        """Read back what the spool still holds (written first), then start the threads."""
        favour_the_event_loop()
        now = time.time()
        for entry in self.spool.open(spool_wait):
            try:
                record, journal = record_from_json(entry.payload)
            except (KeyError, TypeError, ValueError) as error:
                self._reject_payload(entry.payload, f"unreadable spool entry: {error}")
                self.spool.done([entry])
                continue
            self._waiting.append(_Waiting(record, journal, entry, entry.payload.get("taken_at", now)))
        self._taken = len(self._waiting)
        if self._waiting:
            log.warning("writer: %d calls from the spool are written to the database first",
                        len(self._waiting))
        self._publish_health()
        self._threads = [threading.Thread(target=self._spool_loop, name="call-spool", daemon=True),
                         threading.Thread(target=self._drain_loop, name="call-writer", daemon=True)]
        for thread in self._threads:
            thread.start()

    def submit(self, record: CallRecord, journal: Journal, tag: object = None) -> None:
        """Called on the event loop (or the writer process's reader): only enqueues."""
        self._queue.put((record, list(journal), tag))

    def wait_spooled(self) -> None:
        """Block until everything submitted so far is on disk in the spool (or, if the spool
        cannot take it, held in memory)."""
        self._queue.join()

    def flush(self) -> None:
        """Block until everything submitted so far is in the spool and has met the database once:
        committed, or waiting after a failed attempt (call via asyncio.to_thread)."""
        self._queue.join()
        with self._cond:
            target = self._taken
            while self._tried < target and self._threads:
                self._cond.wait(0.5)

    def stop(self) -> None:
        """Spool what is queued, write what the database takes, then end the threads (call via
        asyncio.to_thread). What the database did not take stays in the spool for the next start."""
        if self._threads:
            self._queue.put(_STOP)
            for thread in self._threads:
                thread.join()
            self._threads = []
        self.spool.close()
        if self._waiting:
            log.warning("writer: %d calls not yet in the database stay in %s for the next start",
                        len(self._waiting), self.spool.directory)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def agent_id_for(self, interface: str | None) -> str | None:
        row = self._agents.get(interface or "")
        return row.id if row else None

    # --- the spool thread --------------------------------------------------------------------

    def _spool_loop(self) -> None:
        stop = False
        while not stop:
            batch, stop, taken = self._take()
            try:
                if batch:
                    self._spool(batch)
            except Exception:
                log.exception("writer: unexpected error while spooling; the records are kept in memory")
            finally:
                for _ in range(taken):
                    self._queue.task_done()
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _take(self) -> tuple[list[tuple[CallRecord, Journal, object]], bool, int]:
        """The next batch: the first record, then whatever else comes within ``GATHER_S`` (one
        fsync for all of them: under a burst, a few large writes instead of one per call)."""
        batch: list[tuple[CallRecord, Journal, object]] = []
        item = self._queue.get()
        taken, stop = 1, item is _STOP
        if not stop:
            batch.append(item)  # type: ignore[arg-type]
        deadline = time.monotonic() + GATHER_S
        while not stop and len(batch) < self._batch_max:
            try:
                more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            taken += 1
            if more is _STOP:
                stop = True
            else:
                batch.append(more)  # type: ignore[arg-type]
        return batch, stop, taken

    def _spool(self, batch: list[tuple[CallRecord, Journal, object]]) -> None:
        now = time.time()
        try:
            entries: list[Entry | None] = list(self.spool.append(
                [record_to_json(record, journal, now) for record, journal, _ in batch]))
            if self.health.view().spool_problem:
                self.health.update(spool_problem=None)
        except (SpoolFull, OSError) as error:
            if not self.health.view().spool_problem:
                log.error("writer: the spool cannot take records (%s); %d calls are kept in memory until the "
                          "database accepts them", error, len(batch))
            self.health.update(spool_problem=str(error))
            entries = [None] * len(batch)
        if self.on_spooled is not None and entries[0] is not None:  # said before the drain may settle them
            self.on_spooled([tag for _, _, tag in batch])
        with self._cond:
            self._waiting += [_Waiting(record, journal, entry, now, tag)
                              for (record, journal, tag), entry in zip(batch, entries, strict=True)]
            self._taken += len(batch)
            self._cond.notify_all()

    # --- the drain thread --------------------------------------------------------------------

    def _drain_loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._due():
                    pause = max(0.0, self._next_try - time.monotonic())
                    self._cond.wait(pause if self._waiting else None)
                if self._stopping and not self._waiting:
                    return
                stopping = self._stopping
            try:
                ok = self._drain()
            except Exception:
                log.exception("writer: unexpected error; the records stay in the spool and are retried")
                self._failed("unexpected error")
                ok = False
            if stopping and not ok:
                return  # one last try at stop; the rest waits in the spool for the next start

    def _due(self) -> bool:
        """Records wait, and either their time has come or a whole chunk is ready."""
        return bool(self._waiting) and (time.monotonic() >= self._next_try
                                        or len(self._waiting) >= self._batch_max)

    def _drain(self) -> bool:
        """Write everything waiting; False when the database stopped accepting."""
        while True:
            with self._cond:
                if not self._waiting:
                    return True
                chunk = self._waiting[:self._batch_max]
                last = self._taken - len(self._waiting) + len(chunk)
            try:
                self._write_chunk(chunk)
            except TRANSIENT as error:
                self._failed(_one_line(error))
                return False
            self.spool.done(w.entry for w in chunk if w.entry is not None)
            with self._cond:
                del self._waiting[:len(chunk)]  # only this thread removes: the chunk is still the head
                self._tried = max(self._tried, last)
                if self._backoff:
                    log.warning("writer: the database accepts records again; %d still waiting",
                                len(self._waiting))
                self._backoff = 0.0
                self._next_try = time.monotonic() + DRAIN_EVERY_S
                self._publish_health()
                self._cond.notify_all()

    def _write_chunk(self, chunk: list[_Waiting]) -> None:
        """Commit the chunk; if the database refuses it for a reason other than an outage, each
        call alone, so one bad call cannot hold the others back."""
        try:
            stored = self._write(chunk)
        except TRANSIENT:
            raise
        except Exception as error:  # noqa: BLE001 (a refused row: find which, keep the rest going)
            if len(chunk) == 1:
                self._reject(chunk[0], _one_line(error))
                self._settled([(chunk[0].tag, None, chunk[0].record)])
                return
            log.warning("writer: a batch of %d calls was refused; storing them one by one", len(chunk))
            for one in chunk:
                self._write_chunk([one])
            return
        self.stored += len(stored)
        if self._on_stored is not None:
            for _, call_id, record in stored:
                self._on_stored(call_id, record)
        ids = {id(w): call_id for w, call_id, _ in stored}
        self._settled([(w.tag, ids.get(id(w)), w.record) for w in chunk])

    def _settled(self, items: list[tuple[object, int | None, CallRecord]]) -> None:
        if self.on_settled is not None:
            self.on_settled(items)

    def _failed(self, reason: str) -> None:
        with self._cond:
            if not self._backoff:
                log.error("writer: the database does not accept records (%s); %d calls wait in the spool "
                          "and are retried", reason, len(self._waiting))
            self._backoff = min(self._backoff_cap, max(BACKOFF_FIRST_S, self._backoff * 2))
            self._next_try = time.monotonic() + self._backoff
            self._tried = self._taken  # everything here has met the database: flush() may return
            self._publish_health(database_ok=False)
            self._cond.notify_all()

    def _publish_health(self, database_ok: bool = True) -> None:
        self.health.update(waiting=len(self._waiting), database_ok=database_ok,
                           since=self._waiting[0].taken_at if self._waiting else None)

    def _reject(self, waiting: _Waiting, reason: str) -> None:
        log.error("writer: the database refused call %s for good (%s); kept in %s", waiting.record.linkedid,
                  reason, self.rejected_path)
        self._reject_payload(record_to_json(waiting.record, waiting.journal, waiting.taken_at), reason)

    def _reject_payload(self, payload: dict[str, Any], reason: str) -> None:
        line = json.dumps({**payload, "rejected": reason}, ensure_ascii=False) + "\n"
        with self.rejected_path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        self.health.update(rejected=self.health.view().rejected + 1)

    # --- one transaction ---------------------------------------------------------------------

    def _write(self, chunk: list[_Waiting]) -> list[tuple[_Waiting, int, CallRecord]]:
        with unit_of_work(self._sessions) as session:
            fresh = _not_yet_stored(session, chunk)
            if not fresh:
                return []
            added = self._ensure_agents(session, fresh)
            ids = session.execute(insert(Call).returning(Call.id, sort_by_parameter_order=True),
                                  [self._call_row(w.record) for w in fresh]).scalars().all()
            legs, holds, events = [], [], []
            for call_id, w in zip(ids, fresh, strict=True):
                record = w.record
                legs += [_leg_row(call_id, leg, self.agent_id_for(leg.agent)) for leg in record.legs]
                holds += [{"call_id": call_id, "started_at": _utc(h.started_at), "ended_at": _utc(h.ended_at),
                           "seconds": h.seconds} for h in record.holds]
                events += [(record.server, record.linkedid, at, name[:48], raw) for at, name,
                           raw in w.journal]
            for model, rows in ((CallLeg, legs), (CallHold, holds)):
                if rows:
                    session.execute(insert(model), rows)
            if events:
                _insert_journal(session, events)
        self._known_agents |= added
        return [(w, call_id, w.record) for w, call_id in zip(fresh, ids, strict=True)]

    def _ensure_agents(self, session: Session, batch: list[_Waiting]) -> set[str]:
        """The FK needs the agent's row; the hotline file is the source of truth for it."""
        interfaces = {leg.agent for w in batch for leg in w.record.legs} | {w.record.agent for w in batch}
        wanted = {row.id: row for interface in interfaces
                  if (row := self._agents.get(interface or "")) is not None}
        missing = set(wanted) - self._known_agents
        if not missing:
            return set()
        # Another tracker (another PBX) may add the same agent at the same moment: a row that is
        # there by our insert is no error, or the call would be refused for good.
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        rows = [{"id": row.id, "name": row.name, "extension": row.extension, "interface": row.interface}
                for row in (wanted[agent_id] for agent_id in sorted(missing))]
        session.execute(dialect_insert(Agent).on_conflict_do_nothing(index_elements=[Agent.id]), rows)
        return missing

    def _call_row(self, r: CallRecord) -> dict[str, object]:
        return {
            # The caller ID is the trunk's to choose: cut to its column rather than lose the call
            # (PostgreSQL refuses a longer value); the raw events keep it whole.
            "server": r.server, "linkedid": r.linkedid, "direction": r.direction,
            "caller": _fit(r.caller, "caller"), "caller_name": _fit(r.caller_name, "caller_name"),
            "queue": r.queue, "agent_interface": r.agent,
            "agent_id": self.agent_id_for(r.agent), "member_name": r.member_name,
            "started_at": _utc(r.started_at), "queue_entered_at": _utc(r.queue_entered_at),
            "answered_at": _utc(r.answered_at), "ended_at": _utc(r.ended_at), "answered": r.answered,
            "abandoned": r.abandoned, "ring_seconds": r.ring_seconds, "rings": r.rings,
            "within_rule": r.within_rule, "greeting": r.greeting, "wait_seconds": r.wait_seconds,
            "talk_seconds": r.talk_seconds, "hold_seconds": r.hold_seconds, "hold_count": len(r.holds),
            "longest_hold_seconds": max((h.seconds for h in r.holds), default=0.0), "attempts": r.attempts,
            "transfers": r.transfers, "hangup_first": r.hangup_first, "dropped": r.dropped,
            "recordings": "\n".join(r.recordings) or None, "awaiting_decisions": True,
            "flags": ",".join(r.flags) or None, "queue_uniqueid": r.queue_uniqueid,
            "backfilled": r.backfilled,
        }


def _fit(value: str | None, column: str) -> str | None:
    length = getattr(Call.__table__.c[column].type, "length", None)
    return value[:length] if value is not None and length else value


def _insert_journal(session: Session, rows: list[tuple[str, str, float, str, str]]) -> None:
    """The journal is most of the rows (every raw message of every call): straight to the
    driver, without building an ORM/Core parameter dict per row, ``JOURNAL_ROWS_PER_INSERT`` rows
    per statement: executemany ran one statement per row, letting go of the GIL and taking it
    back for each, and every take-back could make the event loop hand the GIL over."""
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    row = f"({', '.join([mark] * 5)})"
    head = f"INSERT INTO {CallEvent.__tablename__} (server, linkedid, at, name, raw) VALUES "
    full = head + ", ".join([row] * JOURNAL_ROWS_PER_INSERT)
    for start in range(0, len(rows), JOURNAL_ROWS_PER_INSERT):
        part = rows[start:start + JOURNAL_ROWS_PER_INSERT]
        sql = full if len(part) == JOURNAL_ROWS_PER_INSERT else head + ", ".join([row] * len(part))
        connection.exec_driver_sql(sql, tuple(value for values in part for value in values))


def _not_yet_stored(session: Session, batch: list[_Waiting]) -> list[_Waiting]:
    """A call is known by its Linkedid. A call recorded from the queue_log (backfilled) is keyed by
    its queue channel's Uniqueid, which the same call seen live keeps as ``queue_uniqueid``: the
    two are one call, whichever comes first."""
    linkedids = {w.record.linkedid for w in batch} | {
        w.record.queue_uniqueid for w in batch if w.record.queue_uniqueid}
    backfilled = {w.record.linkedid for w in batch if w.record.backfilled}
    stored: set[tuple[str, str]] = set()  # (server, Linkedid) of stored calls
    seen_live: set[tuple[str, str]] = set()  # (server, queue Uniqueid) of stored calls
    for server, linkedid, queue_uniqueid in session.execute(
            select(Call.server, Call.linkedid, Call.queue_uniqueid).where(
                or_(Call.linkedid.in_(linkedids), Call.queue_uniqueid.in_(backfilled)))):
        stored.add((server, linkedid))
        if queue_uniqueid:
            seen_live.add((server, queue_uniqueid))
    fresh: list[_Waiting] = []
    for w in batch:
        r = w.record
        key, alias = (r.server, r.linkedid), (r.server, r.queue_uniqueid or r.linkedid)
        known = key in stored or (key in seen_live if r.backfilled else alias in stored)
        if known:
            log.info("writer: call %s is already stored; skipped", r.linkedid)
            continue
        stored.add(key)
        if r.queue_uniqueid:
            seen_live.add(alias)
        fresh.append(w)
    return fresh


def _leg_row(call_id: int, leg: LegRecord, agent_id: str | None) -> dict[str, object]:
    return {"call_id": call_id, "agent_interface": leg.agent, "agent_id": agent_id,
            "member_name": leg.member_name,
            "channel": leg.channel, "started_at": _utc(leg.started_at), "ended_at": _utc(leg.ended_at),
            "ring_seconds": leg.ring_seconds, "outcome": leg.outcome}


LATEST_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z


def _utc(epoch: float | None) -> dt.datetime | None:
    if epoch is None:
        return None
    if not 0.0 <= epoch <= LATEST_EPOCH:  # also NaN; fromtimestamp would raise OSError, taken for an outage
        raise ValueError(f"time {epoch!r} is not a date")
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _one_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]
