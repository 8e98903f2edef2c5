"""A message left for a callback (R12 after a failed transfer, R18 after hours) is a promise: it
survives a crash at any moment after the FastAGI ``message`` script answers. It is on disk before
the answer, stored (one row per PBX and Linkedid) before the callbacks hear of it, and decided from
the stored row, so a process killed with ``kill -9`` before the callback was stored, or one whose
database was away, still yields the callback after the restart; once, however often the message is
replayed. It used to live only in the in-memory ``MessageLeft``. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.config import Settings, load_settings
from callcenter.db.models.callbacks import Callback
from callcenter.db.models.calls import LeftMessage
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.messages import StoreHealthChanged
from callcenter.service import Service
from callcenter.store.spool import Spool
from tests.test_ivr_agi import Channel, agi_session, trace_environment

ROOT = Path(__file__).resolve().parents[1]
IVR_ONLY = ["callcenter.ivr.component:build"]
IVR_AND_CALLBACKS = [*IVR_ONLY, "callcenter.callbacks.component:build"]
CALLER = "13800138000"
# The FastAGI part of a service process that the test kills: no callbacks in it, so whatever
# it stored is decided by the next start or nobody.
IVR_PROCESS = """
import asyncio, os
from callcenter.config import load_settings
from callcenter.service import Service

async def main():
    service = Service(load_settings(dict(os.environ)), factories=["callcenter.ivr.component:build"])
    await service.start()
    print(*service.context.extras["agi"], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def env_for(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"), "CALLCENTER_DATABASE_URL": database_url,
            "CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_AGI_PORT": "0"}


def settings_for(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(env_for(database_url, tmp_path))


@contextlib.asynccontextmanager
async def database_away(settings: Settings) -> AsyncIterator[Service]:
    """The IVR alone, with a database that refuses every connection."""
    service = Service(settings, factories=IVR_ONLY)
    away = make_engine("postgresql+psycopg://callcenter@127.0.0.1:9/away?connect_timeout=2")
    service.context.sessions = make_session_factory(away)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()
        away.dispose()


async def leave_message(address: tuple[str, int], traces_dir: Path, linkedid: str) -> None:
    """Asterisk's hang-up handler after a recorded message: the script's answer is awaited."""
    env = trace_environment(traces_dir, agi_network_script="message", agi_request="agi://127.0.0.1/message",
                            agi_callerid=CALLER, agi_uniqueid=linkedid)
    await agi_session(address, env, Channel({"CC_MESSAGE_REASON": "transfer_failed", "CC_AGENT_ID": "201",
                                             "CHANNEL(linkedid)": linkedid,
                                             "RECORDED_FILE": f"/var/spool/asterisk/monitor/m-{linkedid}"}))


def stored(database_url: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, bool]]]:
    """The message callbacks (reason, number, key) and the left messages (Linkedid, awaiting)."""
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as s:
            callbacks = [(c.reason, c.caller, c.dedupe_key) for c in s.scalars(select(Callback))]
            messages = [(m.linkedid, m.awaiting_decisions) for m in s.scalars(select(LeftMessage))]
            return callbacks, messages
    finally:
        engine.dispose()


def called_back_once(linkedid: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, bool]]]:
    return [("message", CALLER, f"message:pbx:{linkedid}")], [(linkedid, False)]


async def restart_with_callbacks(settings: Settings) -> None:
    service = Service(settings, factories=IVR_AND_CALLBACKS)
    await service.start()
    await service.context.bus.drain()
    await service.stop()


async def test_a_process_killed_after_the_message_still_calls_back_r12(database_url: str, tmp_path: Path,
                                                                       traces_dir: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", IVR_PROCESS, env={**os.environ, **env_for(database_url, tmp_path)},
        stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    try:
        assert process.stdout is not None
        host, port = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().split()
        await leave_message((host, int(port)), traces_dir, "1796000000.11")
    finally:
        process.send_signal(signal.SIGKILL)  # before any callback could have been decided
        await process.wait()
    assert stored(database_url)[0] == []
    await restart_with_callbacks(settings_for(database_url, tmp_path))
    await restart_with_callbacks(settings_for(database_url, tmp_path))  # and again: nothing doubles
    assert stored(database_url) == called_back_once("1796000000.11")


async def test_a_message_left_while_the_database_is_away_is_called_back_after_a_restart_r12(
        database_url: str, tmp_path: Path, traces_dir: Path) -> None:
    settings = settings_for(database_url, tmp_path)
    async with database_away(settings) as service:
        await leave_message(service.context.extras["agi"], traces_dir, "1796000000.12")
    # what the database did not take stays on disk, as after kill -9
    assert stored(database_url) == ([], [])
    await restart_with_callbacks(settings)
    assert stored(database_url) == called_back_once("1796000000.12")


async def test_a_message_replayed_after_its_commit_is_stored_and_called_back_once_r12(
        database_url: str, tmp_path: Path, traces_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(database_url, tmp_path)
    with monkeypatch.context() as patch:
        # killed between the row's commit and the spool's note of it
        patch.setattr(Spool, "done", lambda self, entries: None)
        service = Service(settings, factories=IVR_AND_CALLBACKS)
        await service.start()
        try:
            await leave_message(service.context.extras["agi"], traces_dir, "1796000000.13")
            await service.context.bus.drain()
        finally:
            await service.stop()
    await restart_with_callbacks(settings)  # the spool replays the message: already stored, skipped
    assert stored(database_url) == called_back_once("1796000000.13")


async def test_messages_waiting_for_the_database_are_shown_on_the_health_line(
        database_url: str, tmp_path: Path, traces_dir: Path) -> None:
    settings = settings_for(database_url, tmp_path)
    async with database_away(settings) as service:
        await leave_message(service.context.extras["agi"], traces_dir, "1796000000.14")
        line = service.context.extras["store_health"].as_json(settings.hotline.centre.timezone)
    assert line["ok"] is False and line["messages_waiting"] == 1
    assert line["zh"].startswith("1 条留言待写入，自 ")
    assert line["en"].startswith("1 messages waiting to be written, since ")
    service = Service(settings, factories=IVR_ONLY)
    await service.start()  # the database is back: the spool is written first, the line clears
    try:
        line = service.context.extras["store_health"].as_json(settings.hotline.centre.timezone)
    finally:
        await service.stop()
    assert line["ok"] is True and line["messages_waiting"] == 0 and line["zh"] is None


async def test_stored_messages_left_undecided_are_shown_on_the_health_line(database_url: str,
                                                                          tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path)
    now = dt.datetime.now(dt.UTC)
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as s:  # the scheduler has been away since
            for linkedid, left in (("1796000000.15", now - dt.timedelta(minutes=10)), ("1796000000.16", now)):
                s.add(LeftMessage(server="pbx", linkedid=linkedid, caller=CALLER, reason="after_hours",
                                  department="repair", agent_id=None, recording=None, left_at=left,
                                  awaiting_decisions=True))
    finally:
        engine.dispose()
    service = Service(settings, factories=IVR_ONLY)
    counted = asyncio.Event()
    service.context.bus.subscribe_sync(
        StoreHealthChanged, lambda m: counted.set() if m.health.messages_undecided else None)
    await service.start()
    try:
        await asyncio.wait_for(counted.wait(), timeout=240)  # a bound against hanging, not a speed check
        line = service.context.extras["store_health"].as_json(settings.hotline.centre.timezone)
    finally:
        await service.stop()
    # only the one older than the grace: the other is still on its way to the callbacks
    assert line["ok"] is False and line["messages_undecided"] == 1
    assert line["zh"].startswith("1 条留言未安排回电，自 ")
    assert line["en"].startswith("1 messages without their callback, since ")
