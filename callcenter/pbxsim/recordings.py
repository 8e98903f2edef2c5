"""MixMonitor as the hotline dialplan runs it (contract C3): ``MixMonitor(${UNIQUEID}.wav,
r(${UNIQUEID}-caller.wav)t(${UNIQUEID}-agent.wav))`` writes the mixed file and one file per side.

pbxsim carries no media, so the audio is made from the scenario's script: every ``say`` line is
synthesised with the prompts' speech synthesis (``callcenter.ivr.tts``, espeak-ng voice
``cmn-latn-pinyin``) and placed at its time in the conversation (seconds after the bridge).
The files are written when the recorded channel hangs up, before its ``Hangup`` event goes out,
as Asterisk closes MixMonitor's files at hang-up. Calls without a script get no files (a demo
hour at 5,000 calls would otherwise write gigabytes of silence); their events are the same.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import tempfile
import wave
from array import array
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from callcenter.ivr import tts

if TYPE_CHECKING:
    from callcenter.pbxsim.channels import Channel
    from callcenter.pbxsim.pbx import Pbx

log = logging.getLogger(__name__)
RATE = tts.SAMPLE_RATE  # 8 kHz, 16-bit, mono: what Asterisk's "wav" format is
SIDES = ("caller", "agent")


@dataclass(frozen=True)
class Utterance:
    side: str  # "caller" (MixMonitor r(), what the caller said) | "agent" (t(), what the caller heard)
    at: float  # seconds after the conversation started (the caller entered the bridge)
    text: str


def side_paths(main: Path) -> dict[str, Path]:
    """``/dir/<UNIQUEID>.wav`` → the per-side files C3 names (``<UNIQUEID>-caller.wav`` …)."""
    return {side: main.with_name(f"{main.stem}-{side}.wav") for side in SIDES}


@dataclass
class Recording:
    main: Path
    started_at: float
    script: tuple[Utterance, ...]
    bridged_at: float | None = None


class Recorder:
    """Starts, places and writes the recordings of one Pbx; synthesis runs in one worker process
    (pyttsx3's engine is global to a process and not thread-safe, see the speech notes)."""

    def __init__(self, directory: Path | str, voice: str = tts.VOICE, rate: int = tts.RATE) -> None:
        self.directory = Path(directory)
        self.voice, self.rate = voice, rate
        self._executor: ProcessPoolExecutor | None = None
        self._audio: dict[str, Future[bytes]] = {}
        self._active: dict[str, Recording] = {}  # by the recorded channel's Uniqueid
        self._writes: set[asyncio.Task[None]] = set()
        self.errors: list[str] = []

    def main_path(self, channel: Channel) -> Path:
        return self.directory / f"{channel.uniqueid}.wav"

    def prepare(self, script: tuple[Utterance, ...]) -> None:
        """Start synthesising a call's lines early (when the call is placed), so the files can be
        written at hang-up without waiting."""
        for line in script:
            self._synthesis(line.text)

    def _synthesis(self, text: str) -> Future[bytes]:
        if text not in self._audio:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._audio[text] = self._executor.submit(synthesise_pcm, text, self.voice, self.rate)
        return self._audio[text]

    def start(self, pbx: Pbx, channel: Channel) -> Path:
        """MixMonitor starts on ``channel`` (a second start on the same channel keeps the first)."""
        recording = self._active.get(channel.uniqueid)
        if recording is None:
            call = pbx.calls.get(channel.linkedid)
            script = tuple(getattr(call, "script", ()) or ())
            recording = Recording(self.main_path(channel), pbx.now(), script)
            self._active[channel.uniqueid] = recording
            self.prepare(script)
            if call is not None:
                call.recordings = [str(p) for p in (recording.main, *side_paths(recording.main).values())]
        return recording.main

    def bridged(self, channel: Channel, at: float) -> None:
        recording = self._active.get(channel.uniqueid)
        if recording is not None and recording.bridged_at is None:
            recording.bridged_at = at

    def hangup(self, pbx: Pbx, channel: Channel) -> None:
        """The recorded channel hangs up: write its files now if the speech is ready, else soon."""
        recording = self._active.pop(channel.uniqueid, None)
        if recording is None or not recording.script:
            return
        ended = pbx.now()
        futures = [self._synthesis(line.text) for line in recording.script]
        if all(f.done() for f in futures):
            self._write(recording, ended)
            return
        task = asyncio.get_running_loop().create_task(self._write_when_ready(recording, ended, futures))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write_when_ready(self, recording: Recording, ended: float,
                                futures: list[Future[bytes]]) -> None:
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures), return_exceptions=True)
        self._write(recording, ended)

    def _write(self, recording: Recording, ended: float) -> None:
        try:
            tracks = self._tracks(recording, ended)
            self.directory.mkdir(parents=True, exist_ok=True)
            for side, path in side_paths(recording.main).items():
                write_wav(path, tracks[side])
            write_wav(recording.main, tracks["mixed"])
        except Exception as exc:  # noqa: BLE001  (a failed synthesis or a full disk loses one file, not the PBX)
            message = f"recording {recording.main.name} not written: {exc}"
            self.errors.append(message)
            log.error("pbxsim: %s", message)

    def _tracks(self, recording: Recording, ended: float) -> dict[str, array[int]]:
        length = max(0, round((ended - recording.started_at) * RATE))
        tracks = {side: array("h", bytes(2 * length)) for side in (*SIDES, "mixed")}
        talk_from = (recording.bridged_at if recording.bridged_at is not None else recording.started_at)
        for line in recording.script:
            if line.side not in tracks:
                continue
            speech = array("h")
            speech.frombytes(self._audio[line.text].result())
            offset = round((talk_from - recording.started_at + line.at) * RATE)
            place(tracks[line.side], speech, offset)
            place(tracks["mixed"], speech, offset)
        return tracks

    async def close(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)


def place(track: array[int], speech: array[int], offset: int) -> None:
    """Put ``speech`` into ``track`` at ``offset`` samples, cut at the track's end (the recording
    stops at hang-up); where the track already holds sound the two are added."""
    if offset >= len(track) or offset < 0:
        return
    piece = speech[: len(track) - offset]
    region = track[offset: offset + len(piece)]
    if not any(region):
        track[offset: offset + len(piece)] = piece
        return
    for index, sample in enumerate(piece):
        track[offset + index] = max(-32768, min(32767, region[index] + sample))


def write_wav(path: Path, samples: array[int]) -> None:
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    tmp.replace(path)


_SYNTHESIZER: tts.Synthesizer | None = None


def synthesise_pcm(text: str, voice: str, rate: int) -> bytes:
    """In the worker process: ``text`` as 8 kHz 16-bit mono PCM, made exactly as the prompts are
    (pyttsx3 on espeak-ng, checked against espeak-ng's program, then sox)."""
    global _SYNTHESIZER
    if _SYNTHESIZER is None:
        _SYNTHESIZER = tts.Synthesizer(voice, rate)
    with tempfile.TemporaryDirectory() as scratch:
        raw, out = Path(scratch) / "line.wav", Path(scratch) / "line-8k.wav"
        _SYNTHESIZER.save(text, raw)
        tts.to_asterisk_wav(raw, out)
        with wave.open(str(out), "rb") as audio:
            return audio.readframes(audio.getnframes())
