"""Text clean-up and turn merging: pure functions on the recognizer's output."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Speaker = Literal["agent", "caller"]

# Han ideographs and CJK punctuation. Vosk joins every word with a space, also in Chinese
# ("花 明月 阿龙"), where words carry no spaces. Hangul is left alone: Korean does space words.
_HAN = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}])")


def strip_cjk_spaces(text: str) -> str:
    """Remove the spaces Vosk puts between Chinese words; keep those between Latin tokens."""
    return _SPACE_BETWEEN_HAN.sub("", " ".join(text.split()))


@dataclass(frozen=True)
class Segment:
    """One utterance of one side (a Vosk result), times in seconds from the recording's start."""

    speaker: Speaker
    start: float
    end: float
    text: str


def merge_turns(segments: Iterable[Segment]) -> list[dict[str, object]]:
    """Interleave both sides by time; consecutive utterances of one side form one turn (C4)."""
    turns: list[dict[str, object]] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        if not seg.text:
            continue
        last = turns[-1] if turns else None
        if last is not None and last["speaker"] == seg.speaker:
            last["end"] = max(float(last["end"]), seg.end)  # type: ignore[arg-type]
            last["text"] = strip_cjk_spaces(f"{last['text']} {seg.text}")
            continue
        turns.append({"speaker": seg.speaker, "start": round(seg.start, 3), "end": round(seg.end, 3),
                      "text": strip_cjk_spaces(seg.text)})
    for turn in turns:
        turn["end"] = round(float(turn["end"]), 3)  # type: ignore[arg-type]
    return turns
