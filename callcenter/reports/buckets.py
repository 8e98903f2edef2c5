"""Group keys of the report: agent, queue, local hour and local day of the call's start.

Local time is the centre's zone. PostgreSQL applies the zone's rules (``AT TIME ZONE``);
SQLite has none, so it shifts by the zone's offset at the period's start (exact for zones
without daylight saving, such as Asia/Shanghai).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call, CallLeg
from callcenter.reports.period import Period


def _dialect(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def local_day(session: Session, period: Period, column: Any = None) -> ColumnElement[str]:
    column = Call.started_at if column is None else column
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone(period.timezone, column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, f"{period.utc_offset_minutes:+d} minutes")


def local_hour(session: Session, period: Period, column: Any = None) -> ColumnElement[str]:
    column = Call.started_at if column is None else column
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone(period.timezone, column), "HH24")
    return func.strftime("%H", column, f"{period.utc_offset_minutes:+d} minutes")


def group_key(session: Session, by: str, period: Period) -> ColumnElement[Any]:
    if by == "agent":
        return func.coalesce(Call.agent_id, Call.agent_interface)
    if by == "queue":
        return Call.queue.expression
    if by == "hour":
        return local_hour(session, period)
    if by == "day":
        return local_day(session, period)
    raise ValueError(f"unknown grouping {by!r}")


def leg_group_key(session: Session, by: str, period: Period) -> ColumnElement[Any]:
    """The key a ring-no-answer leg counts under: its own agent, otherwise its call's group."""
    if by == "agent":
        return func.coalesce(CallLeg.agent_id, CallLeg.agent_interface)
    return group_key(session, by, period)

