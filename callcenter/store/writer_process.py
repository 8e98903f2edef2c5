"""The service's side of the writer process (``writer_child``): finished calls go down a pipe to a
process of their own that spools (fsync'd) and writes them to the database, so the event loop
that reads AMI never shares a GIL with JSON encoding, fsync and inserts.

What is durable when: a call is in the service's memory from ``submit`` until the writer process
says it is on disk in the spool; the service keeps it until then. If the writer process dies, the
service logs it once, starts a new one and sends again every call not yet on disk (the spool
holds the rest; a call sent twice is stored once). If the service itself is killed, the writer
process still spools whatever had reached the pipe before it ends; calls not yet written to the
pipe (the last few milliseconds) are lost from memory as they always were, and recovered from the
queue_log at the next start (``calls.catch_up``). ``CallStored`` is announced after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import itertools
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from callcenter.calls.model import CallRecord
from callcenter.errors import CallcenterError
from callcenter.store.codec import record_to_json
from callcenter.store.frames import HEADER, decode, encode
from callcenter.store.health import HealthView, StoreHealth
from callcenter.store.spool import Spool
from callcenter.store.writer import GATHER_S
from callcenter.store.writer_child import WriterSettings

log = logging.getLogger(__name__)

Journal = list[tuple[float, str, str]]
StoredHook = Callable[[int, CallRecord], None]
CHILD = "import sys; from callcenter.store.writer_child import main; sys.exit(main())"
RESTART_FIRST_S, RESTART_CAP_S = 0.25, 5.0
WRITER_FIELDS = ("waiting", "database_ok", "since", "spool_problem", "rejected")
STOP_LIMIT_S = 120.0  # the writer's last try may wait out SQLite's busy timeout (30 s)


class WriterFailed(CallcenterError):
    """The writer process could not start (the spool in use, not writable, …)."""


@dataclass
class _Sent:
    record: CallRecord
    journal: Journal | None  # None once it is on disk in the spool


class WriterProcess:
    def __init__(self, settings: WriterSettings, on_stored: StoredHook | None = None) -> None:
        self.settings = settings
        self.health = StoreHealth()
        self.stored = 0
        self._on_stored = on_stored
        self._pending: dict[int, _Sent] = {}  # by tag, in the order submitted
        self._outgoing: list[int] = []
        self._tags = itertools.count(1)
        self._flushes: dict[int, asyncio.Future[None]] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Future[HealthView] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[None] | None = None
        self._alive = False  # the current process reads its pipe
        self._running = False  # ... and has had everything not yet spooled: new calls may follow
        self._started = asyncio.Event()
        self._resumed = asyncio.Event()  # set while _running
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    def agent_id_for(self, interface: str | None) -> str | None:
        row = self.settings.agents.get(interface or "")
        return row.id if row else None

    @property
    def pid(self) -> int | None:
        """The writer process's id (for operators, and for tests that kill it)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def waiting(self) -> int:
        return self.health.view().waiting

    async def start(self) -> None:
        """Make sure the spool is this service's (SpoolInUse at once if another service holds
        it), then start the writer process in the background: it reads back the spool before
        anything new; calls that finish meanwhile wait here for it."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._spool_is_free)
        self._watch = self._loop.create_task(self._keep_running(), name="writer-process")

    async def ready(self) -> None:
        """Until the writer process has read back the spool and takes new calls."""
        await self._started.wait()

    def submit(self, record: CallRecord, journal: Journal) -> None:
        """On the event loop: kept until the writer process has it on disk, sent with the other
        calls finished within ``GATHER_S`` (one frame, one write: under a burst, few wake-ups of
        the writer process; it gathers as long before its fsync)."""
        tag = next(self._tags)
        self._pending[tag] = _Sent(record, list(journal))
        if not self._outgoing and self._loop is not None:
            self._loop.call_later(GATHER_S, self._send_outgoing)
        self._outgoing.append(tag)

    async def flush(self) -> None:
        """Until everything submitted so far is in the spool and has met the database once."""
        token = next(self._tags)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flushes[token] = future
        if self._running:  # else the writer process that starts next is asked
            self._send_outgoing()
            self._send(("flush", token))
        await future

    async def stop(self) -> None:
        """The writer process spools what it was sent, writes what the database takes and ends;
        what it did not take is written to the spool here, for the next start."""
        self._stopping = True
        await self._let_it_take_what_waits()
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        self._send_outgoing()
        proc = self._proc
        if proc is not None and proc.returncode is None and not self._running:
            # Still starting: it has been sent nothing, the spool and _pending hold everything.
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        elif proc is not None and proc.returncode is None:
            self._send(("stop", None))
            try:
                await asyncio.wait_for(proc.wait(), STOP_LIMIT_S)
            except TimeoutError:
                log.error("writer: the writer process did not end within %.0f s; stopped", STOP_LIMIT_S)
                proc.kill()
                await proc.wait()
        if self._reading is not None:
            await self._reading
        for future in self._flushes.values():
            if not future.done():
                future.set_result(None)
        unsaved = [(tag, sent) for tag, sent in self._pending.items() if sent.journal is not None]
        if unsaved:
            await asyncio.to_thread(self._rescue, unsaved)

    async def _let_it_take_what_waits(self) -> None:
        """A writer process still starting at stop first takes the calls that wait for it, as a
        running one would: stop() then ends with them in the database, not only in the spool.
        Bounded by the child itself: it either becomes ready or ends."""
        reading = self._reading
        if not self._pending or self._running or reading is None or reading.done():
            return
        resumed = asyncio.ensure_future(self._resumed.wait())
        await asyncio.wait({resumed, reading}, return_when=asyncio.FIRST_COMPLETED)
        resumed.cancel()

    # --- the child --------------------------------------------------------------------------

    def _spool_is_free(self) -> None:
        spool = Spool(self.settings.spool_dir, self.settings.spool_max_bytes, label=self.settings.label)
        try:
            spool.lock(self.settings.spool_wait)
        finally:
            spool.close()

    async def _spawn(self) -> None:
        assert self._loop is not None
        self._ready = self._loop.create_future()
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        self._alive = True
        _widen(self._proc)
        self._send(dataclasses.replace(self.settings, log_level=logging.getLogger().getEffectiveLevel()))
        self._reading = reading = self._loop.create_task(self._read(self._proc), name="writer-process-reader")
        ready = self._ready
        waited: set[asyncio.Future[Any]] = {reading, ready}
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.set_exception(WriterFailed("writer: the writer process ended at start-up; see the lines "
                                             "above"))
        try:
            self._apply_health(ready.result())
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            await asyncio.wait({reading})
            await self._proc.wait()
            raise

    async def _keep_running(self) -> None:
        """Start the writer process, and again whenever it ends unasked (at once, then with a
        growing pause if it keeps ending); it gets again what it had not spooled."""
        backoff, failures = 0.0, 0
        while not self._stopping:
            try:
                await self._spawn()
            except WriterFailed as error:
                failures += 1
                backoff = min(RESTART_CAP_S, max(RESTART_FIRST_S, backoff * 2))
                if failures == 1:
                    log.error("%s; trying again every %.0f s at most, the calls wait in memory",
                              error, RESTART_CAP_S)
                self.health.update(spool_problem="writer process not running")
                await asyncio.sleep(backoff)
                continue
            failures = 0
            self._resume()
            since = time.monotonic()
            proc, reading = self._proc, self._reading
            assert proc is not None and reading is not None
            await asyncio.wait({reading})  # not cancelled with this task: stop() still needs it
            code = await proc.wait()
            if self._stopping:
                return
            # What the dead process spooled, the new one reads back (and announces) itself.
            self._pending = {tag: sent for tag, sent in self._pending.items() if sent.journal is not None}
            log.error("writer: the writer process ended unexpectedly (exit code %s); starting it again, "
                      "%d calls not yet in the spool are sent again", code, len(self._pending))
            self.health.update(spool_problem="writer process not running")
            if time.monotonic() - since > RESTART_CAP_S:
                backoff = 0.0  # it had been running a while: start it again at once
            else:
                backoff = min(RESTART_CAP_S, max(RESTART_FIRST_S, backoff * 2))
                await asyncio.sleep(backoff)

    def _resume(self) -> None:
        """The writer process is ready: everything not yet spooled, in the order submitted, then
        the flushes asked for meanwhile."""
        self._running = True
        self._started.set()
        self._resumed.set()
        self._outgoing = list(self._pending)
        self._send_outgoing()
        for token in self._flushes:
            self._send(("flush", token))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while True:
                    (size,) = HEADER.unpack(await proc.stdout.readexactly(HEADER.size))
                    message = decode(await proc.stdout.readexactly(size))
                    try:
                        self._handle(message)
                    except Exception:  # a hook's bug must not stop the news of the next calls
                        log.exception("writer: could not handle the writer process's %r", message)
        finally:
            self._alive = self._running = False  # its pipe ends when it does
            self._resumed.clear()

    def _handle(self, message: object) -> None:
        kind, *body = cast(tuple[Any, ...], message)
        if kind == "spooled":
            for tag in body[0]:
                if (sent := self._pending.get(tag)) is not None:
                    sent.journal = None
        elif kind == "settled":
            for tag, call_id, record in body[0]:
                sent = self._pending.pop(tag, None) if tag is not None else None
                record = record or (sent.record if sent else None)
                if call_id is not None and record is not None:
                    self.stored += 1
                    if self._on_stored is not None:
                        self._on_stored(call_id, record)
        elif kind == "health":
            self._apply_health(body[0])
        elif kind == "log":
            level, name, text = body
            logging.getLogger(name).log(level, "%s", text)
        elif kind == "flushed":
            future = self._flushes.pop(body[0], None)
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "ready" and self._ready is not None and not self._ready.done():
            self._ready.set_result(body[0])
        elif kind == "failed" and self._ready is not None and not self._ready.done():
            self._ready.set_exception(WriterFailed(body[0]))
        elif kind == "stopped":
            self._apply_health(body[0])

    def _apply_health(self, view: HealthView) -> None:
        """The call writer's own fields only: others share this health line (the IVR's messages)."""
        self.health.update(**{name: getattr(view, name) for name in WRITER_FIELDS})

    def _send_outgoing(self) -> None:
        if not self._outgoing or not self._running:
            return  # kept in _pending: a writer process that starts again gets them all, in order
        batch = [(tag, self._pending[tag].record, self._pending[tag].journal)
                 for tag in self._outgoing if tag in self._pending and self._pending[tag].journal is not None]
        self._outgoing = []
        if batch:
            self._send(("submit", batch))

    def _send(self, message: object) -> None:
        proc = self._proc
        if not self._alive or proc is None or proc.stdin is None or proc.stdin.is_closing():
            return  # the process is gone: what it did not spool is sent again to the next one
        proc.stdin.write(encode(message))

    def _rescue(self, unsaved: list[tuple[int, _Sent]]) -> None:
        """The writer process ended without spooling these: spool them here, for the next start."""
        spool = Spool(self.settings.spool_dir, self.settings.spool_max_bytes, label=self.settings.label)
        try:
            spool.open(self.settings.spool_wait)
            now = time.time()
            spool.append([record_to_json(sent.record, sent.journal or [], now) for _, sent in unsaved])
            log.warning("writer: %d calls the writer process did not spool are in %s for the next start",
                        len(unsaved), spool.directory)
        except Exception as error:  # noqa: BLE001 (the last chance: say what is lost)
            log.error("writer: %d calls could not be spooled at stop (%s): %s", len(unsaved), error,
                      ", ".join(sent.record.linkedid for _, sent in unsaved))
        finally:
            spool.close()


PIPE_BYTES = 1 << 20  # Linux's limit for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _widen(proc: asyncio.subprocess.Process) -> None:
    """A wider pipe holds more finished calls in the kernel, where a kill -9 of the service cannot
    take them (the writer process still reads them), and fewer in the service's own memory."""
    pipe = proc.stdin.get_extra_info("pipe") if proc.stdin is not None else None
    if pipe is None or not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
