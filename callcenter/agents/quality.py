"""An agent's own quality for the day next to the team's (R1, R2, R10, R16).

The call figures are the answer-time report's (``reports.team``): the agent's own calls and the
team's — the whole centre's day, the report's 合计 column — so the desk and the report page give
the same figure for the same day. Quality findings (R16) come from the tickets area's checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.db.models.tickets import QualityFinding
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import local_today
from callcenter.reports.team import day_figures, desk_view


def local_day(now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time(0), zone)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def _findings(session: Session, start: dt.datetime, end: dt.datetime, agent_id: str | None) -> int:
    query = select(func.count()).select_from(QualityFinding).where(
        QualityFinding.agent_id.is_not(None), QualityFinding.created_at >= start,
        QualityFinding.created_at < end)
    if agent_id is not None:
        query = query.where(QualityFinding.agent_id == agent_id)
    return int(session.scalar(query) or 0)


def own_quality(session: Session, agent_id: str, now: dt.datetime, timezone: str,
                thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The agent's figures (``own``) and the team's (``team``) for the centre's day of ``now``;
    ``three_ring_pct`` is the report's 三声内接听率 (a percentage to one decimal, None without
    answered calls)."""
    thresholds = thresholds or Thresholds()
    day = local_today(now, timezone)
    start, end = local_day(now, timezone)
    own = desk_view(day_figures(session, day, timezone, thresholds, agent_id))
    team = desk_view(day_figures(session, day, timezone, thresholds))
    own["findings"] = _findings(session, start, end, agent_id)
    team["findings"] = _findings(session, start, end, None)
    return {"agent_id": agent_id, "day": day.isoformat(), "own": own, "team": team}
