"""Speech synthesis and audio conversion for the prompts: pyttsx3 on espeak-ng, then sox.

pyttsx3 2.99 has traps (see the speech notes): only the last queued ``save_to_file`` survives,
bad paths and rejected voices fail silently, and engines are neither thread-safe nor
independent. So: one engine, used from the thread that made it, ``runAndWait()`` after every
save, and every output is checked for existence and frames. Chinese uses espeak-ng's
``cmn-latn-pinyin`` voice: plain ``cmn``/``zh`` reads characters as English-spelled pinyin.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import shutil
import subprocess
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callcenter.errors import CallcenterError

VOICE = "cmn-latn-pinyin"
RATE = 160
# What Asterisk's "wav" format plays without transcoding: 8 kHz, 16-bit signed, mono.
SAMPLE_RATE = 8000
SAMPLE_WIDTH = 2
CHANNELS = 1
SYNTH_TIMEOUT = 30.0
# pyttsx3 and espeak-ng's own program give the same audio give or take a few ms; a file much
# shorter than the program's lost buffers on the way (seen under load), and is made again.
LENGTH_TOLERANCE = 0.05
ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "/usr/local/lib/libespeak-ng.so.1", "libespeak.so.1")


class PromptError(CallcenterError):
    """A prompt could not be made; the message says which and why."""


class MissingTool(PromptError):
    """espeak-ng or sox is missing; the message names what to install."""


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def wav_info(path: Path) -> WavInfo:
    """Read a WAV header; a file that is not plain PCM WAV raises PromptError naming it."""
    try:
        with wave.open(str(path), "rb") as wav:
            return WavInfo(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise PromptError(f"{path} is not a readable PCM WAV file ({exc or 'truncated'})") from None


def check_tools(which: Callable[[str], str | None] = shutil.which,
                load_library: Callable[[str], Any] = ctypes.CDLL) -> None:
    """Fail early, naming the Debian packages, when espeak-ng (library or program) or sox is absent."""
    missing: list[str] = []
    if not _espeak_library_loads(load_library):
        missing.append("the espeak-ng library libespeak-ng.so.1 (Debian package libespeak-ng1)")
    if which("espeak-ng") is None:
        missing.append("the espeak-ng program and its voices (Debian package espeak-ng)")
    if which("sox") is None:
        missing.append("sox (Debian package sox)")
    if missing:
        raise MissingTool("cannot build prompts, missing " + "; ".join(missing)
                          + ". Install them with: apt-get install espeak-ng libespeak-ng1 sox")


def _espeak_library_loads(load_library: Callable[[str], Any]) -> bool:
    for name in ESPEAK_LIBRARIES:
        try:
            load_library(name)
            return True
        except OSError:
            continue
    return False


class Synthesizer:
    """One pyttsx3 engine, used from one thread, one prompt at a time."""

    def __init__(self, voice: str = VOICE, rate: int = RATE) -> None:
        import pyttsx3

        self.voice = voice
        self.rate = rate
        self._errors: list[str] = []
        try:
            self._engine = pyttsx3.init()
        except RuntimeError as exc:
            raise MissingTool(f"espeak-ng could not be loaded ({exc}); apt-get install "
                              "espeak-ng libespeak-ng1") \
                from None
        # A rejected voice is reported only to this callback (and the voice stays English).
        self._engine.connect("error", self._on_error)
        # runAndWait() returns as soon as espeak-ng *starts*: the audio arrives from espeak's own
        # thread, and the file is written when the utterance ends. Wait for that moment.
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", self._on_finished)
        self._engine.setProperty("voice", voice)
        self._engine.setProperty("rate", rate)

    def _on_error(self, name: str | None = None, exception: BaseException | None = None, **_: Any) -> None:
        self._errors.append(str(exception))

    def _on_finished(self, **_: Any) -> None:
        self._finished.set()

    def save(self, text: str, out: Path, attempts: int = 3) -> None:
        """Synthesise ``text`` into ``out`` (22 kHz WAV): it must exist, have frames, and be as long
        as espeak-ng's own program makes it; a short file is made again."""
        expected = reference_seconds(text, self.voice, self.rate, out.with_name(out.stem + ".ref.wav"))
        problem = PromptError(f"espeak-ng made nothing for {out.name}")
        for _ in range(attempts):  # espeak-ng's thread sometimes loses an utterance under load: retry
            try:
                got = self._synthesise(text, out)
            except PromptError as exc:
                problem = exc
                continue
            if abs(got - expected) <= max(0.15, expected * LENGTH_TOLERANCE):
                return
            problem = PromptError(f"espeak-ng gave {got:.2f} s of audio for {out.name}, expected about "
                                  f"{expected:.2f} s")
        raise problem

    def _synthesise(self, text: str, out: Path) -> float:
        out.unlink(missing_ok=True)
        self._finished.clear()
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to …"
            # Set again before every utterance: espeak-ng applies the rate on its own thread and,
            # under load, a rate set once at start-up was seen to be lost (every prompt ~25% short).
            self._engine.setProperty("voice", self.voice)
            self._engine.setProperty("rate", self.rate)
            self._engine.save_to_file(text, str(out))
            self._engine.runAndWait()  # after every save: queued saves overwrite each other
            finished = self._finished.wait(SYNTH_TIMEOUT)
        if not finished:
            raise PromptError(f"espeak-ng did not finish {out.name} within {SYNTH_TIMEOUT:g} s")
        if self._errors:
            raise PromptError(f"espeak-ng refused the text or voice {self.voice!r}: {self._errors.pop()}")
        voice = str(self._engine.getProperty("voice"))
        if not voice.endswith(self.voice):
            raise PromptError(f"espeak-ng has no voice {self.voice!r} (it used {voice!r}); "
                              "install the Debian package espeak-ng-data")
        if not out.exists() or wav_info(out).frames == 0:
            raise PromptError(f"espeak-ng wrote no audio for {out.name}")
        return wav_info(out).seconds

    def close(self) -> None:
        self._engine.stop()


def reference_seconds(text: str, voice: str, rate: int, scratch: Path) -> float:
    """Length of ``text`` as the espeak-ng program speaks it (the check on pyttsx3's file)."""
    try:
        done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(scratch), text],
                              check=False, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise MissingTool("the espeak-ng program is not installed; apt-get install espeak-ng") from None
    if done.returncode != 0:
        raise PromptError(f"espeak-ng could not speak with voice {voice!r}: {done.stderr.strip()}")
    try:
        return wav_info(scratch).seconds
    finally:
        scratch.unlink(missing_ok=True)


def to_asterisk_wav(source: Path, out: Path) -> WavInfo:
    """Convert any audio sox reads into 8 kHz 16-bit mono PCM WAV and verify the result."""
    tmp = out.with_name(out.name + ".tmp.wav")
    # -G guards against clipping: espeak peaks near full scale and resampling overshoots.
    command = ["sox", "-G", str(source), "-r", str(SAMPLE_RATE), "-c", str(CHANNELS), "-b", "16",
               "-e", "signed-integer", str(tmp)]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise MissingTool("sox is not installed; apt-get install sox") from None
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise PromptError(f"sox could not convert {source}: {done.stderr.strip() or done.returncode}")
    info = wav_info(tmp)
    if (info.rate, info.channels, info.sample_width) != (SAMPLE_RATE, CHANNELS,
                                                         SAMPLE_WIDTH) or not info.frames:
        tmp.unlink(missing_ok=True)
        raise PromptError(f"{source} converted to {info}, not 8 kHz 16-bit mono audio")
    tmp.replace(out)
    return info
