"""What the report pages, exports and API share: the period and grouping asked for, the
viewer's scope (R17) and the thresholds of the hotline file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from callcenter.reports.answer_times import BY_CHOICES, By, Scope
from callcenter.reports.drilldown import Drill
from callcenter.reports.measures import DRILLABLE, Thresholds
from callcenter.reports.period import Period, PeriodError, local_today, make_period
from callcenter.web.auth import User

NO_KEY = "~"  # the group without a key (calls nobody answered) in URLs
MAX_PAGE = 100_000
DB_ID_MAX = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL and SQLite alike)


def is_db_id(value: int) -> bool:
    """Whether ``value`` can be a row id at all; larger numbers are "not found", not an error."""
    return 1 <= value <= DB_ID_MAX


def ctx_of(request: Request) -> Any:
    return request.app.state.ctx


def thresholds_of(request: Request) -> Thresholds:
    return Thresholds.from_rules(ctx_of(request).settings.hotline.rules)


def today_of(request: Request) -> dt.date:
    """The centre's local date: days before it are served from roll-ups."""
    ctx = ctx_of(request)
    return local_today(ctx.clock.now(), ctx.settings.hotline.centre.timezone)


def period_of(request: Request) -> Period:
    ctx = ctx_of(request)
    tz = ctx.settings.hotline.centre.timezone
    params = request.query_params
    try:
        return make_period(params.get("from") or None, params.get("to") or None,
                           local_today(ctx.clock.now(), tz), tz)
    except PeriodError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def by_of(request: Request, default: str = "agent") -> By:
    by = request.query_params.get("by") or default
    if by not in (*BY_CHOICES, "total"):
        raise HTTPException(status_code=400, detail=f"by must be one of {', '.join(BY_CHOICES)}")
    return by


def scope_of(user: User) -> Scope:
    """R17: agents see only their own calls and figures."""
    return Scope(agent_id=user.own_agent_id)


@dataclass(frozen=True)
class DrillArgs:
    drill: Drill
    page: int


def drill_of(request: Request) -> DrillArgs:
    params = request.query_params
    figure = params.get("figure") or "all"
    if figure not in DRILLABLE:
        raise HTTPException(status_code=400, detail=f"unknown figure {figure!r}")
    by = by_of(request, "total")
    key = params.get("key")
    drill = Drill(figure=figure, by=by, key=None if key == NO_KEY else key,
                  any_key=key is None or by == "total")
    text = params.get("page") or "1"
    if not (text.isascii() and text.isdigit() and 1 <= int(text[:7]) <= MAX_PAGE and len(text) <= 6):
        raise HTTPException(status_code=400, detail=f"page must be a whole number from 1 to {MAX_PAGE}")
    return DrillArgs(drill, int(text))


def query_string(period: Period, **extra: str | None) -> str:
    from urllib.parse import urlencode

    values = {"from": period.first.isoformat(), "to": period.last.isoformat(),
              **{k: v for k, v in extra.items() if v is not None}}
    return urlencode(values)
