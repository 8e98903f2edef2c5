"""The answer-time report: one aggregate query per period and grouping (R1, R2, R10, R11, R13).

Counting, summing and percentiles run in the database; Python only divides and labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call, CallLeg
from callcenter.reports.buckets import group_key, leg_group_key
from callcenter.reports.measures import CONDITIONS, Thresholds, abandon_wait, answer_wait
from callcenter.reports.percentiles import nearest_rank_p90
from callcenter.reports.period import Period

By = Literal["agent", "queue", "hour", "day", "total"]
BY_CHOICES: tuple[By, ...] = ("agent", "queue", "hour", "day")
_COUNTED = ("offered", "answered", "abandoned", "short_abandoned", "within_rule", "late", "late_apology",
            "late_no_apology", "agent_hangup_first", "long_hold", "abandoned_in_window", "answered_15s",
            *(f"rings_{n}" for n in range(1, 7)))


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


def _aggregates(t: Thresholds) -> list[Any]:
    answered = Call.answered.is_(True)
    cols: list[Any] = [func.sum(case((CONDITIONS[name](t), 1), else_=0)).label(name) for name in _COUNTED]
    cols += [
        func.avg(case((answered, Call.ring_seconds))).label("avg_ring"),
        func.avg(case((answered, Call.wait_seconds))).label("avg_wait"),
        func.max(answer_wait()).label("longest_wait"),
        func.avg(case((CONDITIONS["abandoned"](t), abandon_wait()))).label("avg_abandon_wait"),
        func.sum(Call.talk_seconds).label("talk_seconds"),
        func.sum(Call.transfers).label("transfers"),
    ]
    return cols


def _row_to_figures(key: str | None, row: Any) -> AnswerTimes:
    mapping = row._mapping
    figures = AnswerTimes(key=key, transfers=int(mapping["transfers"] or 0))
    figures.counts = {name: int(mapping[name] or 0) for name in _COUNTED}
    figures.seconds = {name: _round(mapping[name]) for name in
                       ("avg_ring", "avg_wait", "longest_wait", "avg_abandon_wait", "talk_seconds")}
    return figures


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass
class AnswerTimeReport:
    period: Period
    by: By
    rows: list[AnswerTimes]
    total: AnswerTimes
    thresholds: Thresholds


def answer_time_report(session: Session, period: Period, by: By, thresholds: Thresholds,
                       scope: Scope = Scope()) -> AnswerTimeReport:
    """Figures per group (sorted by key, unanswered agent group last) and for the whole period."""
    where = call_filter(period, scope)
    groups: dict[str | None, AnswerTimes] = {}
    if by != "total":
        key = group_key(session, by, period).label("key")
        stmt: Select[Any] = select(key, *_aggregates(thresholds)).where(where).group_by(key)
        for row in session.execute(stmt):
            groups[_key(row.key)] = _row_to_figures(_key(row.key), row)
    total_row = session.execute(select(*_aggregates(thresholds)).where(where)).one()
    total = _row_to_figures(None, total_row)
    _add_percentiles(session, by, period, where, groups, total)
    _add_ring_no_answer(session, by, period, scope, groups, total)
    rows = sorted(groups.values(), key=lambda f: (f.key is None, f.key or ""))
    return AnswerTimeReport(period, by, rows, total, thresholds)


def _key(value: Any) -> str | None:
    return None if value is None else str(value)


def _add_percentiles(session: Session, by: By, period: Period, where: ColumnElement[bool],
                     groups: dict[str | None, AnswerTimes], total: AnswerTimes) -> None:
    answered = and_(where, Call.answered.is_(True))
    key = None if by == "total" else group_key(session, by, period)
    for name, column in (("p90_ring", Call.ring_seconds), ("p90_wait", Call.wait_seconds)):
        if key is not None:
            for group, value in nearest_rank_p90(session, column, answered, key).items():
                if _key(group) in groups:
                    groups[_key(group)].seconds[name] = _round(value)
        total.seconds[name] = _round(nearest_rank_p90(session, column, answered, None).get(None))
        for figures in groups.values():
            figures.seconds.setdefault(name, None)


def _add_ring_no_answer(session: Session, by: By, period: Period, scope: Scope,
                        groups: dict[str | None, AnswerTimes], total: AnswerTimes) -> None:
    """R13: legs that rang out, grouped by the leg's agent (by agent) or the call's group."""
    where = [Call.direction == "inbound", Call.started_at >= period.start, Call.started_at < period.end,
             CallLeg.outcome == "no_answer"]
    if scope.agent_id is not None:
        where.append(CallLeg.agent_id == scope.agent_id)
    if scope.queue is not None:
        where.append(Call.queue == scope.queue)
    joined = select(func.count()).select_from(CallLeg).join(Call, Call.id == CallLeg.call_id).where(*where)
    total.ring_no_answer = int(session.execute(joined).scalar_one())
    if by == "total":
        return
    key = leg_group_key(session, by, period).label("key")
    stmt = select(key, func.count()).select_from(CallLeg).join(Call, Call.id == CallLeg.call_id) \
        .where(*where).group_by(key)
    for group, count in session.execute(stmt):
        figures = groups.setdefault(_key(group), _empty(_key(group)))
        figures.ring_no_answer = int(count)


def _empty(key: str | None) -> AnswerTimes:
    figures = AnswerTimes(key=key)
    figures.counts = {name: 0 for name in _COUNTED}
    figures.seconds = dict.fromkeys(("avg_ring", "avg_wait", "longest_wait", "avg_abandon_wait", "talk_seconds",
                                     "p90_ring", "p90_wait"))
    return figures
