"""The answer-time report over 1,000,000 generated calls, on SQLite and on PostgreSQL.

Targets: < 1 s on PostgreSQL, < 2 s on SQLite for a whole year grouped by agent, queue, hour or
day (median of three runs once the closed days are rolled up). Measured besides: the first
report, which builds the roll-ups of the whole year; the same report read straight from the
calls without roll-ups (the baseline); a report of one day (today, never rolled up).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from callcenter.db.models.calls import Agent, Call, CallLeg
from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
from callcenter.reports.answer_times import Scope, answer_time_report, call_filter
from callcenter.reports.measures import Thresholds
from callcenter.reports.period import Period

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")
CALLS = int(__import__("os").environ.get("BENCH_REPORT_CALLS", 1_000_000))
BATCH = 20_000
FIRST_DAY = dt.date(2025, 11, 25)
DAYS = 365
AGENTS = [("101", "8101"), ("102", "8102"), ("103", "8103"), ("201", "8201"), ("202", "8202"),
          ("301", "8301")]
QUEUES = ["service", "repair", "billing"]
TARGETS = {"sqlite": 2.0, "postgresql": 1.0}


def _call(rng: random.Random, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    day = FIRST_DAY + dt.timedelta(days=n * DAYS // CALLS)
    start = dt.datetime(day.year, day.month, day.day,
                        tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(86400))
    ring = round(rng.expovariate(1 / 9.0), 1)
    answered = rng.random() < 0.88
    agent = rng.choice(AGENTS)[0] if answered else None
    wait = ring + 2.0
    legs = [{"call_id": n + 1, "agent_id": rng.choice(AGENTS)[0], "channel": "PJSIP/x", "started_at": start,
             "ring_seconds": 12.0, "outcome": "no_answer"} for _ in range(int(ring // 12))]
    hold = rng.choice([0.0, 0.0, 0.0, 30.0, 200.0])
    row = {"id": n + 1, "server": "pbx", "linkedid": f"b{n}", "direction": "inbound", "caller": "13800138000",
           "queue": rng.choice(QUEUES), "agent_id": agent, "started_at": start, "queue_entered_at": start,
           "answered_at": start + dt.timedelta(seconds=wait) if answered else None,
           "ended_at": start + dt.timedelta(seconds=wait + 120), "answered": answered,
           "abandoned": not answered,
           "ring_seconds": ring, "rings": int(ring // 5) + 1, "within_rule": ring < 15,
           "greeting": ("apology" if rng.random() < 0.8 else "standard") if answered and ring >= 15 else
           ("standard" if answered else None), "wait_seconds": wait,
           "talk_seconds": 120.0 if answered else None,
           "hold_seconds": hold, "hold_count": int(hold > 0), "longest_hold_seconds": hold,
           "attempts": len(legs) + 1, "transfers": int(rng.random() < 0.03),
           "hangup_first": "agent" if rng.random() < 0.1 else "caller", "dropped": False}
    return row, legs


def load(url: str) -> float:
    started = time.perf_counter()
    engine = make_engine(url)
    rng = random.Random(20261125)
    with engine.begin() as conn:
        conn.execute(insert(Agent.__table__), [{"id": a, "name": a, "extension": e, "interface": f"PJSIP/{e}",
                                                "role": "agent", "state": "logged_out",
                                                "state_since": dt.datetime.now(dt.UTC)} for a, e in AGENTS])
    for first in range(0, CALLS, BATCH):
        calls, legs = [], []
        for n in range(first, min(first + BATCH, CALLS)):
            row, row_legs = _call(rng, n)
            calls.append(row)
            legs.extend(row_legs)
        with engine.begin() as conn:
            conn.execute(insert(Call.__table__), calls)
            if legs:
                conn.execute(insert(CallLeg.__table__), legs)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does to a settled table
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _median_seconds(run: Any, times: int = 3) -> float:
    run()  # warm the cache once
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples), 3)


def measure(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    year = Period(FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1), "Asia/Shanghai")
    today = year.last + dt.timedelta(days=1)  # every day of the year is closed
    one_day = Period(year.last, year.last, "Asia/Shanghai")
    thresholds = Thresholds()
    out: dict[str, Any] = {}
    with unit_of_work(sessions) as session:
        where = call_filter(year, Scope())
        out["bare_count_year_s"] = _median_seconds(
            lambda: session.execute(select(func.count()).select_from(Call).where(where)).scalar_one())
        out["baseline_no_rollup_year_by_agent_s"] = _median_seconds(
            lambda: answer_time_report(session, year, "agent", thresholds), times=1)
        started = time.perf_counter()
        first = answer_time_report(session, year, "total", thresholds, today=today)
        out["first_report_builds_rollups_s"] = round(time.perf_counter() - started, 2)
        out["offered_year"] = first.total.count("offered")
    with unit_of_work(sessions) as session:
        for by in ("agent", "queue", "hour", "day"):
            out[f"year_by_{by}_s"] = _median_seconds(
                lambda by=by: answer_time_report(session, year, by, thresholds, today=today))
        out["agent_scope_year_by_day_s"] = _median_seconds(
            lambda: answer_time_report(session, year, "day", thresholds, Scope(agent_id="101"), today=today))
        out["today_by_hour_s"] = _median_seconds(
            lambda: answer_time_report(session, one_day, "hour", thresholds, today=one_day.first))
        same = answer_time_report(session, year, "agent", thresholds, today=today)
        direct = answer_time_report(session, year, "agent", thresholds)
        out["rollup_equals_direct"] = [(r.key, r.counts, r.seconds) for r in same.rows] == \
            [(r.key, r.counts, r.seconds) for r in direct.rows]
    engine.dispose()
    out["worst_year_s"] = max(v for k, v in out.items() if k.startswith("year_by_"))
    return out


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import start_cluster

    results: dict[str, Any] = {"calls": CALLS, "days": DAYS}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(sqlite_url)
        results["sqlite"] = {"load_s": round(load(sqlite_url), 1), **measure(sqlite_url)}
        print("sqlite", json.dumps(results["sqlite"]), flush=True)
    cluster = start_cluster()
    try:
        pg_url = cluster.create_database("bench")
        migrate(pg_url)
        results["postgresql"] = {"load_s": round(load(pg_url), 1), **measure(pg_url)}
        print("postgresql", json.dumps(results["postgresql"]), flush=True)
    finally:
        cluster.stop()
    for name, target in TARGETS.items():
        results[name]["target_s"] = target
        results[name]["meets_target"] = results[name]["worst_year_s"] < target
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report_answer_times.json").write_text(json.dumps(results, indent=2) + "\n")
    for name in TARGETS:
        r = results[name]
        print(f"{name}: worst year report {r['worst_year_s']} s (target < {r['target_s']} s); "
              f"without roll-ups {r['baseline_no_rollup_year_by_agent_s']} s; first report (builds roll-ups) "
              f"{r['first_report_builds_rollups_s']} s; today by hour {r['today_by_hour_s']} s")


if __name__ == "__main__":
    main()
