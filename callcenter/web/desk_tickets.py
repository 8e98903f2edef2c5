"""The desk's manual tickets (R4, R14, R15, R17): during a call, or after it, the agent opens the
call's ticket, prefilled from the caller's history; it is keyed to the call's Linkedid, so opening
it again gives the same ticket and the transcript's draft later merges into it (tickets/manual.py).

An agent opens tickets only for calls they answered (the desk's own memory of its calls, or the
stored call after a restart); a supervisor may do it at an agent's desk for that agent's calls.
Posts carry the session's CSRF token like every other desk action and are audited."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from sqlalchemy import select

from callcenter.agents import desk as core
from callcenter.agents.desk import DeskError, Forbidden
from callcenter.agents.roster import departments_of
from callcenter.agents.tickets import as_view, may_see
from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.messages import TicketChanged
from callcenter.tickets import manual
from callcenter.tickets.service import TicketError
from callcenter.web.desk import Who, _ctx, _error, _target, mask_for, today

router = APIRouter(prefix="/desk", tags=["desk"])
Linkedid = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class OpenTicket(BaseModel):
    matter: int | None = None  # the caller's open ticket this call is about (R14), if any


def _desk_call(request: Request, agent_id: str, linkedid: str) -> manual.DeskCall | None:
    """The call, if this agent answered it (worker thread)."""
    ctx = _ctx(request)
    server = ctx.settings.pbx_name
    component = ctx.extras.get("agents")
    known = component.pop.recent.find(agent_id, linkedid) if component is not None else None
    if known is not None:
        return manual.DeskCall(server, linkedid, known.caller, agent_id, known.queue)
    with unit_of_work(ctx.sessions) as session:
        stored = session.scalars(select(Call).where(Call.server == server, Call.linkedid == linkedid,
                                                    Call.agent_id == agent_id)).first()
        if stored is None:
            return None
        return manual.DeskCall(server, linkedid, stored.caller, agent_id, stored.queue)


@router.get("/api/calls/last")
async def last_call(request: Request, who: Who, agent: str | None = None) -> Any:
    """The call this desk answered last (a reloaded page can still open its ticket), or {}."""
    target = _target(request, who, agent)
    component = _ctx(request).extras.get("agents")
    last = component.pop.recent.last(target.id) if component is not None else None
    return {} if last is None else {"linkedid": last.linkedid}


@router.post("/api/calls/{linkedid}/ticket")
async def open_call_ticket(request: Request, linkedid: Linkedid, body: OpenTicket, who: Who,
                           agent: str | None = None) -> Any:
    """R4: the call's ticket, made now (prefilled, R15) or the one already opened for it."""
    target = _target(request, who, agent)
    ctx = _ctx(request)
    now = today(request)
    departments = departments_of(ctx.settings.hotline, target.id)

    def work() -> tuple[dict[str, Any], bool]:
        call = _desk_call(request, target.id, linkedid)
        if call is None:
            raise Forbidden("只能为自己接听的通话开工单 / you may open a ticket only for a call you "
                            "answered (R17)")
        with unit_of_work(ctx.sessions) as session:
            ticket, created = manual.open_for_call(session, ctx.settings.hotline, call, now, body.matter)
            session.flush()
            view = as_view(ticket)
            if not (who.is_supervisor or may_see(view, target.id, departments)):
                # R14/R17: another agent's matter; nothing is kept (the unit of work rolls back)
                raise Forbidden(f"工单 {view['id']} 由 {view.get('owner')} 负责 / ticket {view['id']} "
                                f"is {view.get('owner')}'s (R14)")
        return view, created

    async def run() -> tuple[dict[str, Any], bool]:
        try:
            return await asyncio.to_thread(work)
        except TicketError as exc:
            raise DeskError(str(exc)) from None

    try:
        view, created = await core.perform(ctx.sessions, who, target.id, "ticket_open",
                                           {"linkedid": linkedid, "matter": body.matter}, run)
    except DeskError as exc:
        return _error(exc)
    if created or body.matter is not None:
        ctx.bus.publish(_changed(view, "created" if created else "attached", now.timestamp()))
    return {"ticket": mask_for(who, view), "created": created}


def _changed(view: dict[str, Any], change: str, at: float) -> TicketChanged:
    return TicketChanged(ticket_id=view["id"], change=change,  # type: ignore[arg-type]
                         category=view["category"], urgent=bool(view["urgent"]), caller=view.get("caller"),
                         owner=view.get("owner"), at=at)
