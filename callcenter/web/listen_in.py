"""``POST /api/calls/{linkedid}/spy``: a supervisor's phone joins a live call to listen, whisper
or barge in (agents/listen_in.py). Supervisors only, CSRF-checked like every post, audited with
who, what and when, whether Asterisk took it or not, and then whether the phone answered
(Asterisk's OriginateResponse) (R17)."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from callcenter.agents.desk import DeskError, NotFound
from callcenter.agents.listen_in import NO_SUCH_CALL, ListenIn, listen_in, listening_supervisor
from callcenter.agents.phone_requests import LINKEDID_MAX
from callcenter.ami.actions import AmiActionError
from callcenter.calls.model import OriginateResult
from callcenter.calls.spying import SpyMode
from callcenter.db.session import unit_of_work
from callcenter.web.auth import Supervisor, User, audit
from callcenter.web.common import ctx_of
from callcenter.words.catalogue import gettext

router = APIRouter(prefix="/api")
AUDIT_ACTION = "listen_in"
EARLY_KEPT = 64


def listen_in_words(lang: str) -> dict[str, str]:
    """What static/listen_in.js writes on the wallboard (``%(phone)s`` and ``%(mode)s`` filled there)."""
    return {
        "listen": gettext(lang, "listen_in.listen"), "whisper": gettext(lang, "listen_in.whisper"),
        "barge": gettext(lang, "listen_in.barge"), "listen_hint": gettext(lang, "listen_in.listen_hint"),
        "whisper_hint": gettext(lang, "listen_in.whisper_hint"),
        "barge_hint": gettext(lang, "listen_in.barge_hint"), "calling": gettext(lang, "listen_in.calling"),
        "ringing": gettext(lang, "listen_in.ringing"),
        "refused": gettext(lang, "listen_in.refused"), "no_answer": gettext(lang, "listen_in.no_answer"),
    }


class SpyRequest(BaseModel):
    mode: SpyMode = "listen"


def _audit(request: Request, user: User, detail: str, action: str = AUDIT_ACTION) -> None:
    with unit_of_work(ctx_of(request).sessions) as session:
        audit(session, user, action, detail)


class Outcomes:
    """Writes whether each listen-in's phone answered, when Asterisk says (OriginateResult)."""

    def __init__(self, ctx: Any) -> None:
        self.sessions = ctx.sessions
        self.pending: dict[str, tuple[User, str]] = {}  # ActionID → who, which call
        # Answers that came before their ActionID was noted (a phone refused at once); other
        # Originates' answers pass through here too, so only the latest few are kept.
        self.early: collections.OrderedDict[str, OriginateResult] = collections.OrderedDict()
        ctx.bus.subscribe(OriginateResult, self.on_result, name="web:listen_in")

    async def expect(self, action_id: str, user: User, call: str) -> None:
        self.pending[action_id] = (user, call)
        early = self.early.pop(action_id, None)
        if early is not None:
            await self.on_result(early)

    @classmethod
    def of(cls, ctx: Any) -> Outcomes:
        outcomes = ctx.extras.get("listen_in_outcomes")
        if outcomes is None:
            outcomes = ctx.extras["listen_in_outcomes"] = cls(ctx)
        return outcomes  # type: ignore[no-any-return]

    async def on_result(self, message: OriginateResult) -> None:
        asked = self.pending.pop(message.action_id, None)
        if asked is None:
            self.early[message.action_id] = message
            while len(self.early) > EARLY_KEPT:
                self.early.popitem(last=False)
            return
        user, call = asked
        outcome = "answered" if message.success else f"not answered (reason {message.reason})"
        await asyncio.to_thread(self._write, user, f"{call}: phone {outcome}")

    def _write(self, user: User, detail: str) -> None:
        with unit_of_work(self.sessions) as session:
            audit(session, user, f"{AUDIT_ACTION}_result", detail)


@router.post("/calls/{linkedid}/spy")
async def spy_on_call(request: Request, linkedid: str, body: SpyRequest, user: Supervisor) -> dict[str, Any]:
    ctx = ctx_of(request)
    hotline = ctx.settings.hotline
    shown = linkedid[:64]
    outcomes = Outcomes.of(ctx)  # listening before the Originate goes out: its answer cannot be missed
    tracker = getattr(ctx, "tracker", None)
    agents = ctx.extras.get("agents")
    relayed = getattr(agents, "relayed", None) if tracker is None else None
    started: ListenIn
    try:
        if relayed is not None:  # a web front end run apart: the tracker that follows the call does it
            supervisor = listening_supervisor(hotline, user.id, body.mode)
            if len(linkedid) > LINKEDID_MAX:
                raise NotFound(NO_SUCH_CALL)
            started = await relayed.listen_in(supervisor, linkedid, body.mode)
        else:
            started = await listen_in(hotline, tracker, getattr(ctx, "actions", None), user.id, linkedid,
                                      body.mode)
    except DeskError as exc:
        if exc.status == 403:
            await asyncio.to_thread(_audit, request, user, f"refused {body.mode} call {shown}: {exc}")
        raise HTTPException(exc.status, str(exc)) from None
    except AmiActionError as exc:
        await asyncio.to_thread(_audit, request, user, f"failed {body.mode} call {shown}: {exc}")
        raise HTTPException(502, f"电话交换机未接受 / Asterisk did not take it: {exc}") from None
    await outcomes.expect(started.action_id, user, f"{started.mode} call {shown}")
    await asyncio.to_thread(
        _audit, request, user,
        f"{started.mode} call {shown} agent {started.agent_id or '-'} ({started.agent_channel}) "
        f"from phone {started.supervisor_extension}, action {started.action_id}")
    return started.as_dict()
