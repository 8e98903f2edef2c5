"""Calls behind a figure, one call's detail, and its recordings (R17: agents see their own only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.privacy import masked_turns
from callcenter.reports.drilldown import drill_calls
from callcenter.reports.render import key_label
from callcenter.web.auth import CurrentUser, User, audit, shown_phone
from callcenter.web.call_detail import (
    CallView,
    journal,
    may_see,
    quality_findings,
    recordings,
    timeline,
    transcript_turns,
)
from callcenter.web.common import ctx_of, drill_of, is_db_id, period_of, query_string, scope_of, thresholds_of
from callcenter.web.recording_source import RecordingUnavailable, call_sources, fetch
from callcenter.web.templating import render
from callcenter.words.enums import word

router = APIRouter()
PAGE_SIZE = 50


@router.get("/calls")
def calls_page(request: Request, user: CurrentUser) -> Response:
    from callcenter.web.i18n import lang_of

    args, period, lang = drill_of(request), period_of(request), lang_of(request)
    with unit_of_work(ctx_of(request).sessions) as session:
        total, calls = drill_calls(session, period, scope_of(user), args.drill, thresholds_of(request),
                                   limit=PAGE_SIZE, offset=(args.page - 1) * PAGE_SIZE)
    params = dict(request.query_params)
    params.pop("page", None)
    base = query_string(period, **{k: v for k, v in params.items() if k not in ("from", "to")})
    return render(request, "calls.html", user=user, calls=calls, total=total, page=args.page,
                  pages=max(1, -(-total // PAGE_SIZE)), base=base, period=period,
                  figure=word(lang, "figure", args.drill.figure), drill=args.drill,
                  key_label=key_label(args.drill.by, args.drill.key, ctx_of(request).settings.hotline, lang,
                                      with_id=False),
                  phone=lambda n: shown_phone(user, n))


def load_call(session: Session, user: User, call_id: int) -> Call:
    call = session.get(Call, call_id) if is_db_id(call_id) else None
    if call is None:
        raise HTTPException(status_code=404, detail="no such call")
    if not may_see(session, user, call):
        raise HTTPException(status_code=403, detail="not your call")
    return call


def _transcript_for(user: User, turns: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    return turns if user.is_supervisor else masked_turns(turns)


def call_view(request: Request, user: User, call_id: int) -> CallView:
    ctx = ctx_of(request)
    with unit_of_work(ctx.sessions) as session:
        call = load_call(session, user, call_id)
        view = CallView(call=call, caller=shown_phone(user, call.caller), timeline=timeline(call),
                        recordings=recordings(call, ctx.settings, ctx.clock.now()),
                        # R17: the transcript masks numbers for whoever sees the ticket's number masked.
                        transcript=_transcript_for(user, transcript_turns(session, call.id)),
                        findings=quality_findings(session, call.id),
                        # Raw AMI events carry full numbers: supervisors only (R17).
                        journal=journal(session, call) if user.is_supervisor else [])
        audit(session, user, "view_call", f"call {call.id} ({call.linkedid})")
    return view


@router.get("/calls/{call_id:int}")
def call_page(request: Request, call_id: int, user: CurrentUser) -> Response:
    return render(request, "call.html", user=user, view=call_view(request, user, call_id))


@router.get("/calls/{call_id:int}/recordings/{index:int}")
def recording(request: Request, call_id: int, index: int, user: CurrentUser) -> Response:
    ctx = ctx_of(request)
    with unit_of_work(ctx.sessions) as session:
        call = load_call(session, user, call_id)  # R17: agents their own calls only, before any read
        sources = call_sources(call, ctx.settings)
        if not 0 <= index < len(sources):
            raise HTTPException(status_code=404, detail="no such recording")
        source = sources[index]
        if source.path is not None:
            if not source.path.is_file():
                raise HTTPException(status_code=404, detail="no such recording")
            audit(session, user, "play_recording", f"call {call.id}: {source.name}")
            return FileResponse(source.path, media_type="audio/wav", filename=source.name)
        try:
            content = fetch(source, ctx.settings)
        except RecordingUnavailable as exc:
            raise HTTPException(status_code=502, detail=str(exc)) from None
        if content is None:
            raise HTTPException(status_code=404, detail="no such recording")
        audit(session, user, "play_recording", f"call {call.id}: {source.name}")
    return Response(content, media_type="audio/wav",
                    headers={"content-disposition": f'attachment; filename="{source.name}"'})
