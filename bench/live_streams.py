"""Live transcription (issue 17), three figures in one run (``python -m bench live_streams``):

1. ``sides_per_core``: how many call sides one core recognises in real time. Eight sides of
   espeak Korean speech with pauses (the packaged model, 8 kHz) are fed in turn, 0.16 s at a time
   as the service feeds them, on one thread; sides per core = audio seconds / CPU seconds.
2. ``greeting``: the ``answered`` FastAGI decision (connect -> STREAM FILE, as bench/ivr_answered)
   with no live stream, then with 20 call sides streaming in real time into the service's event
   loop (AudioSocket receiver -> StreamPool, the stream workers on the machine's cores; the
   Asterisk side of the AudioSocket framing runs in a thread of its own, as Asterisk would), same run.
3. ``asterisk``: on the real Asterisk 20.20.1 of the test tier (skipped with the reason without
   it), calls where the caller's phone says a sentence holding the planted alert word: from the
   end of the spoken word (when the phone sent its last sample) to the alert in the wallboard's
   feed; and every live result's lag, from the arrival of the audio it covers at the receiver.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import struct
import sys
import tempfile
import threading
import time
import uuid
import wave
from pathlib import Path
from typing import Any

from bench._common import RESULTS, ROOT, percentile, write_result
from bench.ivr_answered import _session, _summary, _Tracker
from callcenter.bus import EventBus
from callcenter.config import load_settings
from callcenter.db.session import make_engine, make_session_factory
from callcenter.ivr.component import IvrComponent
from callcenter.live import audiosocket
from callcenter.live.audiosocket import AudioSocketServer
from callcenter.service import ServiceContext
from callcenter.speech.streaming import BYTES_PER_SECOND, LiveModel, StreamPool
from tests.support import synth

SENTENCES = ["전화 전화 학교", "안녕하세요 감사합니다", "오늘 날씨가 좋습니다", "저는 학생입니다",
             "내일 다시 전화하겠습니다"]
CAPACITY_SIDES = 8
CAPACITY_SECONDS = 40.0  # of audio per side
LIVE_SIDES = 20
GREETING_SESSIONS = 400
CALLS = 10


def _pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def _conversation(folder: Path, seconds: float, shift: int) -> bytes:
    """Speech and pauses (a side speaks about half the time), ``seconds`` long."""
    quiet = b"\0" * int(BYTES_PER_SECOND * 1.5)
    out = bytearray()
    i = shift
    while len(out) < seconds * BYTES_PER_SECOND:
        text = SENTENCES[i % len(SENTENCES)]
        out += _pcm(synth.synthesize(text, folder / f"s{i % len(SENTENCES)}.wav", 8000)) + quiet
        i += 1
    return bytes(out[: int(seconds * BYTES_PER_SECOND)])


# --- 1. sides per core ---------------------------------------------------------------------------


def sides_per_core(folder: Path) -> dict[str, Any]:
    model = LiveModel(synth.packaged_korean_model())
    audio = [_conversation(folder, CAPACITY_SECONDS, shift) for shift in range(CAPACITY_SIDES)]
    sides = [model.open() for _ in audio]
    chunk = BYTES_PER_SECOND * 16 // 100
    warm = model.open()  # the graph's lazy expansion is paid once per recogniser: not in the figure
    warm.feed(audio[0][: BYTES_PER_SECOND * 3])
    model.close(warm)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for start in range(0, len(audio[0]), chunk):
        for side, pcm in zip(sides, audio, strict=True):
            side.feed(pcm[start:start + chunk])
    for side in sides:
        model.close(side)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    heard = CAPACITY_SIDES * CAPACITY_SECONDS
    return {"sides": CAPACITY_SIDES, "audio_seconds_per_side": CAPACITY_SECONDS, "cpu_seconds": round(cpu, 2),
            "wall_seconds": round(wall, 2), "sides_per_core": round(heard / cpu, 1),
            "real_time_factor_per_side": round(cpu / heard, 4)}


# --- 2. the greeting decision with live streams running -----------------------------------------------


def _asterisk_side(port: int, pcm: bytes, stop: threading.Event) -> None:
    """What chan_audiosocket sends, in real time, from a thread with its own loop."""

    async def one(index: int) -> None:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(audiosocket.uuid_frame(uuid.UUID(int=index + 1)))
        next_at = time.monotonic()
        offset = (index * 7919) % len(pcm)
        while not stop.is_set():
            frame = pcm[offset:offset + 320].ljust(320, b"\0")
            offset = (offset + 320) % len(pcm)
            writer.write(audiosocket.encode(audiosocket.KIND_AUDIO, frame))
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        writer.write(audiosocket.encode(audiosocket.KIND_HANGUP))
        await writer.drain()
        writer.close()

    async def all_sides() -> None:
        await asyncio.gather(*(one(i) for i in range(LIVE_SIDES)))

    asyncio.run(all_sides())


async def _greeting(folder: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"),
                                  "CALLCENTER_VAR_DIR": tmp})
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        ctx = ServiceContext(settings=dataclasses.replace(settings, agi_port=0), bus=EventBus(),
                             engine=engine, sessions=make_session_factory(engine), tracker=_Tracker())
        ivr = IvrComponent(ctx)
        await ivr.start()
        pool = StreamPool(synth.packaged_korean_model_path(), workers=2, capacity=LIVE_SIDES)
        await pool.start()
        results = 0

        def counted(_: Any) -> None:
            nonlocal results
            results += 1

        async def on_stream(_key: uuid.UUID, audio: Any) -> None:  # as LiveComponent._on_stream
            side = pool.open(counted, lambda problem: None)
            assert side is not None
            batch = bytearray()
            async for chunk in audio:
                batch += chunk
                if len(batch) >= BYTES_PER_SECOND * 16 // 100:
                    pool.feed(side, bytes(batch))
                    batch.clear()
            pool.end(side)

        receiver = AudioSocketServer(on_stream)
        await receiver.start("127.0.0.1", 0)
        stop = threading.Event()
        try:
            assert ivr.address is not None
            port = ivr.address[1]
            idle = [await _session(port) for _ in range(GREETING_SESSIONS)]
            speech = _conversation(folder, 30.0, 0)
            feeder = threading.Thread(target=_asterisk_side, args=(receiver.port, speech, stop), daemon=True)
            feeder.start()
            await asyncio.sleep(8.0)  # every side streaming, past each recogniser's first utterance
            backlog_before = pool.backlog_seconds()
            busy = [await _session(port) for _ in range(GREETING_SESSIONS)]
            backlog_after = pool.backlog_seconds()
            active = pool.active
        finally:
            stop.set()
            await asyncio.sleep(0.5)
            await receiver.close()
            await pool.close()
            await ivr.stop()
            engine.dispose()

    def with_p99(samples: list[float]) -> dict[str, float]:
        out = _summary(samples)
        out["p99_ms"] = round(percentile(samples, 0.99) * 1000, 3)
        return out

    return {"sessions": GREETING_SESSIONS, "live_sides": active, "results_while_measured": results,
            "stream_workers": 2, "backlog_seconds": [round(backlog_before, 2), round(backlog_after, 2)],
            "no_live_streams": with_p99(idle), "with_live_streams": with_p99(busy)}


# --- 3. on the real Asterisk -------------------------------------------------------------------------


async def _asterisk(folder: Path) -> dict[str, Any]:
    from tests.asterisk.conftest import FACTORIES, Pbx, RunningService, random_caller
    from tests.asterisk.harness import (
        CENTRE_NUMBER,
        Asterisk,
        AsteriskMissing,
        find_tarball,
        free_port,
        unpacked_tree,
    )
    from tests.asterisk.pbx import AmiDriver, AmiStream, bridged
    from tests.asterisk.tones import ULAW_TO_LINEAR, to_ulaw

    try:
        tarball = find_tarball()
    except AsteriskMissing as exc:
        return {"skipped": str(exc)}
    from callcenter.live.component import LiveComponent
    from callcenter.web.live import LiveBoard

    said = _pcm(synth.synthesize("전화 전화 학교 전화", folder / "caller.wav", 8000, speed=130))
    model = LiveModel(synth.packaged_korean_model())
    side = model.open()
    mulaw = to_ulaw(said)
    linear = struct.pack(f"<{len(mulaw)}h", *(ULAW_TO_LINEAR[b] for b in mulaw))
    results = [r for s in range(0, len(linear), 2560) for r in side.feed(linear[s:s + 2560])]
    results += side.feed(b"\0" * 16000) + model.close(side)
    words = [w for r in results if r.final for w in r.words]
    planted = sorted({w.word for w in words if len(w.word) >= 2}, key=len, reverse=True)[:3]
    ends = {w.word: w.end for w in reversed(words)}  # where each planted word first ends

    asterisk = Asterisk(unpacked_tree(tarball), folder / "asterisk")
    asterisk.prepare()
    asterisk.start()
    hotline = folder / "hotline-live.toml"
    hotline.write_text(asterisk.hotline.read_text(encoding="utf-8")
                       + "\n[live]\nalert_words = [" + ", ".join(f'"{w}"' for w in planted) + "]\n",
                       encoding="utf-8")
    running = RunningService(asterisk, f"sqlite:///{folder / 'bench.db'}", hotline=hotline,
                             factories=[*FACTORIES, "callcenter.live.component:build"],
                             CALLCENTER_ASR_MODEL=str(synth.packaged_korean_model_path()),
                             CALLCENTER_LIVE_PORT=str(free_port()), CALLCENTER_LIVE_STREAMS="4")
    alert_latency: list[float] = []
    lags: list[tuple[float, bool]] = []
    try:
        secrets = asterisk.ami_secrets()
        stream = await AmiStream.open(asterisk.ports.ami, "callcenter", secrets["callcenter"])
        driver = await AmiDriver.open(asterisk.ports.ami, "callcenter-actions", secrets["callcenter-actions"])
        pbx = Pbx(asterisk, stream, driver)
        await running.start()
        assert running.service is not None
        live = next(c for c in running.service._started if isinstance(c, LiveComponent))
        assert live._loading is not None
        await asyncio.wait_for(live._loading, 120)
        board = LiveBoard(running.service.context)
        feed = board.connect()
        phone = await pbx.phone("8101", answer_after=0.3)
        trunk = await pbx.customer()
        for number in range(CALLS + 1):  # the first call warms the path and is not counted
            if number == 1:
                live.lags.clear()
            start = len(stream.events)
            placing = asyncio.create_task(trunk.invite(CENTRE_NUMBER, caller=random_caller()))
            menu = await stream.wait_for(lambda e: e.get("Event") == "AGIExecStart"
                                         and e.get("Command", "").startswith("GET DATA callcenter/zh/menu"),
                                         after=start)
            caller = await asyncio.wait_for(placing, 10)
            await caller.send_digits("0")
            agent = await phone.next_call()
            await asyncio.wait_for(agent.answered.wait(), 20)
            await bridged(stream, menu["Linkedid"])
            async with asyncio.timeout(20):
                while len([t for t in live._taps.values()
                           if t.linkedid == menu["Linkedid"] and t.connected]) < 2:
                    await asyncio.sleep(0.02)
            assert caller.rtp is not None
            await asyncio.sleep(0.5)
            sent_from = time.monotonic()
            caller.rtp.play(said)
            async with asyncio.timeout(30):
                while True:
                    message = await feed.get()
                    alert = message.get("alert") or {}
                    if message["type"] == "alert" and alert.get("kind") == "live_emergency" \
                            and alert.get("linkedid") == menu["Linkedid"]:
                        arrived = time.monotonic()
                        break
            label = min((w for w in planted if w in alert["text"]), key=lambda w: ends[w])
            if number:
                alert_latency.append(arrived - (sent_from + ends[label]))
            await asyncio.sleep(2.0)
            await caller.hangup()
            await asyncio.sleep(1.0)
        lags = list(live.lags)
        await pbx.idle()
        await driver.close()
        await stream.close()
    finally:
        await running.stop()
        asterisk.stop()
    every = [lag for lag, _ in lags]
    finals = [lag for lag, final in lags if final]
    return {"calls": CALLS, "planted": planted,
            "alert_after_word_end_s": {"p50": round(percentile(alert_latency, 0.5), 3),
                                       "p95": round(percentile(alert_latency, 0.95), 3),
                                       "max": round(max(alert_latency), 3),
                                       "all": [round(x, 3) for x in alert_latency]},
            "transcript_lag_s": {"results": len(every), "p50": round(percentile(every, 0.5), 3),
                                 "p95": round(percentile(every, 0.95), 3),
                                 "finals_p95": round(percentile(finals, 0.95), 3) if finals else None}}


def main(argv: list[str] | None = None) -> None:
    parts = set(argv if argv is not None else sys.argv[2:]) or {"capacity", "greeting", "asterisk"}
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "capacity" in parts:
            result["capacity"] = sides_per_core(folder)
            print("live sides recognised in real time per core:", result["capacity"])
        if "greeting" in parts:
            result["greeting"] = asyncio.run(_greeting(folder))
            print("greeting decision, no live streams vs", LIVE_SIDES, "sides:", result["greeting"])
        if "asterisk" in parts:
            result["asterisk"] = asyncio.run(_asterisk(folder))
            print("real Asterisk:", result["asterisk"])
    previous = RESULTS / "live_streams.json"  # a part run alone keeps the other parts' last figures
    if previous.exists():
        result = {**json.loads(previous.read_text()), **result}
    write_result("live_streams", result)


if __name__ == "__main__":
    main(sys.argv[1:])
