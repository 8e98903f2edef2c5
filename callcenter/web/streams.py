"""Live streams end with their session: an open wallboard or desk stops streaming within
``RECHECK_SECONDS`` of a logout elsewhere, a password change or reset, a disabled account or a
timeout. (An open live page counts as use for the idle timeout; the absolute one still ends it.)
They also end when the web front end stops (``app.state.closing``), so that its server closes
them cleanly instead of cancelling them when its grace period runs out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from starlette.requests import Request

from callcenter.db.session import unit_of_work
from callcenter.web.auth import SESSION_KEY
from callcenter.web.sessions import session_user

T = TypeVar("T")
RECHECK_SECONDS = 30.0
_DONE = object()


def _alive(ctx: Any, token: str, user_id: str) -> bool:
    with unit_of_work(ctx.sessions) as session:
        return session_user(session, token, ctx.clock.now(), ctx.settings.hotline.web) == user_id


async def _next(queue: asyncio.Queue[object], closing: asyncio.Event | None, timeout: float) -> object:
    """The stream's next item; None when ``timeout`` passes first; the end once the web front end
    is stopping."""
    if closing is not None and closing.is_set():
        return _DONE
    getter = asyncio.ensure_future(queue.get())
    stopper = asyncio.ensure_future(closing.wait()) if closing is not None else None
    try:
        await asyncio.wait({getter, *([stopper] if stopper else [])}, timeout=timeout,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stopper is not None:
            stopper.cancel()
        if not getter.done():
            getter.cancel()  # an item not taken stays in the queue
    if getter.done() and not getter.cancelled():
        return getter.result()
    return _DONE if closing is not None and closing.is_set() else None


async def while_signed_in(request: Request, user_id: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
    """``events`` passed on until the viewer's session ends (checked at least every RECHECK_SECONDS,
    also while nothing happens) or the web front end stops."""
    ctx, token = request.app.state.ctx, request.session.get(SESSION_KEY)
    closing: asyncio.Event | None = getattr(request.app.state, "closing", None)
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        async for event in events:
            await queue.put(event)
        await queue.put(_DONE)

    task = asyncio.create_task(pump(), name="web:live-stream")
    loop = asyncio.get_running_loop()
    checked = loop.time()
    try:
        while True:
            wait = max(0.0, checked + RECHECK_SECONDS - loop.time())
            item = await _next(queue, closing, wait)
            if loop.time() - checked >= RECHECK_SECONDS:
                if not isinstance(token, str) or not await asyncio.to_thread(_alive, ctx, token, user_id):
                    return
                checked = loop.time()
            if item is _DONE:
                return
            if item is not None:
                yield item  # type: ignore[misc]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        aclose = getattr(events, "aclose", None)
        if aclose is not None:  # the source's own clean-up (e.g. leaving the wallboard's clients)
            with contextlib.suppress(RuntimeError):
                await aclose()
