"""CSRF protection for every state-changing request (OWASP: synchronizer token + origin check).

Each browser session holds a random token (a pre-session one for the login form, a fresh one
from login on). Forms send it as the ``csrf_token`` field, scripts as the ``X-CSRF-Token``
header. Independently, a request whose ``Origin`` (or, without it, ``Referer``) names another
origin, or that the browser marks cross-site, is refused: a page on another port of the same
host is same-site for cookies but another origin, and must not act with the user's cookie.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded",)


def csrf_token(request: Request) -> str:
    """The session's token, made on first use."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def origin_refusal(request: Request) -> str | None:
    """Why the request's origin is not this site's, or None."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"cross-origin request (Sec-Fetch-Site: {site[:20]})"
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin is not None:
        return None if urlsplit(origin).netloc == host and origin != "null" else "request from another origin"
    referer = request.headers.get("referer")
    if referer is not None and urlsplit(referer).netloc != host:
        return "request from another origin"
    return None


def replay(body: bytes) -> Receive:
    """A ``receive`` that hands the already-read body on to the next layer."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def read_body(receive: Receive) -> bytes:
    # The body is already bounded by the size limit (limits.py), which runs before this.
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


# Renders the refusal (web/errors.py's problem, passed in by the app: the templates that render it
# ask this module for the token, so it cannot import them).
Refusal = Callable[[Request, int, str], Response]


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, refuse: Refusal) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        why = origin_refusal(request)
        if why is None:
            sent = request.headers.get(HEADER)
            if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
                body = await read_body(receive)
                receive = replay(body)
                sent = parse_qs(body.decode("utf-8", "replace")).get(FIELD, [None])[0]
            expected = scope.get("session", {}).get(CSRF_KEY)
            if not (isinstance(expected, str) and isinstance(sent, str)
                    and hmac.compare_digest(expected.encode(), sent.encode())):
                why = "the form's security token is missing or out of date; reload the page and try again"
        if why is not None:
            response = self.refuse(Request(scope, receive), 403, f"CSRF: {why}")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
