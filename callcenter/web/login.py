"""Log in and out (by 工号 and password)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from callcenter.db.session import unit_of_work
from callcenter.web.auth import SESSION_KEY, User, audit, check_login, hotline_of
from callcenter.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect a fresh login to another host.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/reports"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request, user_id: Annotated[str, Form()], password: Annotated[str, Form()],
                next: Annotated[str | None, Form()] = None) -> Response:
    ctx = request.app.state.ctx

    def check() -> User | None:
        with unit_of_work(ctx.sessions) as session:
            user = check_login(session, hotline_of(request), user_id, password)
            if user is not None:
                audit(session, user, "login")
            return user

    user = await asyncio.to_thread(check)
    if user is None:
        return render(request, "login.html", status_code=401, next=_safe_next(next), error="bad_login")
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session for a fresh login
    request.session[SESSION_KEY] = user.id
    if lang:
        request.session["lang"] = lang
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.pop(SESSION_KEY, None)
    return RedirectResponse("/login", status_code=303)
