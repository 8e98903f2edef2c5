"""The team's figures and one agent's, for one of the centre's days, from the answer-time report's
own query (R1, R2, R10).

The team is the whole centre: every inbound call of the day, whoever answered it — the report's
合计 (total) column. Its rates are the calls' (within three rings ÷ answered, counted over the
calls), never a mean of the agents' rates, so the desk, the report page, the wallboard and the CLI
print the same figure for the same day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from callcenter.reports.answer_times import AnswerTimes, Scope, answer_time_report
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period

# What the desk shows beside the agent's own: figure name in the report → the desk's name.
DESK_FIGURES = {"answered": "answered", "within_rule": "within_three_rings", "late": "late",
                "late_apology": "late_with_apology", "agent_hangup_first": "hung_up_first",
                "within_rule_pct": "three_ring_pct"}


def day_figures(session: Session, day: dt.date, timezone: str, thresholds: Thresholds,
                agent_id: str | None = None) -> AnswerTimes:
    """The report's total for ``day`` (the centre's local date): the team's, or with ``agent_id``
    one agent's own calls (the report's row for that agent)."""
    report = answer_time_report(session, Period(day, day, timezone), "total", thresholds,
                                Scope(agent_id=agent_id))
    return report.total


def desk_view(figures: AnswerTimes) -> dict[str, int | float | None]:
    return {desk: figures.value(name) for name, desk in DESK_FIGURES.items()}
