"""An agent's own quality for the day next to the team's average (R1, R2, R10, R16).

Counted from the ``calls`` rows the tracker wrote and the ``quality_findings`` of the tickets
area, over the centre's local day. The same meanings as the answer-time report: within three
rings = the tracker's ``within_rule``; late = answered after the third ring; hung up first =
answered calls the agent side ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call
from callcenter.db.models.tickets import QualityFinding


@dataclass(frozen=True)
class DayFigures:
    answered: int = 0
    within_three_rings: int = 0
    late: int = 0
    late_with_apology: int = 0
    hung_up_first: int = 0
    findings: int = 0

    @property
    def three_ring_rate(self) -> float | None:
        return round(self.within_three_rings / self.answered, 4) if self.answered else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "three_ring_rate": self.three_ring_rate}


def local_day(now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time(0), zone)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def _calls_by_agent(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, list[int]]:
    query = (
        select(Call.agent_id, func.count(), _flag(Call.within_rule.is_(True)),
               _flag(Call.within_rule.is_(False)),
               _flag((Call.within_rule.is_(False)) & (Call.greeting == "apology")),
               _flag(Call.hangup_first == "agent"))
        # Inbound only: a callback or click-to-call the agent placed is no caller waiting (R1).
        .where(Call.direction == "inbound", Call.answered.is_(True), Call.agent_id.is_not(None),
               Call.started_at >= start, Call.started_at < end)
        .group_by(Call.agent_id)
    )
    return {row[0]: [int(v or 0) for v in row[1:]] for row in session.execute(query)}


def _findings_by_agent(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    query = (select(QualityFinding.agent_id, func.count())
             .where(QualityFinding.agent_id.is_not(None), QualityFinding.created_at >= start,
                    QualityFinding.created_at < end)
             .group_by(QualityFinding.agent_id))
    return {row[0]: int(row[1]) for row in session.execute(query)}


def day_figures(session: Session, now: dt.datetime, timezone: str) -> dict[str, DayFigures]:
    start, end = local_day(now, timezone)
    calls = _calls_by_agent(session, start, end)
    findings = _findings_by_agent(session, start, end)
    figures: dict[str, DayFigures] = {}
    for agent_id in set(calls) | set(findings):
        answered, within, late, apology, hung_up = calls.get(agent_id, [0, 0, 0, 0, 0])
        figures[agent_id] = DayFigures(answered, within, late, apology, hung_up, findings.get(agent_id, 0))
    return figures


def team_average(figures: dict[str, DayFigures]) -> dict[str, float | None]:
    """Per-agent mean of every figure, over the agents who worked today."""
    if not figures:
        return {k: None for k in (*asdict(DayFigures()), "three_ring_rate")}
    count = len(figures)
    averages: dict[str, float | None] = {
        name: round(sum(getattr(f, name) for f in figures.values()) / count,
                    2) for name in asdict(DayFigures())
    }
    rates = [f.three_ring_rate for f in figures.values() if f.three_ring_rate is not None]
    averages["three_ring_rate"] = round(sum(rates) / len(rates), 4) if rates else None
    return averages


def own_quality(session: Session, agent_id: str, now: dt.datetime, timezone: str) -> dict[str, Any]:
    figures = day_figures(session, now, timezone)
    return {"agent_id": agent_id, "day": now.astimezone(ZoneInfo(timezone)).date().isoformat(),
            "own": figures.get(agent_id, DayFigures()).as_dict(), "team": team_average(figures),
            "team_size": len(figures)}
