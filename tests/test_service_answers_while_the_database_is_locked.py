"""While another process holds the database's write lock (SQLite: a long job's BEGIN IMMEDIATE;
PostgreSQL: LOCK TABLE), the service keeps answering: an answered call's greeting decision (R2,
R3) comes back while the callbacks scheduler's job store is still waiting for the lock. The
scheduler used to run its job store's statements on the event loop, and the whole service stood
still until the lock went (the chaos run's ``sqlite_locked`` fault: about 11 s, and the AMI link
was dropped for an unanswered Ping). SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from callcenter.callbacks.scheduler import JOB_TABLE
from callcenter.config import load_settings
from callcenter.service import Service
from tests.test_ivr_agi import Channel, agi_session, trace_environment

ROOT = Path(__file__).resolve().parents[1]
SAFETY_S = 60.0  # the lock is let go after this in any case, so a failing run ends; not a measure


class FirstJobStoreWrite:
    """The first write of the scheduler's job store from now on: started, and finished or failed."""

    def __init__(self, engine: Any) -> None:
        self.started, self.finished = threading.Event(), threading.Event()
        self._cursor: Any = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", lambda context: self._done(context.cursor))

    def _before(self, _conn: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        if self.started.is_set() or JOB_TABLE not in statement:
            return
        if statement.lstrip().upper().startswith(("DELETE", "UPDATE", "INSERT")):
            self._cursor = cursor
            self.started.set()

    def _after(self, _conn: Any, cursor: Any, *_rest: Any) -> None:
        self._done(cursor)

    def _done(self, cursor: Any) -> None:
        if self._cursor is not None and cursor is self._cursor:
            self.finished.set()


@contextmanager
def write_lock_held(database_url: str, release: threading.Event) -> Iterator[None]:
    """Another process's write lock on the database, held until ``release`` (or SAFETY_S)."""
    url = make_url(database_url)
    held = threading.Event()

    def hold() -> None:
        if url.get_backend_name() == "sqlite":
            conn: Any = sqlite3.connect(str(url.database), isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
            conn.execute(f"LOCK TABLE {JOB_TABLE} IN EXCLUSIVE MODE")  # reads go on, writes wait
        held.set()
        release.wait(SAFETY_S)
        conn.rollback() if url.get_backend_name() != "sqlite" else conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=hold, name="write-lock-holder")
    holder.start()
    held.wait(SAFETY_S)
    try:
        yield
    finally:
        release.set()
        holder.join()


async def test_a_greeting_is_decided_while_the_scheduler_waits_for_a_locked_database_r2(
        database_url: str, tmp_path: Path, traces_dir: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                              "CALLCENTER_DATABASE_URL": database_url,
                              "CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_AGI_PORT": "0"})
    service = Service(settings, factories=["callcenter.ivr.component:build",
                                           "callcenter.callbacks.component:build"])
    await service.start()
    try:
        scheduler = service.context.extras["callbacks"].waker
        apscheduler = scheduler._scheduler
        await asyncio.to_thread(apscheduler.pause)
        # A wake-up job already due: the next pass runs it and deletes its row.
        await asyncio.to_thread(scheduler.arm_next, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        write = FirstJobStoreWrite(scheduler._engine)
        release = threading.Event()
        with write_lock_held(database_url, release):
            await asyncio.to_thread(apscheduler.resume)
            assert await asyncio.to_thread(write.started.wait, SAFETY_S)
            env = trace_environment(traces_dir, agi_network_script="answered")
            member = Channel({"MEMBERINTERFACE": "PJSIP/8101", "MEMBERNAME": "101 李秀英"})
            channel = await agi_session(service.context.extras["agi"], env, member)
            still_waiting = not write.finished.is_set()
            release.set()
        assert channel.heard and channel.heard[0].startswith("callcenter/zh/agent")
        assert still_waiting, "the greeting came only after the job store's write was done"
    finally:
        await service.stop()
