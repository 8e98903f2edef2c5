"""Run a coroutine on an event loop whose clock is virtual: when nothing is ready to run and no
socket has data, the clock jumps straight to the next timer instead of waiting for it.

pbxsim keeps its time with ``asyncio.sleep`` and the running loop's clock
(``callcenter.pbxsim.timebase``), so a scenario on this loop takes no wall time and, above all,
its Timestamps, ring and talk times are exactly what the scenario says, however busy the machine:
a test can compare them with no margin for scheduling delays (habit 13: never sleep in tests).

It holds for peers that all live in this loop and talk over loopback (pbxsim's AMI server, the
listener, a FastAGI server): a loopback write is readable by the time ``send`` returns. While
work runs in an executor thread, or inside ``on_the_wall_clock()`` (a thread of its own, such as
the call writer's), the clock follows the wall clock, so no timer fires early because a thread
has not finished yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import selectors
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Executor
from typing import Any, TypeVar, TypeVarTuple

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(0)
        loop = self.loop
        if ready or timeout == 0 or loop is None:
            return ready
        if timeout is None or loop.threads_running:
            # Only I/O (or a thread's result) can move things on: wait for it on the wall clock.
            started = time.monotonic()
            ready = super().select(timeout)
            loop.advance(time.monotonic() - started)
            return ready
        loop.advance(timeout)  # idle until the next timer: go there at once
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self._now = time.monotonic()
        self.threads_running = 0

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += max(0.0, seconds)

    def run_in_executor(self, executor: Executor | None, func: Callable[[*Ts], T],
                        *args: *Ts) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self.threads_running += 1
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, _future: asyncio.Future[Any]) -> None:
        self.threads_running -= 1


@contextlib.contextmanager
def on_the_wall_clock() -> Iterator[None]:
    """Within this block the clock follows the wall clock: for waiting on a thread of the code
    under test (the call writer's) that the loop cannot see."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, VirtualTimeLoop):
        yield
        return
    loop.threads_running += 1
    try:
        yield
    finally:
        loop.threads_running -= 1


def run_in_virtual_time(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a VirtualTimeLoop."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main)


def in_virtual_time(test: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Decorate an async test so it runs on a VirtualTimeLoop (its fixtures stay as they are)."""
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> T:
        return run_in_virtual_time(test(*args, **kwargs))
    return run
