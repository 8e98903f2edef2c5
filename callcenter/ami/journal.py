"""The writer: finished calls (calls, call_legs, call_holds) and their raw AMI messages
(call_events, the journal a record can be rebuilt from) stored in batches by one worker thread,
never on the event loop. ``CallStored`` is announced only after the commit.

A call already stored (same server and Linkedid: a replay, a resync) is skipped, not doubled.
If a batch fails, its calls are retried one by one so one bad call cannot sink the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.calls.model import CallRecord, LegRecord
from callcenter.db.models.calls import Agent, Call, CallEvent, CallHold, CallLeg
from callcenter.db.session import unit_of_work

log = logging.getLogger(__name__)

Journal = list[tuple[float, str, str]]
StoredHook = Callable[[int, CallRecord], None]
_STOP = object()
SWITCH_INTERVAL_S = 0.001


@dataclass(frozen=True)
class AgentRow:
    """A hotline agent by member interface (``PJSIP/<extension>``, contract C1)."""

    id: str
    name: str
    extension: str
    interface: str


class CallWriter:
    def __init__(self, sessions: sessionmaker[Session], agents: dict[str, AgentRow] | None = None,
                 on_stored: StoredHook | None = None, batch_max: int = 500) -> None:
        self._sessions = sessions
        self._agents = agents or {}
        self._on_stored = on_stored
        self._batch_max = batch_max
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._known_agents: set[str] = set()
        self.stored = 0

    def start(self) -> None:
        # CPython lets a busy thread keep the GIL for 5 ms before handing it over; the event loop
        # must not wait that long behind a batch insert while an answer needs its greeting (R2).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        self._thread = threading.Thread(target=self._run, name="call-writer", daemon=True)
        self._thread.start()

    def submit(self, record: CallRecord, journal: Journal) -> None:
        """Called on the event loop: only enqueues."""
        self._queue.put((record, list(journal)))

    def flush(self) -> None:
        """Block until everything submitted so far is written (call via asyncio.to_thread)."""
        self._queue.join()

    def stop(self) -> None:
        """Write what is queued, then end the thread (call via asyncio.to_thread)."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def agent_id_for(self, interface: str | None) -> str | None:
        row = self._agents.get(interface or "")
        return row.id if row else None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch: list[tuple[CallRecord, Journal]] = []
            stop = item is _STOP
            if not stop:
                batch.append(item)  # type: ignore[arg-type]
            while not stop and len(batch) < self._batch_max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                else:
                    batch.append(more)  # type: ignore[arg-type]
            try:
                if batch:
                    self._write_safely(batch)
            finally:
                for _ in range(len(batch) + (1 if stop else 0)):
                    self._queue.task_done()
            if stop:
                return

    def _write_safely(self, batch: list[tuple[CallRecord, Journal]]) -> None:
        try:
            stored = self._write(batch)
        except Exception:
            if len(batch) == 1:
                log.exception("writer: call %s could not be stored", batch[0][0].linkedid)
                return
            log.warning("writer: a batch of %d calls failed; storing them one by one", len(batch))
            for one in batch:
                self._write_safely([one])
            return
        self.stored += len(stored)
        if self._on_stored is not None:
            for call_id, record in stored:
                self._on_stored(call_id, record)

    def _write(self, batch: list[tuple[CallRecord, Journal]]) -> list[tuple[int, CallRecord]]:
        with unit_of_work(self._sessions) as session:
            fresh = _not_yet_stored(session, batch)
            if not fresh:
                return []
            self._ensure_agents(session, fresh)
            ids = session.execute(insert(Call).returning(Call.id, sort_by_parameter_order=True),
                                  [self._call_row(record) for record, _ in fresh]).scalars().all()
            legs, holds, events = [], [], []
            for call_id, (record, journal) in zip(ids, fresh, strict=True):
                legs += [_leg_row(call_id, leg, self.agent_id_for(leg.agent)) for leg in record.legs]
                holds += [{"call_id": call_id, "started_at": _utc(h.started_at), "ended_at": _utc(h.ended_at),
                           "seconds": h.seconds} for h in record.holds]
                events += [(record.server, record.linkedid, at, name[:48], raw) for at, name, raw in journal]
            for model, rows in ((CallLeg, legs), (CallHold, holds)):
                if rows:
                    session.execute(insert(model), rows)
            if events:
                _insert_journal(session, events)
        return list(zip(ids, (record for record, _ in fresh), strict=True))

    def _ensure_agents(self, session: Session, batch: list[tuple[CallRecord, Journal]]) -> None:
        """The FK needs the agent's row; the hotline file is the source of truth for it."""
        interfaces = {leg.agent for record, _ in batch for leg in record.legs} | {r.agent for r, _ in batch}
        wanted = {row.id: row for interface in interfaces if (row := self._agents.get(interface or "")) is not None}
        missing = set(wanted) - self._known_agents
        if not missing:
            return
        present = set(session.scalars(select(Agent.id).where(Agent.id.in_(missing))))
        for agent_id in missing - present:
            row = wanted[agent_id]
            session.add(Agent(id=row.id, name=row.name, extension=row.extension, interface=row.interface))
        session.flush()
        self._known_agents |= missing

    def _call_row(self, r: CallRecord) -> dict[str, object]:
        return {
            "server": r.server, "linkedid": r.linkedid, "direction": r.direction, "caller": r.caller,
            "caller_name": r.caller_name, "queue": r.queue, "agent_interface": r.agent,
            "agent_id": self.agent_id_for(r.agent), "member_name": r.member_name,
            "started_at": _utc(r.started_at), "queue_entered_at": _utc(r.queue_entered_at),
            "answered_at": _utc(r.answered_at), "ended_at": _utc(r.ended_at), "answered": r.answered,
            "abandoned": r.abandoned, "ring_seconds": r.ring_seconds, "rings": r.rings,
            "within_rule": r.within_rule, "greeting": r.greeting, "wait_seconds": r.wait_seconds,
            "talk_seconds": r.talk_seconds, "hold_seconds": r.hold_seconds, "hold_count": len(r.holds),
            "longest_hold_seconds": max((h.seconds for h in r.holds), default=0.0), "attempts": r.attempts,
            "transfers": r.transfers, "hangup_first": r.hangup_first, "dropped": r.dropped,
            "recordings": "\n".join(r.recordings) or None,
        }


def _insert_journal(session: Session, rows: list[tuple[str, str, float, str, str]]) -> None:
    """The journal is most of the rows (every raw message of every call): straight to the
    driver's executemany, without building an ORM/Core parameter dict per row."""
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {CallEvent.__tablename__} (server, linkedid, at, name, raw) VALUES ({', '.join([mark] * 5)})", rows)


def _not_yet_stored(session: Session, batch: list[tuple[CallRecord, Journal]]) -> list[tuple[CallRecord, Journal]]:
    linkedids = {record.linkedid for record, _ in batch}
    stored = {(server, linkedid) for server, linkedid in session.execute(
        select(Call.server, Call.linkedid).where(Call.linkedid.in_(linkedids)))}
    fresh, seen = [], set()
    for record, journal in batch:
        key = (record.server, record.linkedid)
        if key in stored or key in seen:
            log.info("writer: call %s is already stored; skipped", record.linkedid)
            continue
        seen.add(key)
        fresh.append((record, journal))
    return fresh


def _leg_row(call_id: int, leg: LegRecord, agent_id: str | None) -> dict[str, object]:
    return {"call_id": call_id, "agent_interface": leg.agent, "agent_id": agent_id, "member_name": leg.member_name,
            "channel": leg.channel, "started_at": _utc(leg.started_at), "ended_at": _utc(leg.ended_at),
            "ring_seconds": leg.ring_seconds, "outcome": leg.outcome}


def _utc(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)
