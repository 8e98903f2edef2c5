"""The write-ahead spool: finished call records on local disk before the database sees them.

One directory (``var/spool``) of segment files, ``<sequence>.jsonl``, one JSON object a line.
``append`` writes a whole batch with one ``write`` and one ``fsync`` (the batching that keeps
ingest fast); ``done`` counts the entries the database has committed, and a segment whose
entries are all committed is deleted. On start-up ``open`` reads back whatever is left: a line
torn by ``kill -9`` or a crash mid-write is skipped with a warning, never an error.

The spool is bounded (``max_bytes``): past it, ``append`` raises ``SpoolFull`` with a message
that names the setting, and the caller keeps the records in memory until the database takes them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callcenter.errors import CallcenterError

log = logging.getLogger(__name__)

SEGMENT_BYTES = 4 * 1024 * 1024
SUFFIX = ".jsonl"
LOCK_POLL_S = 0.05


class SpoolFull(Exception):
    """The spool reached its bound; the message says which setting raises it."""


class SpoolInUse(CallcenterError):
    """Another running service holds this spool (two writers would replay each other's records)."""


@dataclass(frozen=True)
class Entry:
    segment: int
    payload: dict[str, Any]


class Spool:
    def __init__(self, directory: Path, max_bytes: int, segment_bytes: int = SEGMENT_BYTES,
                 label: str = "") -> None:
        self.directory = directory
        self.label = label  # what the records wait for (the database URL without password)
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self._written: dict[int, int] = {}  # segment -> entries in it
        self._done: dict[int, int] = {}  # segment -> entries committed
        self._sizes: dict[int, int] = {}
        self._active: int | None = None
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._mutex = threading.Lock()  # one thread appends, another marks entries done

    # --- start-up ----------------------------------------------------------------------------

    def open(self, wait: float = 0.0) -> list[Entry]:
        """Create the directory if needed and return every entry still waiting, oldest first.
        ``wait``: how long another holder may keep the spool before SpoolInUse (the writer process
        of a service killed a moment ago spools what its pipe still held, then lets go)."""
        self.lock(wait)
        if self.label:
            (self.directory / "database.txt").write_text(self.label + "\n", encoding="utf-8")
        waiting: list[Entry] = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                segment = int(path.stem)
            except ValueError:
                continue
            entries = list(_read(path, segment))
            if not entries:
                path.unlink(missing_ok=True)
                continue
            self._written[segment] = len(entries)
            self._done[segment] = 0
            self._sizes[segment] = path.stat().st_size
            waiting += entries
        return waiting

    # --- writing -----------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return sum(self._sizes.values())

    @property
    def waiting(self) -> int:
        return sum(self._written[s] - self._done.get(s, 0) for s in self._written)

    def append(self, payloads: list[dict[str, Any]]) -> list[Entry]:
        """Write the batch durably (one fsync) and return its entries; SpoolFull past the bound."""
        data = b"".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                        for p in payloads)
        with self._mutex:
            return self._append(payloads, data)

    def _append(self, payloads: list[dict[str, Any]], data: bytes) -> list[Entry]:
        if self.size + len(data) > self.max_bytes:
            raise SpoolFull(f"CALLCENTER_SPOOL_MAX_MB: the spool in {self.directory} holds "
                            f"{self.size // (1024 * 1024)} MiB, its limit; records wait in memory until the "
                            "database accepts them (raise the limit or free the database)")
        segment, fd = self._segment_for(len(data))
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        self._written[segment] = self._written.get(segment, 0) + len(payloads)
        self._sizes[segment] = self._sizes.get(segment, 0) + len(data)
        return [Entry(segment, p) for p in payloads]

    def done(self, entries: Iterable[Entry]) -> None:
        """These entries are committed; delete every segment that has nothing left waiting."""
        with self._mutex:
            self._done_locked(entries)

    def _done_locked(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            self._done[entry.segment] = self._done.get(entry.segment, 0) + 1
        for segment in [s for s, n in self._written.items() if self._done.get(s, 0) >= n]:
            if segment == self._active:
                self._close_active()
            (self.directory / f"{segment:012d}{SUFFIX}").unlink(missing_ok=True)
            del self._written[segment]
            self._done.pop(segment, None)
            self._sizes.pop(segment, None)

    def close(self) -> None:
        with self._mutex:
            self._close_active()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def lock(self, wait: float = 0.0) -> None:
        """Hold the spool (SpoolInUse if another running service keeps it longer than ``wait``);
        ``close`` lets go."""
        if self._lock_fd is not None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(LOCK_POLL_S)
                    continue
            os.close(fd)
            raise SpoolInUse(f"spool {self.directory} is in use by another running callcenter for the same "
                             "database; stop it first (or give this one its "
                             "own CALLCENTER_VAR_DIR)") from None
        self._lock_fd = fd

    def _segment_for(self, incoming: int) -> tuple[int, int]:
        if self._fd is not None and self._active is not None \
                and self._sizes.get(self._active, 0) + incoming <= self.segment_bytes:
            return self._active, self._fd
        self._close_active()
        segment = max(self._written, default=0) + 1
        path = self.directory / f"{segment:012d}{SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._active = segment
        self._written.setdefault(segment, 0)
        self._sizes.setdefault(segment, 0)
        _fsync_dir(self.directory)  # the new file's name must survive a crash too
        return segment, self._fd

    def _close_active(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._active = None, None


def _read(path: Path, segment: int) -> Iterable[Entry]:
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                payload = json.loads(line)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                log.warning("spool: %s line %d is torn or unreadable (a crash mid-write); skipped", path,
                            number)
                continue
            yield Entry(segment, payload)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
