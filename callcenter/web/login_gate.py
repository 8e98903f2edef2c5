"""Login attempts refused before the application's routing (issue 12, item 3).

A flood of wrong passwords is mostly refused: too early for the 工号 or the address (429), or the
password checks busy (503). Those answers need neither the route table, nor FastAPI's dependency
solving and form parsing, which cost the event loop far more than the refusal itself; in the
all-in-one service that loop also answers Asterisk's greeting decision (R2). This layer sits
just inside the CSRF check (so a refusal still needs a same-origin post with the form's token)
and answers those two cases with the same page, status and audit as the route, which asks
again for whatever passes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from callcenter.web.csrf import FORM_TYPES, read_body, replay
from callcenter.web.login import MAX_ID_LENGTH, MAX_NEXT_LENGTH, refuse_early
from callcenter.web.scrypt import MAX_LENGTH


@dataclass(frozen=True)
class _Route:
    path: str  # what the metering labels requests by (metering.py)


LOGIN = _Route("/login")


class LoginGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != LOGIN.path
                or not _header(scope, b"content-type").startswith(FORM_TYPES)):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)  # bounded by the body limit, outside this layer
        receive = replay(body)
        fields = parse_qs(body.decode("utf-8", "replace"))
        user_id, password = _one(fields, "user_id"), _one(fields, "password")
        next = _one(fields, "next")
        if (user_id is None or password is None or len(user_id) > MAX_ID_LENGTH or len(password) > MAX_LENGTH
                or (next is not None and len(next) > MAX_NEXT_LENGTH)):
            await self.app(scope, receive, send)  # the route answers what it would have
            return
        refused = await refuse_early(Request(scope, receive), user_id, next)
        if refused is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = LOGIN
        await refused(scope, receive, send)


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[-1] if values else None  # as the form parser: the last of repeated fields


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""
