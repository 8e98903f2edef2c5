"""Small asyncio helpers shared by the long-running components."""

from __future__ import annotations

import asyncio
import contextlib
import sys

SWITCH_INTERVAL_S = 0.001


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has really ended, so stop() leaves nothing running."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def favour_the_event_loop() -> None:
    """CPython lets a busy thread keep the GIL for 5 ms before handing it over; the event loop
    must not wait that long behind a batch insert or a page's query while an answer needs its
    greeting (R2). Process-wide: whichever component starts first sets it."""
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
