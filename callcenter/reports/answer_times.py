"""The answer-time report (R1, R2, R10, R11, R13): figures per agent, queue, hour or day.

The database sums (``partials.py``); closed days come from their roll-ups (``rollup.py``), the
rest — today, or everything when no ``today`` is given — straight from the calls. Python only
adds the partial sums up, divides and labels.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call, CallLeg
from callcenter.db.models.web import report_rollup
from callcenter.reports import rollup
from callcenter.reports.buckets import group_key, leg_group_key
from callcenter.reports.measures import Thresholds
from callcenter.reports.partials import Key, LegQuery, Partial, p90_from_histogram, query_partials
from callcenter.reports.period import Period

log = logging.getLogger(__name__)
By = Literal["agent", "queue", "hour", "day", "total"]
BY_CHOICES: tuple[By, ...] = ("agent", "queue", "hour", "day")


@dataclass
class AnswerTimes:
    """Figures of one group (an agent, queue, hour or day) or of the whole period (key None)."""

    key: str | None
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float | None] = field(default_factory=dict)
    ring_no_answer: int = 0
    transfers: int = 0

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    @property
    def counted_offered(self) -> int:
        return self.count("offered") - self.count("short_abandoned")

    def value(self, name: str) -> int | float | None:
        """Any figure of ``measures.FIGURES`` by name."""
        if name == "ring_no_answer":
            return self.ring_no_answer
        if name == "transfers":
            return self.transfers
        if name in self.counts:
            return self.counts[name]
        if name in self.seconds:
            return self.seconds[name]
        return _rates(self).get(name)


def _ratio(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(100.0 * part / whole, 1)


def _rates(f: AnswerTimes) -> dict[str, float | None]:
    counted = f.counted_offered
    return {
        "within_rule_pct": _ratio(f.count("within_rule"), f.count("answered")),
        "service_level_excl": _ratio(f.count("within_rule"), counted - f.count("abandoned")),
        "service_level_incl": _ratio(f.count("within_rule") + f.count("abandoned_in_window"), counted),
        "answered_15s_pct": _ratio(f.count("answered_15s"), counted),
        "answer_rate": _ratio(f.count("answered"), counted),
        "abandon_rate": _ratio(f.count("abandoned"), counted),
    }


def _mean(total: float, n: float) -> float | None:
    return None if n <= 0 else round(total / n, 1)


def finalize(key: str | None, p: Partial) -> AnswerTimes:
    s = p.sums
    return AnswerTimes(key=key, counts=dict(p.counts), ring_no_answer=p.ring_no_answer,
                       transfers=int(s["transfers"]),
                       seconds={
                           "avg_ring": _mean(s["sum_ring"], s["n_ring"]),
                           "p90_ring": p90_from_histogram(p.hist_ring),
                           "avg_wait": _mean(s["sum_wait"], s["n_wait"]),
                           "p90_wait": p90_from_histogram(p.hist_wait),
                           "longest_wait": None if p.max_wait is None else round(p.max_wait, 1),
                           "avg_abandon_wait": _mean(s["sum_abandon_wait"], p.counts["abandoned"]),
                           "talk_seconds": round(s["talk_seconds"], 1),
                       })


@dataclass(frozen=True)
class Scope:
    """Who is looking: an agent sees only their own calls and legs (R17)."""

    agent_id: str | None = None
    queue: str | None = None


def call_filter(period: Period, scope: Scope) -> ColumnElement[bool]:
    parts = [Call.direction == "inbound", Call.started_at >= period.start, Call.started_at < period.end]
    if scope.agent_id is not None:
        parts.append(Call.agent_id == scope.agent_id)
    if scope.queue is not None:
        parts.append(Call.queue == scope.queue)
    return and_(*parts)


@dataclass
class AnswerTimeReport:
    period: Period
    by: By
    rows: list[AnswerTimes]
    total: AnswerTimes
    thresholds: Thresholds


def _direct(session: Session, period: Period, by: By, t: Thresholds, scope: Scope) -> dict[Key, Partial]:
    keys = [] if by == "total" else [group_key(session, by, period)]
    leg_keys = [] if by == "total" else [leg_group_key(session, by, period)]
    legs = LegQuery(leg_keys, call_filter(period, Scope(queue=scope.queue)),
                    [CallLeg.agent_id == scope.agent_id] if scope.agent_id is not None else [])
    return query_partials(session, t, call_filter(period, scope), keys, legs)


def _rolled(session: Session, period: Period, by: By, t: Thresholds, scope: Scope) -> dict[Key, Partial]:
    rollup.refresh(session, period, t)
    r = report_rollup.c
    filters = [r.agent_key == scope.agent_id] if scope.agent_id is not None else []
    filters += [r.queue == scope.queue] if scope.queue is not None else []
    column = {"agent": r.agent_key, "queue": r.queue, "day": r.day, "hour": r.hour}.get(by)
    found = rollup.rolled_partials(session, period, rollup.DH if by == "hour" else rollup.DAQ, column,
                                   filters)
    if by == "hour":  # the roll-up keeps the hour as a number; calls give "07"
        return {(None if k[0] is None else f"{int(k[0]):02d}",): p for k, p in found.items()}
    return found


def split(period: Period, today: dt.date | None) -> tuple[Period | None, Period | None]:
    """(closed days to roll up, days to query directly)."""
    if today is None or period.first >= today:
        return None, period
    closed = Period(period.first, min(period.last, today - dt.timedelta(days=1)), period.timezone)
    rest = Period(today, period.last, period.timezone) if period.last >= today else None
    return closed, rest


def answer_time_report(session: Session, period: Period, by: By, thresholds: Thresholds,
                       scope: Scope | None = None, today: dt.date | None = None) -> AnswerTimeReport:
    """Figures per group (sorted by key, the group without a key last) and for the whole period.

    With ``today`` (the centre's local date), days before it are served from roll-ups, which
    this call refreshes where stale (the caller's unit of work commits them)."""
    scope = scope or Scope()
    closed, rest = split(period, today)
    if closed is not None and by == "hour" and (scope.agent_id or scope.queue):
        closed, rest = None, period  # hourly roll-ups are centre-wide; a scoped hour report reads the calls
    groups: dict[str | None, Partial] = {}
    parts: list[dict[Key, Partial]] = []
    if closed is not None:
        try:
            with session.begin_nested():  # a refresh that loses a race with another writer is undone …
                parts.append(_rolled(session, closed, by, thresholds, scope))
        except (OperationalError, IntegrityError) as exc:
            log.warning("report roll-up refresh failed (%s); reading the calls directly",
                        exc.__class__.__name__)
            closed, rest = None, period  # … and the figures come straight from the calls
    if rest is not None:
        parts.append(_direct(session, rest, by, thresholds, scope))
    total = Partial()
    for found in parts:
        for key, partial in found.items():
            total.merge(partial)
            if by != "total":
                groups.setdefault(_key(key[0]), Partial()).merge(partial)
    rows = [finalize(k, p) for k, p in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    return AnswerTimeReport(period, by, rows, finalize(None, total), thresholds)


def _key(value: Any) -> str | None:
    return None if value is None else str(value)
