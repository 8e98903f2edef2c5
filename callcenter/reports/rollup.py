"""Roll-ups of closed local days, so a year of calls reports in well under a second (bench/).

A day is rolled up once it is over (before today, local time). Each rolled-up day keeps a
fingerprint of its calls (how many, highest id) and of the settings the figures used (time zone,
thresholds). A report first looks for calls of those days with an id above the newest one rolled
up (a call stored late, a record rebuilt from the journal) or other settings, and only then
compares the days one by one and rebuilds those that changed. Rows are written once per finished
call, so a changed row with the same id is not looked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call, CallLeg
from callcenter.db.models.web import COUNTED, HIST_SIZE, SUMS, ReportRollupDay, report_rollup
from callcenter.reports.buckets import local_day, local_hour
from callcenter.reports.measures import Thresholds
from callcenter.reports.partials import Key, LegQuery, Partial, query_partials
from callcenter.reports.period import Period

DAQ, DH = "daq", "dh"  # (day, agent, queue) and (day, hour)
BUILD_CHUNK_DAYS = 31


def signature(period: Period, t: Thresholds) -> str:
    return (f"{period.timezone}|{t.window_seconds:g}|{t.short_abandon_seconds:g}|{t.long_hold_seconds:g}"
            f"|{t.fifteen_seconds:g}")


def days_of(period: Period) -> Iterator[dt.date]:
    day = period.first
    while day <= period.last:
        yield day
        day += dt.timedelta(days=1)


def _fingerprint(session: Session, day: Period) -> tuple[int, int]:
    stmt = select(func.count(), func.coalesce(func.max(Call.id), 0)).where(
        Call.started_at >= day.start, Call.started_at < day.end)
    count, max_id = session.execute(stmt).one()
    return int(count), int(max_id)


def stale_days(session: Session, period: Period, t: Thresholds) -> list[dt.date]:
    sig = signature(period, t)
    stored = {d.day: d for d in session.scalars(select(ReportRollupDay).where(
        ReportRollupDay.day >= period.first.isoformat(), ReportRollupDay.day <= period.last.isoformat()))}
    days = list(days_of(period))
    if len(stored) == len(days) and all(row.signature == sig for row in stored.values()):
        # The common case, cheaply: no call stored in these days since they were rolled up (the
        # primary key finds only the newer rows). Calls are never deleted by the service; after
        # deleting some by hand, delete their days from report_rollup_days to rebuild them.
        newest = max(r.max_call_id for r in stored.values())
        late = select(func.count()).where(Call.id > newest, Call.started_at >= period.start,
                                          Call.started_at < period.end)
        if session.execute(late).scalar_one() == 0:
            return []
    stale = []
    for day in days:
        row = stored.get(day.isoformat())
        one = Period(day, day, period.timezone)
        if row is None or row.signature != sig or (row.calls, row.max_call_id) != _fingerprint(session, one):
            stale.append(day)
    return stale


def _chunks(days: list[dt.date]) -> Iterator[Period]:
    """Runs of consecutive days, at most BUILD_CHUNK_DAYS long (one grouped query each)."""
    start = prev = None
    for day in days:
        if (start is not None and prev is not None and (day - prev).days == 1
                and (day - start).days < BUILD_CHUNK_DAYS):
            prev = day
            continue
        if start is not None and prev is not None:
            yield Period(start, prev)
        start = prev = day
    if start is not None and prev is not None:
        yield Period(start, prev)


def refresh(session: Session, period: Period, t: Thresholds) -> int:
    """Rebuild the stale days of ``period`` (all closed); returns how many were rebuilt."""
    stale = stale_days(session, period, t)
    for chunk in _chunks(stale):
        _build(session, Period(chunk.first, chunk.last, period.timezone), t)
    return len(stale)


def _build(session: Session, chunk: Period, t: Thresholds) -> None:
    names = [d.isoformat() for d in days_of(chunk)]
    session.execute(delete(report_rollup).where(report_rollup.c.day.in_(names)))
    session.execute(delete(ReportRollupDay).where(ReportRollupDay.day.in_(names)))
    where = and_(Call.direction == "inbound", Call.started_at >= chunk.start, Call.started_at < chunk.end)
    day = local_day(session, chunk)
    agent, leg_agent = func.coalesce(Call.agent_id, Call.agent_interface), \
        func.coalesce(CallLeg.agent_id, CallLeg.agent_interface)
    queue = Call.queue.expression
    daq = query_partials(session, t, where, [day, agent, queue], LegQuery([day, leg_agent, queue], where))
    dh_keys = [day, local_hour(session, chunk)]
    dh = query_partials(session, t, where, dh_keys, LegQuery(dh_keys, where))
    rows = [_row(DAQ, k[0], None, k[1], k[2], p) for k, p in daq.items()]
    rows += [_row(DH, k[0], int(k[1]), None, None, p) for k, p in dh.items()]
    if rows:
        session.execute(insert(report_rollup), rows)
    sig = signature(chunk, t)
    for name in names:
        count, max_id = _fingerprint(session, Period(dt.date.fromisoformat(name), dt.date.fromisoformat(name),
                                                     chunk.timezone))
        session.add(ReportRollupDay(day=name, calls=count, max_call_id=max_id, signature=sig))
    session.flush()


def _row(grain: str, day: str, hour: int | None, agent: str | None, queue: str | None,
         p: Partial) -> dict[str, Any]:
    row: dict[str, Any] = {"grain": grain, "day": day, "hour": hour, "agent_key": agent, "queue": queue,
                           "max_wait": p.max_wait, "ring_no_answer": p.ring_no_answer, **p.counts, **p.sums}
    row.update({f"hist_ring_{i}": v for i, v in enumerate(p.hist_ring)})
    row.update({f"hist_wait_{i}": v for i, v in enumerate(p.hist_wait)})
    return row


def rolled_partials(session: Session, period: Period, grain: str, key: ColumnElement[Any] | None,
                    filters: list[ColumnElement[bool]]) -> dict[Key, Partial]:
    """Sum the roll-up rows of ``period`` per ``key`` (a roll-up column, or None for one group)."""
    r = report_rollup.c
    group = [key] if key is not None else [literal(None)]
    sums = [func.sum(r[name]).label(name) for name in (*COUNTED, *SUMS, "ring_no_answer")]
    hists = [func.sum(r[f"hist_{m}_{i}"]) for m in ("ring", "wait") for i in range(HIST_SIZE)]
    stmt = select(*group, *sums, func.max(r.max_wait).label("max_wait"), *hists).where(
        r.grain == grain, r.day >= period.first.isoformat(), r.day <= period.last.isoformat(), *filters)
    if key is not None:
        stmt = stmt.group_by(key)
    out: dict[Key, Partial] = {}
    for row in session.execute(stmt):
        m = row._mapping
        if m["offered"] is None and m["ring_no_answer"] is None:
            continue  # no roll-up rows at all
        p = Partial(counts={n: int(m[n] or 0) for n in COUNTED}, sums={n: float(m[n] or 0) for n in SUMS},
                    max_wait=None if m["max_wait"] is None else float(m["max_wait"]),
                    ring_no_answer=int(m["ring_no_answer"] or 0))
        tail = [int(v or 0) for v in row[-2 * HIST_SIZE:]]
        p.hist_ring, p.hist_wait = tail[:HIST_SIZE], tail[HIST_SIZE:]
        out[(row[0],)] = p
    return out
