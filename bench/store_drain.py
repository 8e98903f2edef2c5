"""How long a 60 s database outage's backlog takes to drain (issue 11).

A CallWriter (spool on, fsync'd) takes finished calls — the real trace calls with their journals,
each under its own Linkedid — at a steady rate far above any hotline's (RATE calls/s) while its
database is away for OUTAGE_S seconds: PostgreSQL stopped (pg_ctl stop, then start), and SQLite
with its write lock held by another connection. Measured from the moment the database is back:
until the first commit (the capped backoff) and until the spool is empty; also the spool's peak
size and the drain rate. Every call must be stored exactly once. Writes
bench/results/store_drain.json."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench._common import ROOT, write_result
from callcenter.ami.framing import AmiFramer
from callcenter.calls.ingest import ingest
from callcenter.calls.model import CallRecord
from callcenter.calls.replay import read_chunks
from callcenter.calls.tracker import CallTracker, Journal
from callcenter.db.models.calls import Call
from callcenter.db.session import make_engine, make_session_factory, migrate
from callcenter.store.spool import Spool
from callcenter.store.writer import CallWriter

OUTAGE_S = 60.0
RATE = 50.0  # calls/s: a 30-agent hotline finishes well under one call per second
TRACES = ROOT / "tests" / "data" / "ami-traces"
NAMES = ["answered_fast", "rollover", "abandoned", "two_concurrent", "sip_hold", "queue_agi_greeting"]


def trace_calls() -> list[tuple[CallRecord, Journal]]:
    out: list[tuple[CallRecord, Journal]] = []
    for name in NAMES:
        tracker = CallTracker(on_finished=lambda record, journal: out.append((record, list(journal))))
        framer = AmiFramer()
        for chunk in read_chunks(TRACES / f"{name}.ami"):
            for message in framer.feed(chunk):
                ingest(tracker, message, 0.0)
    return out


def run(url: str, spool_dir: Path, outage: Any, recover: Any, label: str) -> dict[str, Any]:
    base = trace_calls()
    engine = make_engine(url, sqlite_busy_timeout=1.0)
    writer = CallWriter(make_session_factory(engine), Spool(spool_dir, 1 << 34))
    writer.start()
    submitted = 0
    peak_bytes = 0
    outage()
    started = time.monotonic()
    while time.monotonic() - started < OUTAGE_S:
        target = int((time.monotonic() - started) * RATE)
        while submitted < target:
            record, journal = base[submitted % len(base)]
            writer.submit(dataclasses.replace(record, linkedid=f"drain.{submitted}"), journal)
            submitted += 1
        peak_bytes = max(peak_bytes, writer.spool.size)
        time.sleep(0.01)
    writer.flush()
    peak_bytes = max(peak_bytes, writer.spool.size)
    backlog = writer.waiting
    stored_before = writer.stored
    recover()
    back = time.monotonic()
    first_commit = None
    while writer.waiting:
        if first_commit is None and writer.stored > stored_before:
            first_commit = time.monotonic() - back
        time.sleep(0.005)
    drained = time.monotonic() - back
    writer.stop()
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(Call)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Call.linkedid)))) or 0
    engine.dispose()
    if stored != submitted or distinct != submitted:
        raise RuntimeError(f"{label}: {submitted} calls submitted, {stored} stored ({distinct} distinct)")
    return {"database": label, "outage_s": OUTAGE_S, "rate_calls_per_s": RATE,
            "calls_during_outage": submitted,
            "backlog_when_back": backlog, "spool_peak_mb": round(peak_bytes / 1e6, 1),
            "first_commit_after_back_s": round(first_commit if first_commit is not None else drained, 2),
            "drain_s": round(drained, 2),
            "drain_calls_per_s": round(backlog / drained, 1) if drained else None,
            "stored": stored, "duplicated": stored - distinct}


def sqlite_run(tmp: Path) -> dict[str, Any]:
    url = f"sqlite:///{tmp / 'drain.db'}"
    migrate(url)
    holder = sqlite3.connect(tmp / "drain.db", isolation_level=None, check_same_thread=False)

    def release() -> None:
        holder.execute("ROLLBACK")
        holder.close()
    return run(url, tmp / "spool-sqlite", lambda: holder.execute("BEGIN IMMEDIATE"), release,
               "sqlite (write lock held)")


def postgres_run(tmp: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    try:
        url = cluster.create_database("drain")
        migrate(url)
        return run(url, tmp / "spool-pg", cluster.halt, cluster.resume, "postgresql (server stopped)")
    finally:
        cluster.stop()


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        results = [sqlite_run(Path(tmp)), postgres_run(Path(tmp))]
    result = {"runs": results}
    write_result("store_drain", result)
    for r in results:
        print(f"{r['database']}: {r['calls_during_outage']} calls in a {r['outage_s']:.0f} s outage "
              f"(spool {r['spool_peak_mb']} MB); first commit {r['first_commit_after_back_s']} s after the "
              f"database came back, drained in {r['drain_s']} s ({r['drain_calls_per_s']} calls/s); "
              f"{r['stored']} stored, "
              f"{r['duplicated']} duplicated")
    return result


if __name__ == "__main__":
    main()
