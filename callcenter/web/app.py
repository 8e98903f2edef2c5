"""The web application (C7): ``create_app(ctx)``. Other areas add their routers to ``ROUTERS``."""

from __future__ import annotations

import asyncio
import importlib
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from callcenter.web import errors
from callcenter.web.auth import NotAuthenticated
from callcenter.web.csrf import CsrfMiddleware
from callcenter.web.headers import SecurityHeadersMiddleware
from callcenter.web.limits import BodyLimitMiddleware, InputGuardMiddleware, LiveLimitMiddleware
from callcenter.web.live import LiveBoard
from callcenter.web.login_gate import LoginGate
from callcenter.web.metering import MeteringMiddleware

# "module:router", included in this order.
ROUTERS: list[str] = [
    "callcenter.web.login:router",
    "callcenter.web.account:router",
    "callcenter.web.pages:router",
    "callcenter.web.calls:router",
    "callcenter.web.exports:router",
    "callcenter.web.api:router",
    "callcenter.web.listen_in:router",
    "callcenter.web.spot_checks:router",
    "callcenter.web.followups:router",
    "callcenter.web.wallboard:router",
    "callcenter.web.desk:router",
    "callcenter.web.desk_tickets:router",
]
STATIC = Path(__file__).with_name("static")


def session_secret(var_dir: Path, env: dict[str, str] | None = None) -> str:
    """CALLCENTER_WEB_SECRET, else a random key kept in <var>/web-session.key (0600)."""
    env = dict(os.environ) if env is None else env
    if env.get("CALLCENTER_WEB_SECRET"):
        return env["CALLCENTER_WEB_SECRET"]
    path = var_dir / "web-session.key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


async def _login_required(request: Request, exc: Exception) -> Response:
    if errors.wants_json(request):
        return errors.problem(request, 401, "login required")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def create_app(ctx: Any) -> FastAPI:
    app = FastAPI(title="callcenter", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.state.live = ctx.extras.get("web_live") or LiveBoard(ctx)
    app.state.closing = asyncio.Event()  # set at stop: open live streams end (web/streams.py)
    ctx.extras["web_live"] = app.state.live
    web = ctx.settings.hotline.web
    # Outermost last: headers on everything, bodies bounded before anything reads them, the
    # session read before the live-stream limits and the CSRF check that need it.
    app.add_middleware(LoginGate)  # innermost: a throttled or busy login refused before routing
    app.add_middleware(CsrfMiddleware, refuse=errors.problem)
    app.add_middleware(LiveLimitMiddleware, per_user=web.live_connections_per_user,
                       total=web.live_connections_total)
    # The cookie only carries the session's token; the server decides when a session ends
    # (sessions.py). "__Host-" keeps other hosts and plain-http pages from setting it (TLS only).
    app.add_middleware(SessionMiddleware, secret_key=session_secret(ctx.settings.var_dir),
                       session_cookie=("__Host-callcenter_session" if web.secure_cookies
                                       else "callcenter_session"),
                       max_age=web.session_max_hours * 3600, same_site="lax", https_only=web.secure_cookies)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(InputGuardMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, tls=web.secure_cookies)
    app.add_middleware(MeteringMiddleware)  # outermost: every answer is counted, refusals too
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    errors.install(app)
    app.add_exception_handler(NotAuthenticated, _login_required)
    for path in ROUTERS:
        module, _, name = path.partition(":")
        app.include_router(getattr(importlib.import_module(module), name))
    return app
