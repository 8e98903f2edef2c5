"""The durable writer runs in a process of its own, fed by the service through a pipe (the event
loop never shares a GIL with spooling and inserts). Nothing is lost or doubled on the way (issue 11):
calls are stored once and announced after their commit; a writer process that dies is started
again and gets every call it had not spooled; calls that reached the pipe before the service was
killed are spooled by the writer process and stored at the next start. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from callcenter.calls.model import CallRecord
from callcenter.store.spool import Spool, SpoolInUse
from callcenter.store.writer_child import WriterSettings
from callcenter.store.writer_process import WriterProcess
from tests.test_store_durability import ROOT, calls, segments, stored_linkedids


def settings(url: str, spool_dir: Path, spool_wait: float = 20.0) -> WriterSettings:
    return WriterSettings(url, spool_dir, 1 << 30, "test", {}, spool_wait=spool_wait)


async def drained(writer: WriterProcess, limit: float = 60.0) -> None:
    async with asyncio.timeout(limit):
        while writer.waiting:
            await asyncio.sleep(0.05)


async def test_calls_are_stored_once_through_the_writer_process_and_announced_after_the_commit(
        database_url: str, traces_dir: Path, tmp_path: Path) -> None:
    announced: list[tuple[int, CallRecord]] = []
    writer = WriterProcess(settings(database_url, tmp_path / "spool"),
                           on_stored=lambda call_id, record: announced.append((call_id, record)))
    await writer.start()
    try:
        batch = calls(traces_dir, 12, "piped")
        for record, journal in [*batch, batch[0]]:  # one delivered twice
            writer.submit(record, journal)
        await writer.flush()
        await drained(writer)
    finally:
        await writer.stop()
    assert stored_linkedids(database_url) == [f"piped.{i}" for i in range(12)]
    assert [record.linkedid for _, record in announced] == [f"piped.{i}" for i in range(12)]
    assert len({call_id for call_id, _ in announced}) == 12
    assert writer.health.view().ok and not segments(tmp_path / "spool")


async def test_the_writer_process_leaves_the_messages_count_on_the_shared_health_line_alone(
        database_url: str, traces_dir: Path, tmp_path: Path) -> None:
    writer = WriterProcess(settings(database_url, tmp_path / "spool"))
    writer.health.update(messages_waiting=2)  # the IVR's messages waiting, on the same line
    await writer.start()
    try:
        for record, journal in calls(traces_dir, 3, "shared"):
            writer.submit(record, journal)
        await writer.flush()
        await drained(writer)
    finally:
        await writer.stop()
    assert writer.health.view().messages_waiting == 2 and writer.health.view().waiting == 0


async def test_a_writer_process_that_dies_is_started_again_and_gets_every_call_it_had_not_spooled(
        database_url: str, traces_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    announced: list[str] = []
    writer = WriterProcess(settings(database_url, tmp_path / "spool"),
                           on_stored=lambda _id, record: announced.append(record.linkedid))
    await writer.start()
    batch = calls(traces_dir, 30, "crash")
    try:
        for record, journal in batch[:10]:
            writer.submit(record, journal)
        await writer.flush()
        first = writer.pid
        assert first is not None
        os.kill(first, signal.SIGSTOP)  # it reads nothing more: these wait in the pipe, unspooled
        for record, journal in batch[10:20]:
            writer.submit(record, journal)
        await asyncio.sleep(0.1)
        os.kill(first, signal.SIGKILL)
        for record, journal in batch[20:]:  # while it is down or starting again
            writer.submit(record, journal)
        async with asyncio.timeout(60):
            while writer.pid == first:
                await asyncio.sleep(0.05)
        await writer.flush()
        await drained(writer)
    finally:
        await writer.stop()
    expected = [f"crash.{i}" for i in range(30)]
    assert sorted(stored_linkedids(database_url)) == sorted(expected)  # every call, once
    assert sorted(announced) == sorted(expected)
    lines = [r.getMessage() for r in caplog.records if "ended unexpectedly" in r.getMessage()]
    assert len(lines) == 1 and "exit code -9" in lines[0] and "sent again" in lines[0], lines


KILLED_SERVICE = """
import asyncio, os, signal, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from callcenter.store.writer_child import WriterSettings
from callcenter.store.writer_process import WriterProcess
from tests.test_store_durability import calls

async def main():
    writer = WriterProcess(WriterSettings({url!r}, Path({spool!r}), 1 << 30, "test", {{}}))
    await writer.start()
    await writer.ready()
    os.kill(writer.pid, signal.SIGSTOP)  # everything below stays in the pipe, not yet spooled
    print(writer.pid, flush=True)
    for record, journal in calls(Path({traces!r}), 8, "in-pipe"):
        writer.submit(record, journal)
    await asyncio.sleep(0.1)  # sent together once GATHER_S (5 ms) has passed
    await writer._proc.stdin.drain()  # all in the kernel's pipe, none in this process's memory
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_calls_in_the_pipe_when_the_service_is_killed_are_spooled_and_stored_at_the_next_start(
        database_url: str, traces_dir: Path, tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    child = await asyncio.to_thread(killed_service, database_url, spool_dir, traces_dir)
    assert not segments(spool_dir)  # nothing spooled yet: the writer process is stopped
    os.kill(child, signal.SIGCONT)  # it reads the pipe to its end, spools, and ends
    writer = WriterProcess(settings(database_url, spool_dir))
    await writer.start()  # waits for the spool while the orphan lets go of it
    try:
        await writer.ready()  # the spool read back
        await drained(writer)
    finally:
        await writer.stop()
    assert sorted(stored_linkedids(database_url)) == sorted(f"in-pipe.{i}" for i in range(8))
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not _alive(child)


async def test_a_service_whose_spool_another_service_holds_says_why_at_start(database_url: str,
                                                                              tmp_path: Path) -> None:
    holder = Spool(tmp_path / "spool", 1 << 30)
    holder.open()  # another running service holds it
    try:
        writer = WriterProcess(settings(database_url, tmp_path / "spool", spool_wait=0.2))
        with pytest.raises(SpoolInUse, match="in use by another running callcenter"):
            await writer.start()
    finally:
        holder.close()


def killed_service(url: str, spool_dir: Path, traces_dir: Path) -> int:
    """Run the service that is killed; its writer process's id."""
    code = KILLED_SERVICE.format(root=str(ROOT), url=url, spool=str(spool_dir), traces=str(traces_dir))
    service = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert service.stdout is not None
    child = int(service.stdout.readline())
    assert service.wait(60) == -signal.SIGKILL
    return child


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
