"""100,000 pending callbacks: how long the service's callback scheduler takes to start, how much
memory it holds, and how late due callbacks fire (targets: start-up < 5 s, p99 lateness < 1 s).

Both ways of waking are measured in the same run, each in a fresh process and database:
``per_callback`` (one APScheduler job per callback in the SQLAlchemyJobStore, as a steady state:
every pending callback already has its job) and ``next_due`` (one job re-armed to the next due
callback of the indexed callbacks table). As the baseline, each also starts on an empty table.
Of the 100,000 callbacks, 99,000 are due over the next 30 days and 1,000 fall due, evenly spread,
over 5 s starting 12 s after the table was filled; lateness = the Originate's time minus due time.
The AMI side records the Originates (no PBX: the scheduler is what is measured). On a SQLite file,
and on a throw-away PostgreSQL server when one can be started (as the test suite does).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")
ROOT = Path(__file__).resolve().parents[1]
TOTAL, SOON, COLD = 100_000, 1_000, 10_000
SOON_AFTER_S, SOON_SPREAD_S = 12.0, 5.0


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def prepare(url: str, mode: str, total: int, fill_jobs: bool = True) -> float:
    """Fill the table (and, for per_callback, the job store); return the epoch of the first soon due.
    The far ones go in first, so that filling time never eats into the soon ones' lead."""
    from callcenter.db.session import make_engine, migrate

    migrate(url)
    engine = make_engine(url)
    soon = min(SOON, total)
    now = dt.datetime.now(dt.UTC)
    far = [now + dt.timedelta(days=1 + 29 * (i / total)) for i in range(soon, total)]
    _insert(engine, mode, fill_jobs, range(soon, total), far, now)
    soon_start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=SOON_AFTER_S)
    near = [soon_start + dt.timedelta(seconds=SOON_SPREAD_S * i / soon) for i in range(soon)]
    _insert(engine, mode, fill_jobs, range(soon), near, now)
    engine.dispose()
    return soon_start.timestamp()


def _insert(engine: Any, mode: str, fill_jobs: bool, numbers: range, dues: list[dt.datetime],
            now: dt.datetime) -> None:
    from sqlalchemy import insert

    from callcenter.db.models.callbacks import Callback

    rows = [{"caller": f"138{i:08d}", "department": "service", "reason": "abandoned", "due_at": due,
             "promised_at": due, "status": "pending", "attempts": 0, "created_at": now,
             "dedupe_key": f"bench:{i}"}
            for i, due in zip(numbers, dues, strict=True)]
    if not rows:
        return
    with engine.begin() as conn:
        conn.execute(insert(Callback), rows)
    if mode == "per_callback" and fill_jobs:
        _fill_job_store(engine, rows)


def _fill_job_store(engine: Any, rows: list[dict[str, Any]]) -> None:
    """What the scheduler's add_job would have stored for each callback, written in bulk."""
    from apscheduler.job import Job
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.date import DateTrigger
    from sqlalchemy import select

    from callcenter.callbacks.scheduler import JOB_TABLE
    from callcenter.db.models.callbacks import Callback

    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    store.jobs_t.create(engine, checkfirst=True)
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Callback.dedupe_key, Callback.id)).all())
    out = []
    for row in rows:
        callback_id = ids[row["dedupe_key"]]
        job = Job(scheduler, id=str(callback_id), func="callcenter.callbacks.scheduler:wake_callback",
                  args=[callback_id], kwargs={}, trigger=DateTrigger(row["due_at"]), executor="default",
                  misfire_grace_time=None, coalesce=True, max_instances=1, next_run_time=row["due_at"],
                  name="wake_callback")
        out.append({"id": job.id, "next_run_time": row["due_at"].timestamp(),
                    "job_state": pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)})
    with engine.begin() as conn:
        conn.execute(store.jobs_t.insert(), out)


class _Actions:
    def __init__(self) -> None:
        self.fired: dict[int, float] = {}

    async def originate(self, channel: str, **kw: Any) -> str:
        self.fired[int(kw["variables"]["CC_CALLBACK_ID"])] = time.time()
        return str(kw.get("action_id"))


async def _child(url: str, mode: str, total: int, soon_start: float) -> dict[str, Any]:
    from sqlalchemy import select

    from callcenter.config import load_settings
    from callcenter.db.models.callbacks import Callback
    from callcenter.db.session import make_engine
    from callcenter.service import Service

    settings = load_settings({"CALLCENTER_DATABASE_URL": url,
                              "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml")})
    # Calling hours around the clock: the bench runs on the wall clock, and at night every due
    # callback would otherwise wait for the morning (calendar.within_calling_hours).
    callbacks = settings.hotline.callbacks.model_copy(update={
        "scheduling": mode, "calling_hours_start": dt.time(0, 0), "calling_hours_end": dt.time(23, 59, 59)})
    hotline = settings.hotline.model_copy(update={"callbacks": callbacks})
    service = Service(replace(settings, hotline=hotline), factories=["callcenter.callbacks.component:build"])
    actions = _Actions()
    service.context.actions = actions
    rss_before = _rss_mb()
    started = time.perf_counter()
    await service.start()
    startup = time.perf_counter() - started
    rss_after = _rss_mb()
    soon = min(SOON, total)
    lateness: list[float] = []
    if soon:
        engine = make_engine(url)
        with engine.connect() as conn:
            due = {i: d.timestamp() for i, d in conn.execute(
                select(Callback.id,
                       Callback.due_at).where(Callback.dedupe_key.in_([f"bench:{i}" for i in range(soon)])))}
        engine.dispose()
        deadline = soon_start + SOON_SPREAD_S + 30
        while len(actions.fired) < soon and time.time() < deadline:
            await asyncio.sleep(0.1)
        lateness = [actions.fired[i] - due[i] for i in due if i in actions.fired]
    await service.stop()
    return {"mode": mode, "pending": total, "startup_seconds": round(startup, 3),
            "rss_mb_before_start": round(rss_before, 1), "rss_mb_after_start": round(rss_after, 1),
            "rss_mb_peak": round(_rss_mb("VmHWM"), 1), "due_expected": soon, "fired": len(lateness),
            "fired_too_early": sum(1 for x in lateness if x < -0.05),
            **_percentiles(lateness)}


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"lateness_p50_s": None, "lateness_p99_s": None, "lateness_max_s": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"lateness_p50_s": round(statistics.median(ordered), 4), "lateness_p99_s": round(p99, 4),
            "lateness_max_s": round(ordered[-1], 4)}


def _run(mode: str, total: int, fill_jobs: bool = True, pg: Any = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="callbacks-bench-") as tmp:
        url = pg.create_database("bench") if pg is not None else f"sqlite:///{Path(tmp) / 'bench.db'}"
        filled = time.perf_counter()
        soon_start = prepare(url, mode, total, fill_jobs)
        fill_seconds = time.perf_counter() - filled
        out = subprocess.run([sys.executable, "-m", "bench.callbacks_pending", "--child", url, mode,
                              str(total),
                              str(soon_start)], cwd=ROOT, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"{mode} run failed: {out.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        result["fill_seconds"] = round(fill_seconds, 1)
        result["database"] = "postgresql" if pg is not None else "sqlite"
        result["job_store_filled_before_start"] = fill_jobs if mode == "per_callback" else None
        return result


def main() -> None:
    runs = [_run(mode, total) for mode in ("per_callback", "next_due") for total in (0, TOTAL)]
    # per_callback after a crash or a switch from next_due: every job re-created at start-up
    # (measured at a tenth of the size; it grows linearly with the number of jobs).
    runs.append(_run("per_callback", COLD, fill_jobs=False))
    skipped = None
    try:
        from tests.support.postgres import PostgresUnavailable, start_cluster
        cluster = start_cluster()
    except (ImportError, PostgresUnavailable) as exc:
        skipped = f"PostgreSQL runs skipped: {exc}"
        print(skipped)
    else:
        try:
            runs += [_run(mode, TOTAL, pg=cluster) for mode in ("per_callback", "next_due")]
        finally:
            cluster.stop()
    results = {"target": {"startup_seconds": 5.0, "lateness_p99_s": 1.0}, "runs": runs, "skipped": skipped}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "callbacks_pending.json").write_text(json.dumps(results, indent=2) + "\n")
    for r in runs:
        print(f"{r['database']:<10} "
              f"{r['mode']:<13}{'' if r['job_store_filled_before_start'] is not False else ' (no jobs yet)'} "
              f"{r['pending']:>7} pending: start-up {r['startup_seconds']:.2f} s, RSS "
              f"{r['rss_mb_after_start']:.0f} MB (peak {r['rss_mb_peak']:.0f}), fired "
              f"{r['fired']}/{r['due_expected']},"
              f" lateness p50 {r['lateness_p50_s']} s p99 {r['lateness_p99_s']} s max "
              f"{r['lateness_max_s']} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, mode, total, soon_start = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
        print(json.dumps(asyncio.run(_child(url, mode, total, soon_start))))
    else:
        main()
