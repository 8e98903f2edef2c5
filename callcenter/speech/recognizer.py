"""Streaming Vosk recognition of one recording, with word timestamps.

One ``Recognizer`` holds one loaded model (about 0.6 GB, 1-2.5 s to load) and one reusable
KaldiRecognizer per sample rate. Reuse matters: a fresh KaldiRecognizer pays 0.7-0.9 s of
lazy graph expansion on its first utterance, a reused one does not. But a reused one keeps
counting time from its first audio (``Reset()`` does not clear it), so the seconds already
fed are subtracted from every timestamp.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcenter.speech.audio import inspect_wav
from callcenter.speech.errors import ModelUnavailable
from callcenter.speech.models import layout_problem
from callcenter.speech.text import strip_cjk_spaces

CHUNK_FRAMES = 4000  # 0.25-0.5 s per AcceptWaveform call


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True)
class Utterance:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Transcription:
    path: str
    sample_rate: int
    seconds: float
    utterances: tuple[Utterance, ...]

    @property
    def text(self) -> str:
        return strip_cjk_spaces(" ".join(u.text for u in self.utterances))

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.path, "sample_rate": self.sample_rate, "seconds": round(self.seconds, 3),
            "text": self.text,
            "utterances": [
                {"start": u.start, "end": u.end, "text": u.text,
                 "words": [{"word": w.word, "start": w.start, "end": w.end, "conf": w.conf} for w in u.words]}
                for u in self.utterances
            ],
        }


@dataclass
class _Stream:
    """A KaldiRecognizer kept for reuse and the audio seconds it has already consumed."""

    kaldi: Any
    fed_seconds: float = 0.0


def load_model(path: Path) -> Any:
    """Load a Vosk model from a checked directory; Vosk's own error is a bare Exception."""
    problem = layout_problem(path)
    if problem:
        raise ModelUnavailable(problem)
    import vosk

    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # noqa: BLE001 -- vosk raises a bare Exception("Failed to create a model")
        raise ModelUnavailable(f"Vosk could not load {path}: {exc}") from None


@dataclass
class Recognizer:
    model_path: Path
    model: Any = None
    _streams: dict[int, _Stream] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = load_model(self.model_path)

    @property
    def model_name(self) -> str:
        return self.model_path.name

    def transcribe(self, path: Path, grammar: list[str] | None = None,
                   progress: Callable[[float, float], None] | None = None) -> Transcription:
        """Decode one mono 16-bit PCM WAV at its own rate; BadAudio if it is not one.
        ``progress(seconds decoded, seconds in all)`` is called as the decoding goes."""
        info = inspect_wav(path)
        if grammar is None:
            stream = self._stream(info.sample_rate)
        else:
            stream = _Stream(self._new_kaldi(info.sample_rate, grammar))
        try:
            results = _decode(stream.kaldi, path, progress)
        except Exception:
            self._streams.pop(info.sample_rate, None)  # its time offset is unknown now
            raise
        offset = stream.fed_seconds
        stream.fed_seconds += info.seconds
        utterances = tuple(u for u in (_utterance(r, offset) for r in results) if u is not None)
        return Transcription(str(path), info.sample_rate, info.seconds, utterances)

    def _stream(self, rate: int) -> _Stream:
        if rate not in self._streams:
            self._streams[rate] = _Stream(self._new_kaldi(rate, None))
        return self._streams[rate]

    def _new_kaldi(self, rate: int, grammar: list[str] | None) -> Any:
        import vosk

        if grammar is None:
            kaldi = vosk.KaldiRecognizer(self.model, rate)
        else:
            # ensure_ascii=False: Vosk looks the escaped form up verbatim and ignores every word.
            kaldi = vosk.KaldiRecognizer(self.model, rate, json.dumps(grammar, ensure_ascii=False))
        kaldi.SetWords(True)
        return kaldi


def _decode(kaldi: Any, path: Path,
            progress: Callable[[float, float], None] | None = None) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with wave.open(str(path), "rb") as wav:
        rate, total = wav.getframerate(), wav.getnframes()
        while True:
            data = wav.readframes(CHUNK_FRAMES)
            if not data:
                break
            if kaldi.AcceptWaveform(data):
                results.append(json.loads(kaldi.Result()))
            if progress is not None:
                progress(wav.tell() / rate, total / rate)
    if progress is not None:
        progress(total / rate, total / rate)  # the end, even when the header promised more frames
    results.append(json.loads(kaldi.FinalResult()))
    return results


def _utterance(result: dict[str, Any], offset: float) -> Utterance | None:
    words = tuple(
        Word(w["word"], round(max(0.0, w["start"] - offset), 3), round(max(0.0, w["end"] - offset), 3),
             round(float(w.get("conf", 1.0)), 3))
        for w in result.get("result", [])
    )
    text = strip_cjk_spaces(result.get("text", ""))
    if not words or not text:
        return None
    return Utterance(words[0].start, words[-1].end, text, words)
