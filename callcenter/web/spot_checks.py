"""R20: the daily spot-check sample per agent, with recordings, transcripts and findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.reports.period import PeriodError, local_today, parse_day
from callcenter.reports.spot_checks import daily_sample, mark_reviewed
from callcenter.web.auth import Supervisor, audit
from callcenter.web.call_detail import quality_findings, transcript_turns
from callcenter.web.common import ctx_of, is_db_id
from callcenter.web.templating import render

router = APIRouter()


def _day(request: Request, text: str | None):  # type: ignore[no-untyped-def]
    ctx = ctx_of(request)
    tz = ctx.settings.hotline.centre.timezone
    if not text:
        return local_today(ctx.clock.now(), tz)
    try:
        return parse_day(text, "day")
    except PeriodError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/spot-checks")
def spot_checks_page(request: Request, user: Supervisor, day: str | None = None) -> Response:
    ctx = ctx_of(request)
    when = _day(request, day)
    with unit_of_work(ctx.sessions) as session:
        sample = daily_sample(session, when, ctx.settings.hotline.centre.timezone)
        extras = {s.call.id: (transcript_turns(session, s.call.id), quality_findings(session, s.call.id))
                  for calls in sample.values() for s in calls}
    return render(request, "spot_checks.html", user=user, day=when, sample=sample, extras=extras,
                  hotline=ctx.settings.hotline)


@router.post("/spot-checks/{call_id:int}/reviewed")
def mark(request: Request, call_id: int, user: Supervisor, day: Annotated[str, Form()],
         note: Annotated[str, Form()] = "") -> Response:
    ctx = ctx_of(request)
    when = _day(request, day)
    with unit_of_work(ctx.sessions) as session:
        call = session.get(Call, call_id) if is_db_id(call_id) else None
        if call is None:
            raise HTTPException(status_code=404, detail="no such call")
        mark_reviewed(session, call, when, user.id, note)
        audit(session, user, "spot_check", f"call {call_id} reviewed for {when}")
    return RedirectResponse(f"/spot-checks?day={when.isoformat()}", status_code=303)
