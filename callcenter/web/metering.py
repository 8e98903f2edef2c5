"""Counts every web request into ``callcenter_web_requests`` by its route's template (``/calls/{call_id}``,
never the path itself: no caller data or ids in metric labels) and the status it got."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callcenter.observability.metrics import WEB_REQUESTS, WEB_SECONDS


class MeteringMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _template(scope.get("route"))
            WEB_REQUESTS.labels(scope.get("method", "?"), route, str(status)).inc()
            WEB_SECONDS.labels(route).observe(time.perf_counter() - started)


def _template(route: Any) -> str:
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
