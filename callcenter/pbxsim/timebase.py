"""Time for the simulation: real time or accelerated by a speed factor.

Event ``Timestamp`` headers come from a ``callcenter.clock.Clock``; by default a clock that runs
``speed`` times faster than the event loop's clock from the moment pbxsim starts, so a 60x run of
one simulated hour takes one real minute and its Timestamps still span an hour.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class ScaledClock:
    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than zero")
        self.speed = speed
        self._start = time.time() if start is None else start
        self._monotonic = _loop_clock()
        self._mono0 = self._monotonic()

    def time(self) -> float:
        return self._start + (self._monotonic() - self._mono0) * self.speed

    def now(self):  # type: ignore[no-untyped-def]
        import datetime as dt

        return dt.datetime.fromtimestamp(self.time(), dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


def _loop_clock() -> Callable[[], float]:
    """The running event loop's clock (the one ``asyncio.sleep`` counts in), else the monotonic
    clock: the same thing on an ordinary loop, and the loop's own time on one whose clock is
    virtual, so Timestamps and sleeps never disagree."""
    try:
        return asyncio.get_running_loop().time
    except RuntimeError:
        return time.monotonic
