"""The JSON API: the same figures and calls as the pages, for the same users (401 without login)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.reports.answer_times import answer_time_report
from callcenter.reports.drilldown import drill_calls
from callcenter.reports.render import to_json
from callcenter.web.auth import CurrentUser, User, shown_phone
from callcenter.web.calls import call_view
from callcenter.web.common import by_of, ctx_of, drill_of, period_of, scope_of, thresholds_of, today_of
from callcenter.web.i18n import lang_of

router = APIRouter(prefix="/api")
API_PAGE = 200


@router.get("/reports/answer-times")
def api_answer_times(request: Request, user: CurrentUser) -> dict[str, Any]:
    ctx, period, by = ctx_of(request), period_of(request), by_of(request)
    with unit_of_work(ctx.sessions) as session:
        report = answer_time_report(session, period, by, thresholds_of(request), scope_of(user),
                                    today_of(request))
    return to_json(report, ctx.settings.hotline, lang_of(request))


def call_json(call: Call, user: User, zone: str = "UTC") -> dict[str, Any]:
    """One call for machines: values as stored (enums as codes, seconds as numbers), instants in
    the hotline's zone with their offset (``2026-11-24T09:30:00+08:00``), never bare UTC."""
    tz = ZoneInfo(zone)

    def at(when: dt.datetime | None) -> str | None:
        return None if when is None else when.astimezone(tz).isoformat()

    return {
        "id": call.id, "linkedid": call.linkedid, "caller": shown_phone(user, call.caller),
        "queue": call.queue,
        "agent_id": call.agent_id, "agent": call.agent_id or call.agent_interface,
        "started_at": at(call.started_at), "answered_at": at(call.answered_at),
        "ended_at": at(call.ended_at), "answered": call.answered, "abandoned": call.abandoned,
        "ring_seconds": call.ring_seconds, "rings": call.rings, "within_rule": call.within_rule,
        "greeting": call.greeting, "wait_seconds": call.wait_seconds, "talk_seconds": call.talk_seconds,
        "hold_seconds": call.hold_seconds, "hangup_first": call.hangup_first, "transfers": call.transfers,
    }


@router.get("/calls")
def api_calls(request: Request, user: CurrentUser) -> dict[str, Any]:
    ctx, period, args = ctx_of(request), period_of(request), drill_of(request)
    with unit_of_work(ctx.sessions) as session:
        total, calls = drill_calls(session, period, scope_of(user), args.drill, thresholds_of(request),
                                   limit=API_PAGE, offset=(args.page - 1) * API_PAGE)
        zone = ctx.settings.hotline.centre.timezone
        return {"total": total, "page": args.page, "calls": [call_json(c, user, zone) for c in calls]}


@router.get("/calls/{call_id:int}")
def api_call(request: Request, call_id: int, user: CurrentUser) -> dict[str, Any]:
    view = call_view(request, user, call_id)
    tz = ZoneInfo(ctx_of(request).settings.hotline.centre.timezone)
    data = call_json(view.call, user, tz.key)
    data["legs"] = [{"agent": leg.agent_id or leg.agent_interface,
                     "started_at": leg.started_at.astimezone(tz).isoformat(),
                     "ring_seconds": leg.ring_seconds, "outcome": leg.outcome} for leg in view.call.legs]
    data["holds"] = [{"started_at": h.started_at.astimezone(tz).isoformat(), "seconds": h.seconds}
                     for h in view.call.holds]
    data["timeline"] = [{"at": m.at.astimezone(tz).isoformat(), "offset": m.offset, "what": m.what,
                         "detail": m.detail} for m in view.timeline]
    data["recordings"] = [{"url": f"/calls/{call_id}/recordings/{r.index}", "side": r.side, "state": r.state}
                          for r in view.recordings]
    data["transcript"] = view.transcript
    data["findings"] = [{"kind": f.kind, "detail": f.detail,
                         "at_seconds": f.at_seconds} for f in view.findings]
    return data

