"""The writer process: the durable writer (``CallWriter``: spool, fsync, database) in a process of
its own, started by the service (``writer_process.WriterProcess``) and fed finished calls through
a pipe. In its own process the writer's threads never take the GIL from the event loop that reads
AMI and decides greetings (R2); on a machine with two cores each has one.

Started as ``python -c`` calling ``main`` (the pickled settings name this module, never
``__main__``): stdin brings the settings, then calls to
write; stdout takes back what became of them (on disk in the spool, stored with their
``calls.id``, health changes, log lines). When stdin ends without a ``stop`` (the service was
killed), everything the pipe still held is spooled and fsync'd before the process ends, and the
next start drains it. SIGINT and SIGTERM are left to the service: it stops its writer last,
after the tracker has handed over its final calls.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from callcenter.calls.model import CallRecord
from callcenter.db.session import make_engine, make_session_factory
from callcenter.errors import CallcenterError
from callcenter.store.frames import encode, read_frame
from callcenter.store.spool import Spool
from callcenter.store.writer import BACKOFF_CAP_S, AgentRow, CallWriter

log = logging.getLogger(__name__)

# How long a new writer waits for the spool while the writer of a service killed a moment ago
# spools what its pipe still held (well under a second; a disk in trouble may take longer).
SPOOL_WAIT_S = 20.0


@dataclass(frozen=True)
class WriterSettings:
    database_url: str
    spool_dir: Path
    spool_max_bytes: int
    label: str
    agents: dict[str, AgentRow]
    log_level: int = logging.INFO
    batch_max: int = 500
    backoff_cap: float = BACKOFF_CAP_S
    spool_wait: float = SPOOL_WAIT_S


class Outbox:
    """Frames to the service, from any of the writer's threads. Once the service is gone, what
    would have gone to it is dropped (the spool holds the records themselves)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self.gone = False

    def send(self, message: object) -> None:
        data = memoryview(encode(message))
        with self._lock:
            if self.gone:
                return
            try:
                while data:
                    data = data[os.write(self._fd, data):]
            except OSError:
                self.gone = True


class ForwardLogs(logging.Handler):
    """The writer's log lines go to the service's log, formatted (and masked) there."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__()
        self._outbox = outbox

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self._outbox.send(("log", record.levelno, record.name, text))
        if self._outbox.gone and record.levelno >= logging.WARNING:
            print(f"{record.levelname} {record.name}: {text}", file=sys.stderr, flush=True)


def main() -> int:
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    inbox = os.fdopen(os.dup(0), "rb", buffering=1 << 20)
    outbox = Outbox(os.dup(1))
    os.dup2(2, 1)  # a stray print goes to the log, never into the frames
    settings = read_frame(inbox)
    if not isinstance(settings, WriterSettings):
        return 2
    root = logging.getLogger()
    root.handlers[:] = [ForwardLogs(outbox)]
    root.setLevel(settings.log_level)
    engine = make_engine(settings.database_url)
    writer = CallWriter(make_session_factory(engine),
                        Spool(settings.spool_dir, settings.spool_max_bytes, label=settings.label),
                        settings.agents, batch_max=settings.batch_max, backoff_cap=settings.backoff_cap)
    writer.on_spooled = lambda tags: outbox.send(("spooled", tags))
    writer.on_settled = lambda items: outbox.send(("settled", _settled(items)))
    writer.health.on_change = lambda view: outbox.send(("health", view))
    try:
        writer.start(spool_wait=settings.spool_wait)
    except CallcenterError as error:
        outbox.send(("failed", str(error)))
        return 1
    outbox.send(("ready", writer.health.view()))
    if _serve(inbox, outbox, writer):
        writer.stop()
        engine.dispose()
        outbox.send(("stopped", writer.health.view()))
        return 0
    # The service is gone without a word (kill -9): what its pipe held is spooled; the database
    # is left to the next start, which may already be waiting for this spool.
    writer.wait_spooled()
    log.warning("writer: the service ended without stopping its writer; what it had sent is in the spool "
                "%s for the next start", settings.spool_dir)
    writer.spool.close()
    os._exit(0)


def _serve(inbox: BinaryIO, outbox: Outbox, writer: CallWriter) -> bool:
    """Take messages until ``stop`` (True) or the end of the pipe (False)."""
    while (message := read_frame(inbox)) is not None:
        kind, body = cast(tuple[str, Any], message)
        if kind == "submit":
            for tag, record, journal in body:
                writer.submit(record, journal, tag)
        elif kind == "flush":
            threading.Thread(target=_flush, args=(writer, outbox, body), name="writer-flush",
                             daemon=True).start()
        elif kind == "stop":
            return True
    return False


def _flush(writer: CallWriter, outbox: Outbox, token: int) -> None:
    writer.flush()
    outbox.send(("flushed", token))


def _settled(items: list[tuple[object, int | None, CallRecord]]) -> list[tuple[object, int | None,
                                                                              CallRecord | None]]:
    """The service has the records it sent; only the ones read back from the spool travel back."""
    return [(tag, call_id, record if tag is None and call_id is not None else None)
            for tag, call_id, record in items]

