"""APScheduler's ``AsyncIOScheduler`` with its job-store work off the event loop.

The stock scheduler runs every wake-up's job processing on the event loop: with the SQLAlchemy job
store that is a SELECT of the due jobs and, for each job that ran, a DELETE or UPDATE of its row.
While another process holds SQLite's write lock (a long maintenance job, a backup) that statement
waits up to the busy timeout, 30 s, and the whole service with it: no greeting decision, no AMI
Ping answered (the chaos run's ``sqlite_locked`` fault: the loop stood still about 11 s and the
AMI link was dropped). Here the processing runs in a worker thread, one pass at a time; the jobs it
finds due start on the event loop as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler, run_in_event_loop

log = logging.getLogger(__name__)
RETRY_S = 10.0  # after a pass that failed outright (APScheduler's own job-store retry interval)


class _LoopExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """Jobs found due by the processing thread are started on the event loop (``create_task``
    is not safe from another thread)."""

    def _do_submit_job(self, job: Any, run_times: Any) -> None:
        self._eventloop.call_soon_threadsafe(super()._do_submit_job, job, run_times)


class OffLoopScheduler(AsyncIOScheduler):  # type: ignore[misc]
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._pass: asyncio.Future[float | None] | None = None
        self._again = False

    @run_in_event_loop  # type: ignore[untyped-decorator]
    def wakeup(self) -> None:
        self._stop_timer()
        if self._pass is not None:  # a pass is under way: one more right after it
            self._again = True
            return
        self._pass = self._eventloop.run_in_executor(None, self._process_jobs)
        self._pass.add_done_callback(self._passed)

    def _passed(self, done: asyncio.Future[float | None]) -> None:
        self._pass = None
        failed = None if done.cancelled() else done.exception()
        if failed is not None:
            log.warning("callbacks: the scheduler's job store could not be read now (%s); retried in %g s",
                        str(failed).splitlines()[0][:200] if str(failed) else type(failed).__name__, RETRY_S)
        if self._eventloop is None or not self.running:
            return  # shut down meanwhile
        if self._again:
            self._again = False
            self.wakeup()
        elif not done.cancelled():
            self._start_timer(RETRY_S if failed is not None else done.result())

    def _create_default_executor(self) -> _LoopExecutor:
        return _LoopExecutor()
