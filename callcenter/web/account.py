"""Own password change (everyone) and the supervisors' account page: reset an agent's password,
disable or enable an account. Each ends the account's sessions and is audited (R17)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from callcenter.db.models.web import WebUser
from callcenter.db.session import unit_of_work
from callcenter.web.auth import SESSION_KEY, CurrentUser, Supervisor, User, audit, hotline_of, login_candidate
from callcenter.web.login import client_address
from callcenter.web.password_worker import WORKER, Busy
from callcenter.web.passwords import check_new_password, set_password_hash
from callcenter.web.scrypt import MAX_LENGTH
from callcenter.web.sessions import end_sessions_of, start_session
from callcenter.web.templating import render

router = APIRouter(prefix="/account")


@router.get("/password")
def password_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "account_password.html", user=user, error=None, done=False)


@router.post("/password")
async def change_password(request: Request, user: CurrentUser,
                          current: Annotated[str, Form(max_length=MAX_LENGTH)],
                          new: Annotated[str, Form(max_length=MAX_LENGTH)],
                          repeat: Annotated[str, Form(max_length=MAX_LENGTH)]) -> Response:
    ctx = request.app.state.ctx

    def stored() -> str | None:
        with unit_of_work(ctx.sessions) as session:
            return login_candidate(session, hotline_of(request), user.id)[1]

    def page(status: int, error: str | None, detail: str | None = None) -> Response:
        return render(request, "account_password.html", status_code=status, user=user, error=error,
                      detail=detail, done=error is None)

    try:
        if not await WORKER.check(current, await asyncio.to_thread(stored)):
            return page(400, "wrong_current")
    except Busy:
        return page(503, "login_busy")
    if new != repeat:
        return page(400, "passwords_differ")
    if (problem := check_new_password(new)) is not None:
        return page(400, "detail", problem)
    new_hash = await WORKER.hash(new)
    address = client_address(request)

    def save() -> str:
        with unit_of_work(ctx.sessions) as session:
            set_password_hash(session, user.id, new_hash)
            ended = end_sessions_of(session, user.id)
            audit(session, user, "password_change", f"from {address}; {ended} session(s) ended")
            return start_session(session, user.id, address, ctx.clock.now())

    request.session[SESSION_KEY] = await asyncio.to_thread(save)  # this browser stays logged in
    return page(200, None)


def _accounts(request: Request) -> list[dict[str, Any]]:
    hotline = hotline_of(request)
    with unit_of_work(request.app.state.ctx.sessions) as session:
        disabled = set(session.scalars(select(WebUser.id).where(WebUser.disabled.is_(True))))
    return [{"id": a.id, "name": a.name, "role": a.role,
             "disabled": a.id in disabled} for a in hotline.agents]


@router.get("/users")
def users_page(request: Request, user: Supervisor) -> Response:
    return render(request, "account_users.html", user=user, accounts=_accounts(request), message=None)


def _target(request: Request, user: User, agent_id: str) -> Any:
    agent = hotline_of(request).agent(agent_id)
    if agent is None:
        raise HTTPException(404, f"没有工号 {agent_id[:16]} / no account {agent_id[:16]}")
    if agent.role != "agent" or agent.id == user.id:
        raise HTTPException(403, "只能管理坐席账号 / only agents' accounts are managed here")
    return agent


@router.post("/users/{agent_id}/reset")
async def reset(request: Request, agent_id: str, user: Supervisor) -> Response:
    agent = _target(request, user, agent_id)
    password = secrets.token_urlsafe(9)
    new_hash = await WORKER.hash(password)
    ctx = request.app.state.ctx

    def save() -> None:
        with unit_of_work(ctx.sessions) as session:
            set_password_hash(session, agent.id, new_hash)
            ended = end_sessions_of(session, agent.id)
            audit(session, user, "password_reset", f"for {agent.id}; {ended} session(s) ended")

    await asyncio.to_thread(save)
    return render(request, "account_users.html", user=user, accounts=_accounts(request),
                  message=("new_password_for", {"who": f"{agent.id} {agent.name}"}), password=password)


@router.post("/users/{agent_id}/{change}")
def enable_or_disable(request: Request, agent_id: str, change: Literal["disable", "enable"],
                      user: Supervisor) -> Response:
    agent = _target(request, user, agent_id)
    with unit_of_work(request.app.state.ctx.sessions) as session:
        account = session.get(WebUser, agent.id)
        if account is None:
            raise HTTPException(404, f"{agent.id} 还没有登录账号 / {agent.id} has no account yet")
        account.disabled = change == "disable"
        ended = end_sessions_of(session, agent.id) if account.disabled else 0
        audit(session, user, f"account_{change}", f"{agent.id}; {ended} session(s) ended")
    key = "account_disabled" if change == "disable" else "account_enabled"
    return render(request, "account_users.html", user=user, accounts=_accounts(request),
                  message=(key, {"who": f"{agent.id} {agent.name}"}))


