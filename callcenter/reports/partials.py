"""Additive partial figures: what the database sums per group, before any division.

Every report figure is derived from these sums, so partials of days, agents or queues add up
(``Partial.merge``) — which is what lets closed days be rolled up once (``rollup.py``) and
combined with today's calls queried directly. The 90th percentile comes from a histogram of
whole seconds (ceil), so it adds up too: p90 is the smallest whole second within which 90 %
of answered calls were answered (nearest rank); ``HIST_OVER`` stands for "more than 60 s".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call, CallLeg
from callcenter.db.models.web import COUNTED, HIST_MAX, HIST_OVER, HIST_SIZE, SUMS
from callcenter.reports.measures import CONDITIONS, Thresholds, abandon_wait, answer_wait


@dataclass
class Partial:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SUMS, 0.0))
    max_wait: float | None = None
    hist_ring: list[int] = field(default_factory=lambda: [0] * HIST_SIZE)
    hist_wait: list[int] = field(default_factory=lambda: [0] * HIST_SIZE)
    ring_no_answer: int = 0

    def merge(self, other: Partial) -> None:
        for name in COUNTED:
            self.counts[name] += other.counts[name]
        for name in SUMS:
            self.sums[name] += other.sums[name]
        if other.max_wait is not None:
            self.max_wait = other.max_wait if self.max_wait is None else max(self.max_wait, other.max_wait)
        self.hist_ring = [a + b for a, b in zip(self.hist_ring, other.hist_ring, strict=True)]
        self.hist_wait = [a + b for a, b in zip(self.hist_wait, other.hist_wait, strict=True)]
        self.ring_no_answer += other.ring_no_answer


def p90_from_histogram(hist: Sequence[int]) -> float | None:
    """Nearest rank: the bucket holding the ceil(0.9 n)-th smallest value."""
    n = sum(hist)
    if n == 0:
        return None
    rank, seen = (9 * n + 9) // 10, 0
    for bucket, count in enumerate(hist):
        seen += count
        if seen >= rank:
            return float(bucket)
    return float(HIST_OVER)


def _bucket(value: ColumnElement[Any]) -> ColumnElement[Any]:
    up = func.ceil(value)
    return case((up > HIST_MAX, HIST_OVER), else_=up)


def partial_columns(t: Thresholds) -> list[Any]:
    answered = Call.answered.is_(True)
    cols: list[Any] = [func.sum(case((CONDITIONS[name](t), 1), else_=0)).label(name) for name in COUNTED]
    return cols + [
        func.sum(case((answered, Call.ring_seconds))).label("sum_ring"),
        func.sum(case((and_(answered, Call.ring_seconds.is_not(None)), 1), else_=0)).label("n_ring"),
        func.sum(case((answered, Call.wait_seconds))).label("sum_wait"),
        func.sum(case((and_(answered, Call.wait_seconds.is_not(None)), 1), else_=0)).label("n_wait"),
        func.sum(case((CONDITIONS["abandoned"](t), abandon_wait()))).label("sum_abandon_wait"),
        func.sum(Call.talk_seconds).label("talk_seconds"),
        func.sum(Call.transfers).label("transfers"),
        func.max(answer_wait()).label("max_wait"),
    ]


Key = tuple[Any, ...]


def _fill(partial: Partial, row: Any) -> None:
    m = row._mapping
    partial.counts = {name: int(m[name] or 0) for name in COUNTED}
    partial.sums = {name: float(m[name] or 0) for name in SUMS}
    partial.max_wait = None if m["max_wait"] is None else float(m["max_wait"])


@dataclass(frozen=True)
class LegQuery:
    """Which ring-no-answer legs count: legs of calls matching ``calls`` and ``legs``, grouped by
    ``keys`` (the leg's own agent where the call's agent is asked for)."""

    keys: Sequence[ColumnElement[Any]]
    calls: ColumnElement[bool]
    legs: Sequence[ColumnElement[bool]] = ()


def query_partials(session: Session, t: Thresholds, where: ColumnElement[bool],
                   keys: Sequence[ColumnElement[Any]],
                   leg_query: LegQuery) -> dict[Key, Partial]:
    """Partials per group of ``keys`` over the calls matching ``where``, plus their legs."""
    out: dict[Key, Partial] = {}
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    for row in session.execute(select(*labelled, *partial_columns(t)).where(where).group_by(*labelled)):
        _fill(out.setdefault(tuple(row[: len(keys)]), Partial()), row)
    answered = and_(where, Call.answered.is_(True))
    for column, attr in ((Call.ring_seconds.expression, "hist_ring"),
                         (Call.wait_seconds.expression, "hist_wait")):
        bucket = _bucket(column).label("bucket")
        stmt = select(*labelled, bucket, func.count()).where(answered, column.is_not(None)) \
            .group_by(*labelled, bucket)
        for row in session.execute(stmt):
            hist = getattr(out.setdefault(tuple(row[: len(keys)]), Partial()), attr)
            hist[min(int(row[len(keys)]), HIST_OVER)] += int(row[-1])
    leg_labelled = [k.label(f"k{i}") for i, k in enumerate(leg_query.keys)]
    legs = select(*leg_labelled, func.count()).select_from(CallLeg).join(Call, Call.id == CallLeg.call_id) \
        .where(leg_query.calls, CallLeg.outcome == "no_answer", *leg_query.legs).group_by(*leg_labelled)
    for row in session.execute(legs):
        out.setdefault(tuple(row[: len(leg_labelled)]), Partial()).ring_no_answer += int(row[-1])
    return out
