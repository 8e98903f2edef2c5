"""Transcription throughput with one and with two worker processes (issue 16), in the same run:
the same queued jobs (two sides of a spoken call each, espeak-ng audio, the packaged Korean Vosk
model) decoded by `callcenter run --role worker` processes against one PostgreSQL. The figure is
jobs per minute from the first claim to the last transcript; the ratio says what the second
worker adds on this machine (two cores shared with others: less than 2x when it is busy).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import ROOT, write_result

JOBS = 12


def _audio(directory: Path) -> list[dict[str, str]]:
    from tests.support import synth

    caller = synth.synthesize("안녕하세요 부엌 수도관이 새고 있어요 기사님을 보내 주세요",
                              directory / "c.wav", 8000)
    agent = synth.synthesize("안녕하세요 관리사무소입니다 오후 두 시에 방문하겠습니다 감사합니다",
                             directory / "a.wav", 8000)
    return [{"speaker": "caller", "path": str(caller)}, {"speaker": "agent", "path": str(agent)}]


def _queue(url: str, sides: list[dict[str, str]]) -> None:
    from sqlalchemy import text

    from callcenter.db.models.calls import Call
    from callcenter.db.session import make_engine, make_session_factory, unit_of_work

    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM transcripts"))
        conn.execute(text("DELETE FROM transcription_jobs"))
    with unit_of_work(make_session_factory(engine)) as session:
        if session.query(Call).count() < JOBS:
            for i in range(JOBS):
                session.add(Call(server="bench", linkedid=f"bench-{i}", started_at=now, ended_at=now,
                                 answered=True, hangup_first="caller"))
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM calls ORDER BY id LIMIT :n"), {"n": JOBS})]
        for call_id in ids:
            conn.execute(text("INSERT INTO transcription_jobs (call_id, recordings, status, attempts, "
                              "created_at, updated_at) VALUES (:c, :r, 'queued', 0, :t, :t)"),
                         {"c": call_id, "r": json.dumps(sides), "t": now})
    engine.dispose()


def _seconds(sides: list[dict[str, str]]) -> float:
    from callcenter.speech.audio import inspect_wav

    return sum(inspect_wav(Path(side["path"])).seconds for side in sides)


def _done(url: str) -> int:
    from sqlalchemy import text

    from callcenter.db.session import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        done = conn.execute(text("SELECT count(*) FROM transcription_jobs WHERE status = 'done'")).scalar()
    count = int(done or 0)
    engine.dispose()
    return count


def _wake_workers(url: str) -> None:
    import psycopg

    from callcenter.relay.link import CHANNEL, conninfo

    envelope = {"o": "bench", "s": "bench", "k": "TranscriptionQueued", "b": {"call_id": 0}}
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, json.dumps(envelope)))


def _run(url: str, base: Path, workers: int, sides: list[dict[str, str]]) -> dict[str, Any]:
    from tests.support.synth import packaged_korean_model_path
    from tests.topology.cluster import Cluster

    model = {"CALLCENTER_ASR_MODEL": str(packaged_korean_model_path())}
    cluster = Cluster(url, base / f"w{workers}", extra_env=model)
    try:
        parts = [cluster.start(f"worker-{i}", ("worker",)) for i in range(workers)]
        for part in parts:
            cluster.wait_running(part)  # the model is loaded before the jobs are queued
        _queue(url, sides)
        started = time.perf_counter()
        _wake_workers(url)  # at once, as the tracker's TranscriptionQueued does, not at their next poll
        while _done(url) < JOBS:
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    finally:
        cluster.stop_all()
    return {"workers": workers, "jobs": JOBS, "seconds": round(seconds, 1),
            "jobs_per_minute": round(JOBS * 60 / seconds, 1)}


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from callcenter.db.session import migrate
    from tests.support.postgres import start_cluster

    cluster = start_cluster()
    try:
        url = cluster.create_database("workers")
        migrate(url)
        with tempfile.TemporaryDirectory() as tmp:
            sides = _audio(Path(tmp))
            audio = _seconds(sides)
            one = _run(url, Path(tmp), 1, sides)
            two = _run(url, Path(tmp), 2, sides)
    finally:
        cluster.stop()
    result = {"one_worker": one, "two_workers": two,
              "speed_up": round(one["seconds"] / two["seconds"], 2),
              "audio_seconds_per_job": round(audio, 1),
              "load_average_after": [round(x, 1) for x in os.getloadavg()]}
    print(json.dumps(result, indent=2))
    write_result("transcribe_workers", result)


if __name__ == "__main__":
    main()
