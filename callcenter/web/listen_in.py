"""``POST /api/calls/{linkedid}/spy``: a supervisor's phone joins a live call to listen, whisper
or barge in (agents/listen_in.py). Supervisors only, CSRF-checked like every post, audited with
who, what and when, whether Asterisk took it or not (R17)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from callcenter.agents.listen_in import ListenInError, listen_in
from callcenter.ami.actions import AmiActionError
from callcenter.calls.spying import SpyMode
from callcenter.db.session import unit_of_work
from callcenter.web.auth import Supervisor, User, audit
from callcenter.web.common import ctx_of

router = APIRouter(prefix="/api")
AUDIT_ACTION = "listen_in"


class SpyRequest(BaseModel):
    mode: SpyMode = "listen"


def _audit(request: Request, user: User, detail: str) -> None:
    with unit_of_work(ctx_of(request).sessions) as session:
        audit(session, user, AUDIT_ACTION, detail)


@router.post("/calls/{linkedid}/spy")
async def spy_on_call(request: Request, linkedid: str, body: SpyRequest, user: Supervisor) -> dict[str, Any]:
    ctx = ctx_of(request)
    hotline = ctx.settings.hotline
    shown = linkedid[:64]
    try:
        started = await listen_in(hotline, getattr(ctx, "tracker", None), getattr(ctx, "actions", None),
                                  user.id, linkedid, body.mode)
    except ListenInError as exc:
        if exc.status == 403:
            await asyncio.to_thread(_audit, request, user, f"refused {body.mode} call {shown}: {exc}")
        raise HTTPException(exc.status, str(exc)) from None
    except AmiActionError as exc:
        await asyncio.to_thread(_audit, request, user, f"failed {body.mode} call {shown}: {exc}")
        raise HTTPException(502, f"电话交换机未接受 / Asterisk did not take it: {exc}") from None
    await asyncio.to_thread(
        _audit, request, user,
        f"{started.mode} call {shown} agent {started.agent_id or '-'} ({started.agent_channel}) "
        f"from phone {started.supervisor_extension}, action {started.action_id}")
    return started.as_dict()
