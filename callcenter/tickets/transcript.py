"""Transcripts as the tickets area reads them (C4): turns of the agent and the caller, Vosk style
(space-separated words, Chinese numerals), optionally with times in seconds."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from callcenter.errors import CallcenterError

Speaker = Literal["agent", "caller"]


class TranscriptError(CallcenterError):
    """A transcript that cannot be read; the message names the line and what is wrong."""


@dataclass(frozen=True)
class Turn:
    speaker: Speaker
    text: str
    start: float | None = None
    end: float | None = None

    @cached_property  # read by every rule and model, many times per call
    def joined(self) -> str:
        """The words without the recogniser's spaces (Chinese has none; Latin letters keep theirs)."""
        return join_words(self.text)


@dataclass(frozen=True)
class Transcript:
    id: str
    turns: tuple[Turn, ...]
    caller: str | None = None  # caller ID, when the record carries it
    labels: dict[str, Any] = field(default_factory=dict)

    def side(self, speaker: Speaker) -> list[Turn]:
        return [t for t in self.turns if t.speaker == speaker]

    def words(self, speaker: Speaker) -> str:
        """One side's words, joined, its turns separated by ``|`` (what the rules and models read)."""
        return "|".join(t.joined for t in self.side(speaker))


def join_words(text: str) -> str:
    from callcenter.tickets.extract.numerals import heard_digits

    return heard_digits("".join(text.split()))


def turns_from_json(raw: Sequence[Any], where: str = "turns") -> tuple[Turn, ...]:
    turns: list[Turn] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise TranscriptError(f"{where}[{index}] is not an object")
        speaker, text = item.get("speaker"), item.get("text")
        if speaker not in ("agent", "caller"):
            raise TranscriptError(f"{where}[{index}].speaker must be 'agent' or 'caller', not {speaker!r}")
        if not isinstance(text, str):
            raise TranscriptError(f"{where}[{index}].text must be a string")
        start, end = item.get("start"), item.get("end")
        turns.append(Turn(speaker, text, _seconds(start), _seconds(end)))
    return tuple(turns)


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_record(line: str, where: str) -> Transcript:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise TranscriptError(f"{where}: a transcript must be a JSON object")
    turns = data.get("turns")
    if not isinstance(turns, list):
        raise TranscriptError(f"{where}: 'turns' must be a list")
    caller = data.get("caller")
    return Transcript(
        id=str(data.get("id", where)),
        turns=turns_from_json(turns, f"{where}: turns"),
        caller=str(caller) if caller else None,
        labels=data.get("labels") or {},
    )


def read_jsonl(path: Path) -> Iterator[Transcript | TranscriptError]:
    """Each line's transcript, or the error of a bad line (the caller reports it and goes on).
    A file that is not text in a known encoding raises TranscriptError before any line."""
    for number, line in enumerate(decoded_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield parse_record(line, f"{path.name} line {number}")
        except TranscriptError as exc:
            yield exc


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decoded_text(path: Path) -> str:
    """UTF-8 text, or whatever a byte-order mark says (UTF-16/32 from Windows tools); a file in
    another encoding (GBK, Latin-1) is named with the way to convert it."""
    raw = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise TranscriptError(f"{path} is not UTF-8 text (line {line}; GBK?): convert it, e.g. "
                              f"`iconv -f GBK -t UTF-8 {path.name} > "
                              f"{path.stem}.utf8{path.suffix}`") from None
