"""Waking callbacks on time: APScheduler 3 (``AsyncIOScheduler``) with a persistent
``SQLAlchemyJobStore`` in the service's own database (table ``callback_jobs``).

The callbacks table is the truth; a job only wakes the runtime. Two ways, chosen by the hotline
file's ``callbacks.scheduling``:

* ``per_callback``: one date job per callback, job id = callback id;
* ``next_due``: one date job, re-armed to the earliest due (or escalation) time of the indexed
  callbacks table after every change.

Either way jobs survive restarts; a job missed while the service was down runs once at start-up
(``misfire_grace_time=None`` runs it however late, ``coalesce`` runs it once); a periodic sweep
catches what another process (the CLI) changed. Jobs name their function by text, so the pickled
job holds no live object: the function finds the running runtime through ``bind``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import Engine, select, text

from callcenter.callbacks.leader import Leadership
from callcenter.callbacks.off_loop import OffLoopScheduler
from callcenter.callbacks.store import Changes
from callcenter.db.models.callbacks import Callback
from callcenter.db.session import make_engine

log = logging.getLogger(__name__)

JOB_TABLE = "callback_jobs"
NEXT_DUE_JOB = "callbacks:next-due"
SWEEP_JOB = "callbacks:sweep"
STORE = "callbacks"
STANDBY_POLL_SECONDS = 3.0


class Wakeable(Protocol):
    async def run_due(self) -> int: ...

    async def wake(self, callback_id: int) -> bool: ...


_bound: Wakeable | None = None


def bind(target: Wakeable | None) -> None:
    global _bound
    _bound = target


async def wake_callback(callback_id: int) -> None:
    """Job function of ``per_callback`` jobs (referenced by text in the job store)."""
    if _bound is None:
        log.warning("callbacks: wake-up for #%s with no running service; the sweep will catch it",
                    callback_id)
        return
    await _bound.wake(callback_id)


async def wake_due() -> None:
    """Job function of the ``next_due`` job and of the sweep."""
    if _bound is not None:
        try:
            await _bound.run_due()
        except Exception as exc:  # noqa: BLE001 (the database is away: the next sweep tries again)
            log.warning("callbacks: due callbacks could not be read now (%s); the next sweep tries again",
                        str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)


class CallbackScheduler:
    def __init__(self, database_url: str, mode: str, sweep_seconds: int) -> None:
        self.mode = mode
        self._url = database_url
        self._sweep_seconds = sweep_seconds
        self._engine: Engine | None = None
        self._scheduler: OffLoopScheduler | None = None
        self._armed_next: dt.datetime | None = None
        self._leader: Leadership | None = None
        self._standby: asyncio.Task[None] | None = None
        self._target: Wakeable | None = None
        self.on_lead: Callable[[], Awaitable[object]] | None = None  # run once when a standby takes over

    async def start(self, target: Wakeable) -> None:
        """Become the active scheduler, or (PostgreSQL, another node active) a standby that keeps
        trying every sweep_seconds and takes over when the lock comes free."""
        self._target = target
        self._engine = make_engine(self._url)
        self._leader = leader = Leadership(self._engine)
        if await asyncio.to_thread(leader.try_acquire):
            await self._activate()
        else:
            log.info("callbacks: another scheduler holds the lock; standing by")
            self._standby = asyncio.create_task(self._wait_for_lead(leader, target), name="callbacks:standby")

    @property
    def active(self) -> bool:
        return self._scheduler is not None

    async def _wait_for_lead(self, leader: Leadership, target: Wakeable) -> None:
        # A leader that dies frees the lock with its connection: a standby notices within
        # STANDBY_POLL_SECONDS whatever the sweep (issue 16: hand-over within 10 s).
        while not await asyncio.to_thread(leader.try_acquire):
            await asyncio.sleep(min(self._sweep_seconds, STANDBY_POLL_SECONDS))
        log.info("callbacks: scheduler lock taken over; this node now places the callbacks")
        await self._activate()
        if self.on_lead is not None:
            await self.on_lead()
        await target.run_due()

    async def _activate(self) -> None:
        assert self._engine is not None and self._target is not None
        bind(self._target)  # only the active scheduler's jobs may reach a runtime
        # The job store is a database table: its work runs off the event loop (off_loop.py).
        scheduler = OffLoopScheduler(
            jobstores={STORE: SQLAlchemyJobStore(engine=self._engine, tablename=JOB_TABLE),
                       "memory": MemoryJobStore()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=dt.UTC, event_loop=asyncio.get_running_loop(),
        )
        if self.mode != "per_callback":
            await asyncio.to_thread(self._drop_per_callback_jobs)
        await asyncio.to_thread(scheduler.start)
        scheduler.add_job("callcenter.callbacks.scheduler:wake_due", "interval", seconds=self._sweep_seconds,
                          id=SWEEP_JOB, jobstore="memory", replace_existing=True)
        self._scheduler = scheduler
        if self.mode == "per_callback":
            await asyncio.to_thread(self._reconcile)

    async def stop(self) -> None:
        if self._standby is not None:
            self._standby.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._standby
            self._standby = None
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._scheduler is not None and _bound is self._target:
            bind(None)
        self._scheduler = None
        if self._leader is not None:
            await asyncio.to_thread(self._leader.release)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def wants_next_wake(self) -> bool:
        return self.mode != "per_callback"

    async def changed(self, changes: Changes, next_wake: dt.datetime | None, rearm: bool) -> None:
        if self._scheduler is None:
            return
        if self.mode == "per_callback" and (changes.armed or changes.disarmed):
            # The job store is a database table: write it from a worker thread (add_job is
            # thread-safe and wakes the scheduler through the event loop).
            await asyncio.to_thread(self._apply, changes)
        elif self.mode != "per_callback" and rearm:
            await asyncio.to_thread(self.arm_next, next_wake)

    def _apply(self, changes: Changes) -> None:
        for callback_id, due in changes.armed:
            self.arm(callback_id, due)
        for callback_id in changes.disarmed:
            self.disarm(callback_id)

    # --- per_callback -----------------------------------------------------------------------

    def arm(self, callback_id: int, due: dt.datetime) -> None:
        assert self._scheduler is not None
        self._scheduler.add_job("callcenter.callbacks.scheduler:wake_callback", "date", run_date=due,
                                args=[callback_id], id=str(callback_id), jobstore=STORE,
                                replace_existing=True,
                                max_instances=8)  # may be re-armed from inside its own run

    def disarm(self, callback_id: int) -> None:
        assert self._scheduler is not None
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(str(callback_id), jobstore=STORE)

    def _reconcile(self) -> None:
        """Arm any pending callback that has no job (a crash between the row and the job)."""
        assert self._engine is not None
        with self._engine.connect() as conn:
            rows = conn.execute(select(Callback.id, Callback.due_at).where(Callback.status == "pending"))
            pending = {callback_id: due for callback_id, due in rows}
            jobs = {row[0] for row in conn.execute(text(f"SELECT id FROM {JOB_TABLE}"))}
        missing = [(i, due) for i, due in pending.items() if str(i) not in jobs]
        for callback_id, due in missing:
            self.arm(callback_id, due)
        if missing:
            log.info("callbacks: armed %d pending callbacks that had no job", len(missing))

    def _drop_per_callback_jobs(self) -> None:
        """Switched to ``next_due``: the table drives waking, per-callback jobs would only echo it."""
        assert self._engine is not None
        with self._engine.begin() as conn:
            if self._engine.dialect.has_table(conn, JOB_TABLE):
                conn.execute(text(f"DELETE FROM {JOB_TABLE} WHERE id != :keep"), {"keep": NEXT_DUE_JOB})

    # --- next_due ---------------------------------------------------------------------------

    def arm_next(self, when: dt.datetime | None) -> None:
        assert self._scheduler is not None
        if when == self._armed_next and self._scheduler.get_job(NEXT_DUE_JOB, jobstore=STORE) is not None:
            return
        self._armed_next = when
        if when is None:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(NEXT_DUE_JOB, jobstore=STORE)
            return
        # Re-armed from inside the running job itself: with the default max_instances=1 APScheduler
        # would skip (and drop) the new run while the old one finishes. run_due has its own lock.
        self._scheduler.add_job("callcenter.callbacks.scheduler:wake_due", "date", run_date=when,
                                id=NEXT_DUE_JOB,
                                jobstore=STORE, replace_existing=True, max_instances=8)

    def jobs(self) -> list[Any]:
        return [] if self._scheduler is None else self._scheduler.get_jobs(jobstore=STORE)
