"""The speech component: queue a transcription job when a call with recordings is stored (on
its CallStored, and from the stored calls at start and on every poll, so a message lost to a
crash loses no job), run queued jobs on the worker pool, store the transcript and publish
``TranscriptReady`` (C4).

A missing or broken model stops only this stage: the error is logged once with how to
install a model, jobs keep queueing, and they run once a model is in place (checked again on
every new call and every poll) or after a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
import socket
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from sqlalchemy.orm import Session

from callcenter.db.session import unit_of_work
from callcenter.messages import CallStored, TranscriptionQueued, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.speech import jobs
from callcenter.speech.errors import ModelUnavailable
from callcenter.speech.models import resolve_model
from callcenter.speech.stores import RecordingStores
from callcenter.speech.worker import JobOutcome, WorkerPool

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0  # calls stored without their job (a process died between the two)
ORPHAN_CHECK_SECONDS = 10.0  # a killed worker's jobs here, other machines' jobs, expired leases, a new model

ExecutorFactory = Callable[[Path, int], Executor]


class SpeechComponent:
    name = "speech"

    def __init__(self, ctx: ServiceContext, executor_factory: ExecutorFactory | None = None,
                 lease: dt.timedelta | None = None,
                 recording_retry: dt.timedelta = dt.timedelta(seconds=5), *,
                 intake: bool = True, decode: bool = True) -> None:
        self.ctx = ctx
        # Run apart (issue 16), the process that stores calls queues their jobs (intake) and the
        # transcription workers decode them (decode); the all-in-one service does both.
        self.intake, self.decode = intake, decode
        self._recording_retry = recording_retry
        self._executor_factory = executor_factory
        self._lease = lease or dt.timedelta(seconds=ctx.settings.transcribe_lease_seconds)
        self._worker = jobs.worker_id()
        self._pool: WorkerPool | None = None
        self._model_problem: str | None = None
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._next_orphan_check = 0.0
        settings = ctx.settings
        token = settings.recordings_token.reveal() if settings.recordings_token else None
        self.stores = RecordingStores(settings.recording_store, settings.recordings_dir,
                                      settings.recording_stores, token)
        self._intake_task: asyncio.Task[None] | None = None

    @property
    def model_problem(self) -> str | None:
        """Why transcription is waiting, or None while it runs."""
        return self._model_problem

    async def start(self) -> None:
        if self.intake:
            self.ctx.bus.subscribe(CallStored, self._on_call_stored, name="speech:call-stored")
            await self._enqueue_missed()
            self._intake_task = asyncio.create_task(self._enqueue_missed_forever(), name="speech:missed")
        if not self.decode:
            return
        self.ctx.bus.subscribe(TranscriptionQueued, self._on_queued, name="speech:queued")
        released = await asyncio.to_thread(self._in_session, jobs.release_orphans, socket.gethostname(),
                                           jobs.pid_alive, self.ctx.clock.now())
        if released:
            log.info("speech: %d job(s) left running by a stopped process are queued again", released)
        await self._ensure_pool()
        self._loop_task = asyncio.create_task(self._dispatch_forever(), name="speech:dispatch")

    async def stop(self) -> None:
        for task in (self._loop_task, self._intake_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        if not self.decode:
            return
        await asyncio.to_thread(self._in_session, jobs.release_claimed_by, self._worker, self.ctx.clock.now())
        if self._pool is not None:
            await asyncio.to_thread(self._pool.close)
            self._pool = None

    async def _enqueue_missed(self) -> None:
        """Jobs start from the stored calls: a call whose CallStored never came (the process died
        right after its commit) is queued here, at start and on every poll; never twice."""
        try:
            queued = await asyncio.to_thread(self._in_session, jobs.enqueue_missed,
                                             self.ctx.settings.recordings_dir, self.ctx.clock.now(),
                                             jobs.MISSED_WINDOW, self.stores.reference)
        except Exception as exc:  # noqa: BLE001 - the database may be away: the next poll looks again
            log.warning("speech: stored calls without their transcription job could not be read now (%s)",
                        str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
            return
        if queued:
            log.info("speech: %d stored call(s) had no transcription job; queued", queued)
            self._wake.set()

    async def _enqueue_missed_forever(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self._enqueue_missed()

    async def _on_call_stored(self, message: CallStored) -> None:
        sides = jobs.recordings_by_side(message.record.recordings, self.ctx.settings.recordings_dir)
        if not sides:
            return  # unanswered calls and calls without per-side recordings have nothing to transcribe
        # Named by this node's store, so a worker on any machine can find them (issue 16).
        sides = [{"speaker": side["speaker"], **self.stores.reference(side["path"])} for side in sides]
        await asyncio.to_thread(self._in_session, jobs.enqueue, message.call_id, sides, self.ctx.clock.now())
        self._wake.set()
        self.ctx.bus.publish(TranscriptionQueued(message.call_id))

    def _on_queued(self, message: TranscriptionQueued) -> None:
        self._wake.set()

    async def _ensure_pool(self) -> bool:
        if self._pool is not None:
            return True
        try:
            path = await asyncio.to_thread(resolve_model, self.ctx.settings)
            workers = self.ctx.settings.transcribe_workers
            executor = self._executor_factory(path, workers) if self._executor_factory else None
            pool = WorkerPool(path, workers, executor)
            try:
                await pool.warm_up()
            except ModelUnavailable:
                await asyncio.to_thread(pool.close)
                raise
        except Exception as exc:
            if not isinstance(exc, ModelUnavailable):
                log.exception("speech: starting the transcription workers failed")
            if str(exc) != self._model_problem:
                # A missing model is expected on a first start: one warning naming the fix.
                report = log.warning if isinstance(exc, ModelUnavailable) else log.error
                report("speech: transcription waits: %s", exc)
            self._model_problem = str(exc)
            return False
        if self._model_problem:
            log.info("speech: model %s loaded; transcription resumes", path)
        self._pool, self._model_problem = pool, None
        return True

    async def _dispatch_forever(self) -> None:
        while True:
            try:
                await self._dispatch()
            except Exception:
                log.exception("speech: dispatching jobs failed; retrying after the next wake-up")
            # A timer sets the event rather than wait_for(): on 3.11, cancelling wait_for at the
            # moment its inner wait completes can leave the task hanging in "cancelling".
            # Idle, it still looks every ORPHAN_CHECK_SECONDS: a job left running by a worker
            # killed on this host goes back to the queue then, not at the next poll.
            timer = asyncio.get_running_loop().call_later(ORPHAN_CHECK_SECONDS, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()
            self._wake.clear()

    async def _dispatch(self) -> None:
        if not await self._ensure_pool():
            return
        await self._release_orphans_now_and_then()
        while len(self._running) < self.ctx.settings.transcribe_workers:
            claimed = await asyncio.to_thread(self._claim)
            if claimed is None:
                return
            task = asyncio.create_task(self._run(*claimed), name=f"speech:job:{claimed[0]}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _release_orphans_now_and_then(self) -> None:
        """A worker killed mid-job on this host leaves its job running under a dead pid: any
        other worker here queues it again (a worker on another host waits for the lease)."""
        mono = asyncio.get_running_loop().time()
        if mono < self._next_orphan_check:
            return
        self._next_orphan_check = mono + ORPHAN_CHECK_SECONDS
        released = await asyncio.to_thread(self._in_session, jobs.release_orphans, socket.gethostname(),
                                           jobs.pid_alive, self.ctx.clock.now())
        if released:
            log.info("speech: %d job(s) of a stopped worker are queued again", released)

    def _claim(self) -> tuple[int, int, list[dict[str, str]]] | None:
        with unit_of_work(self.ctx.sessions) as session:
            job = jobs.claim_next(session, self._worker, self.ctx.clock.now(), self._lease)
            return None if job is None else (job.id, job.call_id, list(job.recordings))

    async def _run(self, job_id: int, call_id: int, recordings: list[dict[str, str]]) -> None:
        try:
            await self._run_job(job_id, call_id, recordings)
        except Exception as exc:  # per-job boundary: the job goes back to the queue; the service goes on
            log.exception("speech: job %d (call %d) could not be completed", job_id, call_id)
            await self._give_back(job_id, f"could not be completed: {type(exc).__name__}: {exc}"[:500])
        finally:
            # Free the slot before waking the dispatcher (a done-callback would run too late).
            self._running.discard(asyncio.current_task())
            self._wake.set()

    async def _give_back(self, job_id: int, reason: str) -> None:
        """Requeue a job this worker holds and could not finish, counted as an attempt (a job that
        fails this way three times is failed), so it never waits out a lease held by a live worker."""
        def give_back(session: Session) -> None:
            if jobs.holds(session, job_id, self._worker) is not None:
                jobs.retry_later(session, job_id, reason, self.ctx.clock.now())

        try:
            await asyncio.to_thread(self._in_session, give_back)
        except Exception as exc:  # noqa: BLE001 - the database is away: the lease brings the job back
            log.warning("speech: job %d could not be given back now (%s); its lease brings it back",
                        job_id, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)

    async def _run_job(self, job_id: int, call_id: int, recordings: list[dict[str, str]]) -> None:
        pool = self._pool
        if pool is None:  # the model went away after the claim: the job goes back, not held by us
            log.warning("speech: job %d goes back to the queue: %s", job_id, self._model_problem)
            await asyncio.to_thread(self._in_session, jobs.release_one, job_id, self._worker,
                                    self.ctx.clock.now())
            return
        keeper = asyncio.create_task(self._keep_lease(job_id), name=f"speech:lease:{job_id}")
        scratch = self.ctx.settings.var_dir / "fetched" / str(job_id)
        try:
            files = [{"speaker": r["speaker"], "path": await self.stores.local_file(r, scratch)}
                     for r in recordings]
            outcome = await pool.run(files)
        finally:
            keeper.cancel()
            await asyncio.to_thread(shutil.rmtree, scratch, True)  # copies fetched from other nodes
        transcript_id = await asyncio.to_thread(self._record, job_id, outcome, pool.model_name)
        if outcome.files_missing:
            asyncio.get_running_loop().call_later(self._recording_retry.total_seconds(), self._wake.set)
        if outcome.model_missing:
            self._model_problem, self._pool = outcome.error, None
            await asyncio.to_thread(pool.close)
        if transcript_id is not None:
            self.ctx.bus.publish(TranscriptReady(call_id=call_id, transcript_id=transcript_id))

    async def _keep_lease(self, job_id: int) -> None:
        """Renew the lease every third of it while decoding. A renewal that fails (the database
        away for a moment) is tried again at the next; one that finds the job taken over says so
        (the result will not be stored, see ``_record``)."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                held = await asyncio.to_thread(self._in_session, jobs.renew_lease, job_id, self._worker,
                                               self.ctx.clock.now(), self._lease)
            except Exception as exc:  # noqa: BLE001 - the next renewal tries again
                log.warning("speech: the lease of job %d could not be renewed now (%s)", job_id,
                            str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
                continue
            if not held:
                log.warning("speech: job %d was taken over by another worker while this one decoded it",
                            job_id)
                return

    def _record(self, job_id: int, outcome: JobOutcome, model: str) -> int | None:
        now = self.ctx.clock.now()
        with unit_of_work(self.ctx.sessions) as session:
            if jobs.holds(session, job_id, self._worker) is None:
                log.warning("speech: job %d is no longer this worker's (its lease ran out and another "
                            "worker took it); this result is not stored", job_id)
                return None
            if outcome.error is None:
                return jobs.complete(session, job_id, outcome.turns, model, now).id
            if outcome.files_missing:
                if not jobs.wait_for_recordings(session, job_id, outcome.error, now, self._recording_retry):
                    log.warning("speech: job %d failed: %s", job_id, outcome.error)
            elif outcome.retry:
                jobs.retry_later(session, job_id, outcome.error, now, counts=not outcome.model_missing)
            else:
                log.warning("speech: job %d failed: %s", job_id, outcome.error)
                jobs.fail(session, job_id, outcome.error, now)
            return None

    def _in_session(self, function: Callable[..., object], *args: object) -> object:
        with unit_of_work(self.ctx.sessions) as session:
            return function(session, *args)


def build(ctx: ServiceContext) -> SpeechComponent:
    return SpeechComponent(ctx)


def build_intake(ctx: ServiceContext) -> SpeechComponent:
    """Queue the jobs of the calls this process stores; decode none (the tracker role)."""
    return SpeechComponent(ctx, decode=False)


def build_worker(ctx: ServiceContext) -> SpeechComponent:
    """Decode jobs whoever queued them (the worker role)."""
    return SpeechComponent(ctx, intake=False)
