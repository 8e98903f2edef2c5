"""The calls behind a figure: the same conditions as the aggregate, listed call by call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call, CallLeg
from callcenter.reports.answer_times import By, Scope, call_filter
from callcenter.reports.buckets import group_key, leg_group_key
from callcenter.reports.measures import DRILLABLE, LEG_FIGURE, Thresholds, condition
from callcenter.reports.period import Period


class UnknownFigure(ValueError):
    pass


@dataclass(frozen=True)
class Drill:
    """A figure in one group: ``figure`` is a condition name of ``measures.CONDITIONS``."""

    figure: str = "all"
    by: By = "total"
    key: str | None = None
    any_key: bool = True  # False: only the group ``key`` (None = the group without a key)


def _group_match(expr: ColumnElement[Any], drill: Drill) -> ColumnElement[bool]:
    return expr.is_(None) if drill.key is None else expr == drill.key


def drill_filter(session: Session, period: Period, scope: Scope, drill: Drill,
                 thresholds: Thresholds) -> ColumnElement[bool]:
    if drill.figure not in DRILLABLE:
        raise UnknownFigure(f"no figure named {drill.figure!r}")
    if drill.figure == LEG_FIGURE:
        # An agent's own ring-no-answers are legs of theirs on calls others answered (or nobody).
        parts = [call_filter(period, Scope(queue=scope.queue))]
        leg_where = [CallLeg.call_id == Call.id, CallLeg.outcome == "no_answer"]
        if scope.agent_id is not None:
            leg_where.append(CallLeg.agent_id == scope.agent_id)
        if not drill.any_key and drill.by == "agent":
            leg_where.append(_group_match(leg_group_key(session, "agent", period), drill))
        parts.append(exists().where(*leg_where))
        if not drill.any_key and drill.by != "agent":
            parts.append(_group_match(group_key(session, drill.by, period), drill))
        return and_(*parts)
    parts = [call_filter(period, scope), condition(drill.figure, thresholds)]
    if not drill.any_key and drill.by != "total":
        parts.append(_group_match(group_key(session, drill.by, period), drill))
    return and_(*parts)


def drill_calls(session: Session, period: Period, scope: Scope, drill: Drill, thresholds: Thresholds,
                limit: int = 200, offset: int = 0) -> tuple[int, list[Call]]:
    """(how many calls match, one page of them, newest first)."""
    where = drill_filter(session, period, scope, drill, thresholds)
    total = session.execute(select(func.count()).select_from(Call).where(where)).scalar_one()
    page = session.scalars(select(Call).where(where).order_by(Call.started_at.desc(), Call.id.desc())
                           .limit(limit).offset(offset)).all()
    return int(total), list(page)
