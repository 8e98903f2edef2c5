"""The transcription queue in the database: data functions over ``transcription_jobs``.

The caller owns the session and commits (STYLE habit 14). On PostgreSQL several workers, on
any machine, claim jobs with ``FOR UPDATE SKIP LOCKED``; SQLite serialises writers itself.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript, TranscriptionJob

MAX_ATTEMPTS = 3  # a recording that kills its worker three times is failed, not retried forever
# How long a claimed job is held without word from its worker. The worker renews it every third of
# that while it decodes, so it bounds how long the job of a worker that died on another machine
# waits for a new one, not how long a recording may take (CALLCENTER_TRANSCRIBE_LEASE_SECONDS).
DEFAULT_LEASE = dt.timedelta(minutes=5)
RECORDING_GRACE = dt.timedelta(minutes=10)  # how long a recording may take to appear after the call
# How far back the stored calls are looked through for one without its job (a crash between the
# call's commit and its CallStored message, a message lost): a week of calls, by their start.
MISSED_WINDOW = dt.timedelta(days=7)
MISSED_BATCH = 500

_SIDE = re.compile(r"-(caller|agent)\.wav$", re.IGNORECASE)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def recordings_by_side(paths: Iterable[str], recordings_dir: Path) -> list[dict[str, Any]]:
    """One entry per side, from MixMonitor's ``…-caller.wav`` / ``…-agent.wav`` names (C3).
    A mixed or unnamed file has no speaker and is left out."""
    found = []
    for raw in paths:
        match = _SIDE.search(Path(raw).name)
        if match is None:
            continue
        path = Path(raw) if Path(raw).is_absolute() else recordings_dir / raw
        found.append({"speaker": match.group(1).lower(), "path": str(path)})
    return found


def enqueue(session: Session, call_id: int, recordings: list[dict[str, Any]],
            now: dt.datetime) -> TranscriptionJob:
    """Queue the call once; a repeated CallStored for the same call, or the look for missed calls
    (here or on another node) racing with it, returns the existing job."""
    existing = _job_of(session, call_id)
    if existing is not None:
        return existing
    job = TranscriptionJob(call_id=call_id, recordings=recordings, status="queued", attempts=0,
                           created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # queued meanwhile by someone else (call_id is unique)
        found = _job_of(session, call_id)
        if found is None:
            raise
        return found
    return job


def _job_of(session: Session, call_id: int) -> TranscriptionJob | None:
    return session.scalars(select(TranscriptionJob).where(TranscriptionJob.call_id == call_id)).first()


def enqueue_missed(session: Session, recordings_dir: Path, now: dt.datetime,
                   window: dt.timedelta = MISSED_WINDOW,
                   name: Callable[[str], dict[str, str]] | None = None) -> int:
    """Queue the stored calls with per-side recordings that have no job yet: the job starts from
    the stored call, not only from the CallStored message, which a crash right after the call's
    commit never sends. Returns how many were queued."""
    has_side = or_(func.lower(Call.recordings).like("%-caller.wav%"),
                   func.lower(Call.recordings).like("%-agent.wav%"))
    queued, after = 0, 0
    while True:
        rows = session.execute(
            select(Call.id, Call.recordings)
            .outerjoin(TranscriptionJob, TranscriptionJob.call_id == Call.id)
            .where(Call.id > after, Call.started_at >= now - window, Call.recordings.is_not(None), has_side,
                   TranscriptionJob.id.is_(None))
            .order_by(Call.id).limit(MISSED_BATCH)).all()
        for call_id, recordings in rows:
            sides = recordings_by_side((recordings or "").splitlines(), recordings_dir)
            if name is not None:  # by this node's recordings store (issue 16)
                sides = [{"speaker": side["speaker"], **name(side["path"])} for side in sides]
            if sides:
                enqueue(session, call_id, sides, now)
                queued += 1
        if len(rows) < MISSED_BATCH:
            return queued
        after = rows[-1][0]


def claim_next(session: Session, worker: str, now: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE
               ) -> TranscriptionJob | None:
    """Take the oldest queued job, or a running one whose claimer's lease has run out."""
    while True:
        job = session.scalars(
            select(TranscriptionJob)
            .where(or_(TranscriptionJob.status == "queued",
                       TranscriptionJob.status.in_(("running",
                                                    "waiting")) & (TranscriptionJob.lease_until < now)))
            .order_by(TranscriptionJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            _set_failed(job, f"gave up after {job.attempts} attempts (the last one never finished)", now)
            continue
        job.status, job.claimed_by, job.lease_until = "running", worker, now + lease
        job.attempts += 1
        job.updated_at = now
        session.flush()
        return job


def renew_lease(session: Session, job_id: int, worker: str, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Extend a running job's lease while its worker is still at it (very long calls)."""
    job = session.get(TranscriptionJob, job_id)
    if job is None or job.status != "running" or job.claimed_by != worker:
        return False
    job.lease_until, job.updated_at = now + lease, now
    return True


def release_orphans(session: Session, host: str, alive: Callable[[int], bool], now: dt.datetime) -> int:
    """Requeue running jobs claimed on this host by processes that no longer exist.

    The attempt is not counted: decoding runs in the worker's own child processes, so a recording
    that crashes the recognizer is counted by the worker that saw it (``retry_later``); a worker
    process that is gone was stopped or killed, which says nothing about the recording. Counted,
    a job whose workers are killed three times would be failed and its transcript lost."""
    released = 0
    running = session.scalars(select(TranscriptionJob).where(TranscriptionJob.status == "running")
                              .with_for_update(skip_locked=True)).all()
    for job in running:
        claimer_host, _, pid = (job.claimed_by or "").rpartition(":")
        if claimer_host == host and pid.isdigit() and not alive(int(pid)):
            _requeue(job, now)
            job.attempts = max(0, job.attempts - 1)
            released += 1
    return released


def holds(session: Session, job_id: int, worker: str) -> TranscriptionJob | None:
    """The job, locked, if ``worker`` still holds it; None when another worker took it over (its
    lease ran out, or it was requeued as an orphan): then its result is not stored, so a call is
    never transcribed twice."""
    job = session.get(TranscriptionJob, job_id, with_for_update=True)
    if job is None or job.status != "running" or job.claimed_by != worker:
        return None
    return job


def release_one(session: Session, job_id: int, worker: str, now: dt.datetime) -> bool:
    """Give back one job this worker claimed and will not run (an interrupted attempt, not a failed one)."""
    job = session.get(TranscriptionJob, job_id)
    if job is None or job.status != "running" or job.claimed_by != worker:
        return False
    _requeue(job, now)
    job.attempts = max(0, job.attempts - 1)
    return True


def release_claimed_by(session: Session, worker: str, now: dt.datetime) -> int:
    """On an orderly stop: give this worker's unfinished jobs back to the queue."""
    jobs = session.scalars(select(TranscriptionJob).where(
        TranscriptionJob.status == "running", TranscriptionJob.claimed_by == worker)).all()
    for job in jobs:
        _requeue(job, now)
        job.attempts = max(0, job.attempts - 1)  # an interrupted attempt is not a failed one
    return len(jobs)


def complete(session: Session, job_id: int, turns: list[dict[str, Any]], model: str,
             now: dt.datetime) -> Transcript:
    job = session.get_one(TranscriptionJob, job_id)
    transcript = Transcript(call_id=job.call_id, turns=turns, model=model, created_at=now)
    session.add(transcript)
    session.flush()
    job.status, job.transcript_id, job.error = "done", transcript.id, None
    job.claimed_by, job.lease_until, job.updated_at = None, None, now
    return transcript


def wait_for_recordings(session: Session, job_id: int, reason: str, now: dt.datetime, retry_in: dt.timedelta,
                        grace: dt.timedelta = RECORDING_GRACE) -> bool:
    """A recording is not on disk yet: try again after ``retry_in`` (not counted as an
    attempt), until ``grace`` after the job was queued. Returns False when it gave up."""
    job = session.get_one(TranscriptionJob, job_id)
    if now - job.created_at > grace:
        _set_failed(job, f"{reason} ({int(grace.total_seconds())} s after the call ended)", now)
        return False
    job.status, job.claimed_by, job.lease_until, job.updated_at = "waiting", None, now + retry_in, now
    job.attempts, job.error = max(0, job.attempts - 1), reason
    return True


def fail(session: Session, job_id: int, reason: str, now: dt.datetime) -> None:
    _set_failed(session.get_one(TranscriptionJob, job_id), reason, now)


def retry_later(session: Session, job_id: int, reason: str, now: dt.datetime, *, counts: bool = True) -> None:
    """A failure that is not the recording's fault: back to the queue. A crashed worker counts
    as an attempt; a missing model does not (the recordings wait for one)."""
    job = session.get_one(TranscriptionJob, job_id)
    if not counts:
        job.attempts = max(0, job.attempts - 1)
    elif job.attempts >= MAX_ATTEMPTS:
        _set_failed(job, f"{reason} (after {job.attempts} attempts)", now)
        return
    _requeue(job, now)
    job.error = reason


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _requeue(job: TranscriptionJob, now: dt.datetime) -> None:
    job.status, job.claimed_by, job.lease_until, job.updated_at = "queued", None, None, now


def _set_failed(job: TranscriptionJob, reason: str, now: dt.datetime) -> None:
    job.status, job.error, job.claimed_by, job.lease_until, job.updated_at = "failed", reason, None, None, now
