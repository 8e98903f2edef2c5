"""The agent's desk: one page with the softphone state, the screen pop, tickets, callbacks, click
to call and the agent's own quality (R2, R4, R14, R15, R17).

Live updates arrive over server-sent events from the agents component's hub; actions are plain
JSON posts. An agent reaches only their own desk; a supervisor may open any agent's desk
(``?agent=101``) and act for them, and the audit names both.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field, model_validator
from sse_starlette import EventSourceResponse

from callcenter.agents import desk as core
from callcenter.agents.desk import Actor, DeskError, Forbidden, NotFound
from callcenter.agents.desk_texts import desk_translator, desk_words
from callcenter.agents.hub import DeskEvent
from callcenter.agents.quality import own_quality
from callcenter.agents.roster import departments_of, queues_of
from callcenter.agents.states import PAUSE_REASONS
from callcenter.agents.ticket_work import ticket_change, ticket_changed
from callcenter.agents.tickets import PHONE_FIELDS, agent_tickets, as_view, may_see, ticket_view
from callcenter.callbacks.service import CallbackError, due_for, run_now
from callcenter.db.models.callbacks import Callback
from callcenter.db.session import unit_of_work
from callcenter.errors import CallcenterError
from callcenter.privacy import mask_text
from callcenter.reports.measures import Thresholds
from callcenter.tickets.service import TicketError
from callcenter.web.auth import User, current_user, mask_phone, user_from_hotline
from callcenter.web.common import is_db_id
from callcenter.web.i18n import lang_of
from callcenter.web.streams import while_signed_in
from callcenter.web.templating import render

router = APIRouter(prefix="/desk", tags=["desk"])
KEEPALIVE_SECONDS = 15


def actor(user: Annotated[User, Depends(current_user)]) -> Actor:
    return Actor(id=user.id, role=user.role, name=user.name)


Who = Annotated[Actor, Depends(actor)]


def _ctx(request: Request) -> Any:
    return request.app.state.ctx


def _agents(request: Request) -> Any:
    component = _ctx(request).extras.get("agents")
    if component is None:
        raise HTTPException(503, "坐席服务未启动 / the desk service is not running")
    return component


# Words heard live (issue 17): numbers in them masked like a transcript's (R17).
TEXT_FIELDS = ("text", "words")


def mask_for(who: Actor, data: Any) -> Any:
    """R17: agents see masked numbers; supervisors see them whole."""
    if who.is_supervisor:
        return data
    if isinstance(data, dict):
        # a draft difference on a number ({"field": "phone", "ticket": …, "draft": …}) too
        hidden = PHONE_FIELDS + (("ticket", "draft") if data.get("field") in PHONE_FIELDS else ())
        return {k: (mask_phone(v) if k in hidden and isinstance(v, str)
                    else mask_text(v) if k in TEXT_FIELDS and isinstance(v, str) else mask_for(who, v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [mask_for(who, v) for v in data]
    return data


def _error(exc: DeskError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


def _target(request: Request, who: Actor, agent: str | None) -> Any:
    try:
        return core.desk_agent(_ctx(request).settings.hotline, who, agent)
    except DeskError as exc:
        raise HTTPException(exc.status, str(exc)) from None


@router.get("", response_class=HTMLResponse)
async def desk_page(request: Request, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    hotline = _ctx(request).settings.hotline
    return render(
        request, "desk/desk.html", user=user_from_hotline(hotline, who.id),
        d=desk_translator(lang_of(request)),
        words={**desk_words(lang_of(request)), "queue": {d.queue: d.name for d in hotline.departments}},
        agent=target, acting_for=target.id != who.id, queues=queues_of(hotline, target.id),
        reasons=PAUSE_REASONS,
        departments=hotline.departments, ring_cycle=hotline.rules.ring_cycle_seconds,
        rule_rings=hotline.rules.rule_rings, timezone=hotline.centre.timezone,
        transfer_targets=[a for a in hotline.agents if a.id != target.id],
    )


async def _stream(component: Any, agent_id: str, who: Actor) -> AsyncIterator[dict[str, str]]:
    # Snapshot first (the state as last heard from Asterisk), then the updates (habit 8).
    yield {"event": "state", "data": DeskEvent("state", component.states.status(agent_id).as_dict()).encode()}
    async for event in component.hub.subscribe(agent_id):
        yield {"event": event.kind, "data": DeskEvent(event.kind, mask_for(who, event.data)).encode()}


@router.get("/events")
async def desk_events(request: Request, who: Who, agent: str | None = None) -> EventSourceResponse:
    target = _target(request, who, agent)
    events = while_signed_in(request, who.id, _stream(_agents(request), target.id, who))
    return EventSourceResponse(events, ping=KEEPALIVE_SECONDS)


@router.get("/api/state")
async def get_state(request: Request, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    return _agents(request).states.status(target.id).as_dict()


class StateChange(BaseModel):
    action: str = Field(pattern="^(log_in|log_out|pause|resume)$")
    reason: str | None = Field(None, max_length=64)


@router.post("/api/state")
async def change_state(request: Request, body: StateChange, who: Who,
                       agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    component = _agents(request)
    states = component.states
    runs = {"log_in": lambda: states.log_in(target.id), "log_out": lambda: states.log_out(target.id),
            "pause": lambda: states.pause(target.id, body.reason or ""),
            "resume": lambda: states.resume(target.id)}
    try:
        await core.perform(_ctx(request).sessions, who, target.id, body.action, {"reason": body.reason},
                           runs[body.action])
    except DeskError as exc:
        return _error(exc)
    except CallcenterError as exc:
        return _error(DeskError(str(exc)))
    return {"sent": body.action, "state": states.status(target.id).as_dict()}


@router.get("/api/quality")
async def quality(request: Request, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    ctx = _ctx(request)

    def read() -> dict[str, Any]:
        with unit_of_work(ctx.sessions) as session:
            hotline = ctx.settings.hotline
            return own_quality(session, target.id, ctx.clock.now(), hotline.centre.timezone,
                               Thresholds.from_rules(hotline.rules))

    return await asyncio.to_thread(read)


@router.get("/api/audit")
async def audit_trail(request: Request, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    return await asyncio.to_thread(core.recent_actions, _ctx(request).sessions, target.id)


def callback_view(callback: Callback) -> dict[str, Any]:
    return {"id": callback.id, "ticket_id": callback.ticket_id, "caller": callback.caller,
            "owner": callback.owner,
            "department": callback.department, "reason": callback.reason, "status": callback.status,
            "attempts": callback.attempts,
            "due_at": callback.due_at.isoformat() if callback.due_at else None}


def departments_for(request: Request, agent_id: str) -> list[str]:
    return departments_of(_ctx(request).settings.hotline, agent_id)


def today(request: Request) -> dt.datetime:
    return _ctx(request).clock.now()  # type: ignore[no-any-return]


# --- tickets, callbacks and click to call ------------------------------------------------------


def _read(request: Request, work: Any) -> Any:
    def run() -> Any:
        with unit_of_work(_ctx(request).sessions) as session:
            return work(session)

    return asyncio.to_thread(run)


@router.get("/api/tickets")
async def my_tickets(request: Request, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    rows = await _read(request, lambda s: agent_tickets(s, target.id))
    return mask_for(who, rows)


async def _visible_ticket(request: Request, who: Actor, target: Any, ticket_id: int) -> dict[str, Any]:
    view = await _read(request, lambda s: ticket_view(s, ticket_id)) if is_db_id(ticket_id) else None
    if view is None:
        raise HTTPException(404, f"没有编号为 {ticket_id} 的工单 / no ticket {ticket_id}")
    if not who.is_supervisor and not may_see(view, target.id, departments_for(request, target.id)):
        raise HTTPException(403, "这不是您的工单 / not your ticket (R17)")
    return view  # type: ignore[no-any-return]


@router.get("/api/tickets/{ticket_id}")
async def one_ticket(request: Request, ticket_id: int, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    return mask_for(who, await _visible_ticket(request, who, target, ticket_id))


@router.get("/api/callbacks")
async def my_callbacks(request: Request, who: Who, agent: str | None = None) -> Any:
    target = _target(request, who, agent)
    departments = departments_for(request, target.id)
    now = today(request)
    rows = await _read(request, lambda s: [callback_view(c) for c in due_for(
        s, target.id, now, departments=departments, include_upcoming=True)])
    return mask_for(who, rows)


class CallRequest(BaseModel):
    ticket_id: int | None = None
    callback_id: int | None = None


@router.post("/api/call")
async def click_to_call(request: Request, body: CallRequest, who: Who,
                        agent: str | None = None) -> Any:
    """Agent first: the agent's phone rings, then Asterisk dials the customer (tracked like any
    other call; the OriginateResponse comes back on the desk's event stream)."""
    target = _target(request, who, agent)
    component = _agents(request)
    if body.callback_id is not None:
        return await _run_callback(request, who, target, body.callback_id)
    if body.ticket_id is None:
        return _error(DeskError("请选择工单或回访 / choose a ticket or a callback"))
    ticket = await _visible_ticket(request, who, target, body.ticket_id)
    number = ticket.get("phone") or ticket.get("caller") or ""

    async def run() -> str:
        return await component.call_for_ticket(target, number, body.ticket_id)  # type: ignore[no-any-return]

    try:
        action_id = await core.perform(_ctx(request).sessions, who, target.id, "originate",
                                       {"ticket_id": body.ticket_id}, run)
    except DeskError as exc:
        return _error(exc)
    return {"action_id": action_id, "ticket_id": body.ticket_id}


async def _run_callback(request: Request, who: Actor, target: Any, callback_id: int) -> Any:
    """A callback is placed by the callbacks area (its attempts and outcome stay on record, R22)."""
    now = today(request)

    def work() -> dict[str, Any]:
        with unit_of_work(_ctx(request).sessions) as session:
            callback = session.get(Callback, callback_id) if is_db_id(callback_id) else None
            if callback is None:
                raise NotFound(f"没有编号为 {callback_id} 的回访 / no callback {callback_id}")
            mine = callback.owner == target.id or (
                callback.owner is None and callback.department in departments_for(request, target.id))
            if not (mine or who.is_supervisor):
                raise Forbidden("这不是您的回访 / not your callback (R17)")
            return callback_view(run_now(session, callback_id, now, by=who.id))

    async def run() -> dict[str, Any]:
        try:
            return await asyncio.to_thread(work)
        except CallbackError as exc:
            raise DeskError(str(exc)) from None

    try:
        view = await core.perform(_ctx(request).sessions, who, target.id, "callback_now",
                                  {"callback_id": callback_id}, run)
    except DeskError as exc:
        return _error(exc)
    return {"callback": mask_for(who, view), "action_id": None}


# The longest text each ticket field takes (the columns' sizes, C5); other fields up to TEXT_MAX.
# (The phone is left to callcenter.phones, which refuses implausible numbers with its own words.)
FIELD_MAX = {"caller_name": 64, "address": 64, "category": 16, "preferred_time": 64,
             "department": 32, "visit_at": 40, "to": 16, "field": 32}
TEXT_MAX = 2000
MAX_FIELDS = 30


class TicketAction(BaseModel):
    model_config = {"extra": "allow"}
    outcome: str | None = None
    to: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _bounded(self) -> TicketAction:
        values = self.model_dump()
        if len(values) > MAX_FIELDS:
            raise ValueError(f"at most {MAX_FIELDS} fields")
        for name, value in values.items():
            limit = FIELD_MAX.get(name, TEXT_MAX)
            if isinstance(value, str) and len(value) > limit:
                raise ValueError(f"{name[:40]}: at most {limit} characters")
            if isinstance(value, (dict, list)):
                # not TypeError: pydantic reports ValueError
                raise ValueError(f"{name[:40]}: a single value is expected")
        return self


# adopt / keep: the agent decides a difference the transcript's draft flagged (R4)
TICKET_ACTIONS = ("update", "confirm", "assign", "close", "transfer", "adopt", "keep")


@router.post("/api/tickets/{ticket_id}")
@router.post("/api/tickets/{ticket_id}/{action}")
async def change_ticket(request: Request, ticket_id: int, body: TicketAction, who: Who,
                        action: str = "update", agent: str | None = None) -> Any:
    """R4/R8/R14: correct, confirm, assign, close or hand over a ticket; published to every desk
    and area that follows tickets (TicketChanged)."""
    if action not in TICKET_ACTIONS:
        raise HTTPException(404, f"unknown ticket action {action!r}")
    target = _target(request, who, agent)
    view = await _visible_ticket(request, who, target, ticket_id)
    if action == "transfer" and not who.is_supervisor and view.get("owner") not in (None, target.id):
        return _error(Forbidden("只有负责人或主管可以转交 / only the owner or a supervisor "
                                "may hand it over (R14)"))
    ctx = _ctx(request)
    now = today(request)
    fields = body.model_dump(exclude_none=False)

    def work() -> tuple[dict[str, Any], Any]:
        with unit_of_work(ctx.sessions) as session:
            ticket = ticket_change(session, ctx.settings.hotline, action, ticket_id, fields, who.id, now)
            session.flush()
            return as_view(ticket), ticket_changed(ticket, action, now)

    async def run() -> tuple[dict[str, Any], Any]:
        try:
            return await asyncio.to_thread(work)
        except TicketError as exc:
            raise DeskError(str(exc)) from None

    detail = {"ticket_id": ticket_id,
              **({"to": body.to, "reason": body.reason} if action == "transfer" else {}),
              **({"field": fields.get("field")} if action in ("adopt", "keep") else {})}
    try:
        changed, message = await core.perform(ctx.sessions, who, target.id, f"ticket_{action}", detail, run)
    except DeskError as exc:
        return _error(exc)
    ctx.bus.publish(message)
    return {"ticket": mask_for(who, changed)}
