"""Logins refused "busy" (503, the password worker had its hands full), audited without letting a
flood turn into a flood of database writes: refusals are counted per (工号 as typed, address) and
written at most once per ``FLUSH_SECONDS``, one ``login_busy`` row per pair with its count. The
first refusal after a quiet second is written at once; the web component writes what is left
when it stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

FLUSH_SECONDS = 1.0
MAX_PAIRS = 1_000  # beyond: counted together, as from "many"
MANY = ("*", "many")

Counts = dict[tuple[str, str], int]


class BusyLogins:
    def __init__(self, write: Callable[[Counts], None], now: Callable[[], float]) -> None:
        self._write = write  # stores the rows (blocking; runs on a thread)
        self._now = now
        self._counts: Counts = {}
        self._last_flush = float("-inf")

    async def refused(self, typed_id: str, address: str) -> None:
        key = (typed_id.strip()[:16], address)
        if key not in self._counts and len(self._counts) >= MAX_PAIRS:
            key = MANY
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._now() - self._last_flush >= FLUSH_SECONDS:
            await self.flush()

    async def flush(self) -> None:
        counts, self._counts = self._counts, {}
        self._last_flush = self._now()
        if counts:
            await asyncio.to_thread(self._write, counts)
