"""Time, injected: the service reads the clock through this so tests can advance it."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Aware UTC wall time."""

    def time(self) -> float:
        """Epoch seconds (the scale of AMI ``Timestamp`` headers)."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def time(self) -> float:
        return time.time()


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, start: dt.datetime | float) -> None:
        self._t = start.timestamp() if isinstance(start, dt.datetime) else float(start)

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._t, dt.UTC)

    def time(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        self._t += seconds

    def set(self, when: dt.datetime | float) -> None:
        self._t = when.timestamp() if isinstance(when, dt.datetime) else float(when)
