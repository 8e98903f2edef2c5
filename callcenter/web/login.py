"""Log in and out (by 工号 and password), throttled per 工号 and per address, every failure audited."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from callcenter.db.session import unit_of_work
from callcenter.web.auth import (
    SESSION_KEY,
    USER_KEY,
    User,
    audit,
    audit_anonymous,
    hotline_of,
    login_candidate,
)
from callcenter.web.busy_logins import BusyLogins, Counts
from callcenter.web.password_worker import WORKER, Busy
from callcenter.web.scrypt import MAX_LENGTH
from callcenter.web.sessions import end_session, start_session
from callcenter.web.templating import render
from callcenter.web.throttle import LoginThrottle

router = APIRouter()
MAX_ID_LENGTH = 32
MAX_NEXT_LENGTH = 2000
# A refused login is answered only after its wait (at most this long): a flooding client then
# waits too, instead of costing the event loop one refusal after another. Sleeping costs nothing;
# beyond TARPIT_MAX_HELD held answers the rest are refused at once (sockets are finite too).
TARPIT_SECONDS = 5.0
BUSY_TARPIT_SECONDS = 1.0
TARPIT_MAX_HELD = 256
_held = 0


async def _tarpit(seconds: float) -> None:
    global _held
    if _held >= TARPIT_MAX_HELD or seconds <= 0:
        return
    _held += 1
    try:
        # Up to half as long again, at random: held answers released together would come back
        # together, a burst that delays everyone else's requests.
        await asyncio.sleep(seconds * random.uniform(1.0, 1.5))
    finally:
        _held -= 1


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect a fresh login to another host.
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):  # browsers drop tabs and newlines: "/\t/evil" would be "//evil"
        return target[:2000]
    return "/reports"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> LoginThrottle:
    app_state = request.app.state
    if getattr(app_state, "login_throttle", None) is None:
        ctx = app_state.ctx
        app_state.login_throttle = LoginThrottle(ctx.settings.hotline.web, ctx.clock.time)
    return app_state.login_throttle  # type: ignore[no-any-return]


def busy_logins_of(request: Request) -> BusyLogins:
    app_state = request.app.state
    if getattr(app_state, "busy_logins", None) is None:
        ctx = app_state.ctx
        app_state.busy_logins = BusyLogins(lambda counts: _audit_busy(ctx, counts), ctx.clock.time)
    return app_state.busy_logins  # type: ignore[no-any-return]


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


def _login_form(request: Request, status: int, next: str | None, error: str, **values: Any) -> Response:
    headers = {"Retry-After": str(values["seconds"])} if "seconds" in values else {}
    response = render(request, "login.html", status_code=status, next=_safe_next(next), error=error,
                      error_values=values)
    response.headers.update(headers)
    return response


async def refuse_early(request: Request, user_id: str, next: str | None) -> Response | None:
    """The answers given before any look-up or password work: too early for this 工号 or address
    (429, no audit row per try), or the password checks busy (503, counted). None: go on."""
    throttle = throttle_of(request)
    keys = throttle.keys(user_id, client_address(request))
    wait = throttle.verdict(keys).wait_seconds
    if wait > 0:
        await _tarpit(min(wait, TARPIT_SECONDS))
        left = throttle.verdict(keys).wait_seconds
        return _login_form(request, 429, next, "login_wait", seconds=max(1, math.ceil(left)))
    if not WORKER.has_room():  # a flood's busy answers cost little
        return await _busy(request, user_id, next)
    return None


async def _busy(request: Request, user_id: str, next: str | None) -> Response:
    await busy_logins_of(request).refused(user_id, client_address(request))
    await _tarpit(BUSY_TARPIT_SECONDS)
    return _login_form(request, 503, next, "login_busy")


@router.post("/login")
async def login(request: Request, user_id: Annotated[str, Form(max_length=MAX_ID_LENGTH)],
                password: Annotated[str, Form(max_length=MAX_LENGTH)],
                next: Annotated[str | None, Form(max_length=MAX_NEXT_LENGTH)] = None) -> Response:
    ctx = request.app.state.ctx
    address = client_address(request)
    throttle = throttle_of(request)
    keys = throttle.keys(user_id, address)
    refused = await refuse_early(request, user_id, next)  # login_gate.py asked first; checked again
    if refused is not None:
        return refused

    def candidate() -> tuple[User | None, str | None]:
        with unit_of_work(ctx.sessions) as session:
            return login_candidate(session, hotline_of(request), user_id)

    try:
        user, stored = await asyncio.to_thread(candidate)
        ok = await WORKER.check(password, stored)  # unknown 工号: the dummy hash, same time
    except Busy:
        return await _busy(request, user_id, next)
    if not ok or user is None:
        locked = throttle.failed(keys)
        await asyncio.to_thread(_audit_failure, ctx, user_id, address, user is not None, locked)
        return _login_form(request, 401, next, "bad_login")
    throttle.succeeded(keys[0])

    def begin() -> str:
        with unit_of_work(ctx.sessions) as session:
            audit(session, user, "login", f"from {address}")
            return start_session(session, user.id, address, ctx.clock.now())

    token = await asyncio.to_thread(begin)
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session (and CSRF token) for a fresh login
    request.session.update({SESSION_KEY: token, USER_KEY: user.id})
    if lang:
        request.session["lang"] = lang
    return RedirectResponse(_safe_next(next), status_code=303)


def _audit_failure(ctx: Any, typed: str, address: str, known: bool, locked: bool) -> None:
    with unit_of_work(ctx.sessions) as session:
        audit_anonymous(session, typed.strip(), "login_failed",
                        f"from {address}: {'wrong password' if known else 'unknown or disabled 工号'}")
        if locked:
            audit_anonymous(session, typed.strip(), "login_locked", f"from {address}: too many failures")


def _audit_busy(ctx: Any, counts: Counts) -> None:
    with unit_of_work(ctx.sessions) as session:
        for (typed, address), count in counts.items():
            audit_anonymous(session, typed, "login_busy",
                            f"from {address}: {count} refused unchecked, the password checks were busy")


@router.post("/logout")
def logout(request: Request) -> Response:
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        ctx = request.app.state.ctx
        with unit_of_work(ctx.sessions) as session:
            end_session(session, token)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)
