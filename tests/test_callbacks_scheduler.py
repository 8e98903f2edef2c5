"""The scheduler itself (APScheduler 3, persistent job store in the service's database), in short
real-time runs: callbacks fire at their time, survive a stop and start of the service, and a
callback that fell due while the service was down runs once at start-up, never twice (R22)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text

from callcenter.callbacks.policies import Plan
from callcenter.callbacks.runtime import CallbackRuntime
from callcenter.callbacks.scheduler import JOB_TABLE, NEXT_DUE_JOB
from callcenter.config import load_settings
from callcenter.db.models.callbacks import Callback
from callcenter.db.session import make_engine
from callcenter.service import Service
from tests.test_callbacks_runtime import RecordingActions

CUSTOMER = "13800138000"


def make_service(database_url: str, hotline_path: Path, mode: str, actions: RecordingActions) -> Service:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path),
                              "CALLCENTER_DATABASE_URL": database_url})
    hotline = settings.hotline
    # These tests run on the wall clock (APScheduler's own timers): calling hours around the clock,
    # or every callback made due at night would wait for the morning (calendar.within_calling_hours).
    callbacks = hotline.callbacks.model_copy(update={"scheduling": mode, "calling_hours_start": dt.time(0, 0),
                                                     "calling_hours_end": dt.time(23, 59, 59)})
    hotline = hotline.model_copy(update={"callbacks": callbacks})
    service = Service(replace(settings, hotline=hotline), factories=["callcenter.callbacks.component:build"])
    service.context.actions = actions
    return service


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.02)


def plan(name: str, due: dt.datetime) -> Plan:
    return Plan("message", due, CUSTOMER, f"test:{name}", department="service")


def statuses(database_url: str) -> dict[str, tuple[str, int]]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Callback.dedupe_key, Callback.status, Callback.attempts)).all()
    engine.dispose()
    return {key.removeprefix("test:"): (status, attempts) for key, status, attempts in rows}


def callback_id(database_url: str, name: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = conn.execute(select(Callback.id).where(Callback.dedupe_key == f"test:{name}")).scalar_one()
    engine.dispose()
    return int(found)


def job_ids(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        ids = {row[0] for row in conn.execute(text(f"SELECT id FROM {JOB_TABLE}"))}
    engine.dispose()
    return ids


@pytest.mark.parametrize("mode", ["per_callback", "next_due"])
async def test_restart_loses_none_runs_none_twice_and_runs_the_missed_one_once(
        database_url: str, hotline_path: Path, mode: str) -> None:
    actions = RecordingActions()
    first = make_service(database_url, hotline_path, mode, actions)
    await first.start()
    runtime: CallbackRuntime = first.context.extras["callbacks"]
    now = dt.datetime.now(dt.UTC)
    missed_due = now + dt.timedelta(seconds=1.0)
    await runtime.decide([plan("early", now + dt.timedelta(seconds=0.3)), plan("missed", missed_due),
                          plan("later", now + dt.timedelta(hours=1))])
    await wait_for(lambda: len(actions.sent) == 1)  # "early" fires at its time, by the scheduler
    assert dt.datetime.now(dt.UTC) >= now + dt.timedelta(seconds=0.25)
    await first.stop()

    await asyncio.sleep(max(0.0, (missed_due - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    assert len(actions.sent) == 1  # stopped: nothing fired while down
    second = make_service(database_url, hotline_path, mode, actions)
    await second.start()
    await wait_for(lambda: len(actions.sent) == 2)
    await asyncio.sleep(0.3)  # room for a second run of the missed one to show up, if there were one
    await second.stop()

    ids = {c["variables"]["CC_CALLBACK_ID"] for c in actions.sent}
    assert len(ids) == 2 and len(actions.sent) == 2  # each once
    assert statuses(database_url) == {"early": ("running", 1), "missed": ("running", 1),
                                      "later": ("pending", 0)}
    jobs = job_ids(database_url)
    if mode == "per_callback":
        assert jobs == {str(callback_id(database_url, "later"))}  # only "later" still waits, under its own id
    else:
        assert jobs == {NEXT_DUE_JOB}  # re-armed to "later"


async def test_a_callback_made_due_by_another_process_is_picked_up_by_the_sweep(
        database_url: str, hotline_path: Path) -> None:
    actions = RecordingActions()
    service = make_service(database_url, hotline_path, "next_due", actions)
    settings_hotline = service.context.settings.hotline
    fast = settings_hotline.callbacks.model_copy(update={"sweep_seconds": 1})
    service.context.settings = replace(service.context.settings,
                                       hotline=settings_hotline.model_copy(update={"callbacks": fast}))
    await service.start()
    runtime: CallbackRuntime = service.context.extras["callbacks"]
    await runtime.decide([plan("moved", dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))])
    engine = make_engine(database_url)
    with engine.begin() as conn:  # what `callcenter callbacks run` does from its own process
        conn.execute(Callback.__table__.update().values(due_at=dt.datetime.now(dt.UTC)))
    engine.dispose()
    await wait_for(lambda: len(actions.sent) == 1, timeout=4)
    await service.stop()


async def test_a_callback_moved_later_elsewhere_fires_at_its_new_time_not_the_old_one(
        database_url: str, hotline_path: Path) -> None:
    actions = RecordingActions()
    service = make_service(database_url, hotline_path, "per_callback", actions)
    await service.start()
    runtime: CallbackRuntime = service.context.extras["callbacks"]
    now = dt.datetime.now(dt.UTC)
    await runtime.decide([plan("moved", now + dt.timedelta(seconds=0.3))])
    moved_to = now + dt.timedelta(seconds=0.9)
    engine = make_engine(database_url)
    with engine.begin() as conn:  # `callcenter callbacks reschedule` from its own process
        conn.execute(Callback.__table__.update().values(due_at=moved_to))
    engine.dispose()
    await wait_for(lambda: len(actions.sent) == 1, timeout=4)  # well before the 30 s sweep
    assert dt.datetime.now(dt.UTC) >= moved_to - dt.timedelta(milliseconds=60)
    await service.stop()


async def test_one_scheduler_holds_the_postgresql_lock_and_a_standby_takes_over(
        database_url: str, hotline_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the scheduler lock is a PostgreSQL advisory lock; SQLite serves a single process")
    sent_a, sent_b = RecordingActions(), RecordingActions()
    services = []
    for actions in (sent_a, sent_b):
        service = make_service(database_url, hotline_path, "next_due", actions)
        hotline = service.context.settings.hotline
        fast = hotline.model_copy(
            update={"callbacks": hotline.callbacks.model_copy(update={"sweep_seconds": 1})})
        service.context.settings = replace(service.context.settings, hotline=fast)
        services.append(service)
    first, second = services
    await first.start()
    await second.start()
    try:
        assert first.context.extras["callbacks"].waker.active
        assert not second.context.extras["callbacks"].waker.active  # standing by
        now = dt.datetime.now(dt.UTC)
        await first.context.extras["callbacks"].decide([plan("one", now + dt.timedelta(seconds=0.2))])
        await wait_for(lambda: len(sent_a.sent) == 1)
        await first.stop()
        await second.context.extras["callbacks"].decide([plan("two", dt.datetime.now(dt.UTC))])
        await wait_for(lambda: len(sent_b.sent) == 1, timeout=5)  # the standby took over
        assert second.context.extras["callbacks"].waker.active
    finally:
        await second.stop()
        if first.started:
            await first.stop()
    assert len(sent_a.sent) == 1 and len(sent_b.sent) == 1  # each callback placed once, by one node
