"""The follow-up report page and its JSON (supervisors): R6-R8, R16, R21."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from callcenter.db.models.calls import Call
from callcenter.db.session import unit_of_work
from callcenter.reports.followups import FollowUps, as_json, followup_report
from callcenter.reports.period import Period
from callcenter.web.auth import Supervisor
from callcenter.web.common import ctx_of, period_of
from callcenter.web.templating import render

router = APIRouter()


def load(request: Request) -> FollowUps:
    ctx = ctx_of(request)
    with unit_of_work(ctx.sessions) as session:
        return followup_report(session, period_of(request), ctx.clock.now())


def calls_in(request: Request, period: Period) -> int:
    """Calls of the period, so an empty ticket table can say whether there were calls at all."""
    with unit_of_work(ctx_of(request).sessions) as session:
        stmt = (select(func.count(Call.id))
                .where(Call.started_at >= period.start, Call.started_at < period.end))
        return int(session.execute(stmt).scalar_one())


@router.get("/followups")
def followups_page(request: Request, user: Supervisor) -> Response:
    report = load(request)
    return render(request, "followups.html", user=user, report=report,
                  calls=calls_in(request, report.period))


@router.get("/api/reports/followups")
def followups_api(request: Request, user: Supervisor) -> dict[str, Any]:
    return as_json(load(request))
