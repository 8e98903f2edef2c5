"""Bounds on what one client can hold: request bodies, and open live streams (server-sent
events) per user and in total (``[web] live_connections_per_user`` / ``_total``)."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 256 * 1024  # the largest legitimate post (a ticket with every field) is a few KB
LIVE_PATHS = ("/wallboard/events", "/desk/events")


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    from callcenter.web.errors import problem

    response = problem(Request(scope, receive), status, detail)
    await response(scope, receive, send)


def _has_nul(data: bytes, url_encoded: bool = True) -> bool:
    # Raw, URL-encoded and JSON-escaped: no text of this application holds a NUL, and
    # PostgreSQL refuses one in any string.
    return b"\x00" in data or (url_encoded and b"%00" in data) or b"\\u0000" in data.lower()


class InputGuardMiddleware:
    """Refuses a NUL anywhere in the address (400 with words, before any route sees it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
            if _has_nul(raw) or _has_nul(scope.get("query_string", b"")) or "\x00" in scope["path"]:
                await _refuse(scope, receive, send, 400, "the address contains a NUL character")
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Reads a request body whole, refusing it (413) past ``MAX_BODY_BYTES``, then replays it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_big = f"request body over {self.limit // 1024} KB"
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await _refuse(scope, receive, send, 413, too_big)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await _refuse(scope, receive, send, 413, too_big)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        form = dict(scope["headers"]).get(b"content-type",
                                          b"").startswith(b"application/x-www-form-urlencoded")
        if _has_nul(body, url_encoded=form):
            await _refuse(scope, receive, send, 400,
                          "the request contains a NUL character, which no field accepts")
            return
        done = False

        async def replay() -> Message:
            nonlocal done
            if done:
                return await receive()
            done = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class LiveLimitMiddleware:
    """Counts open live streams; one agent cannot hold the server's file descriptors."""

    def __init__(self, app: ASGIApp, per_user: int, total: int) -> None:
        self.app = app
        self.per_user = per_user
        self.total = total
        self.open: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from callcenter.web.auth import USER_KEY

        user = scope.get("session", {}).get(USER_KEY) if scope["type"] == "http" else None
        if not isinstance(user, str) or scope["path"] not in LIVE_PATHS:
            await self.app(scope, receive, send)
            return
        if self.open[user] >= self.per_user:
            await _refuse(scope, receive, send, 429,
                          f"at most {self.per_user} live pages open per user; close some")
            return
        if sum(self.open.values()) >= self.total:
            await _refuse(scope, receive, send, 503, "too many live pages open; try again later")
            return
        self.open[user] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open[user] -= 1
            if self.open[user] <= 0:
                del self.open[user]
