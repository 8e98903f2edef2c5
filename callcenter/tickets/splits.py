"""The labeled calls shipped with the package (callcenter/tickets/data; tests/data/transcripts/split.py
made them): the category model and the learned urgent signal are fitted on train + dev, the test
split judges them."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from callcenter.tickets.extract.category import CATEGORIES
from callcenter.tickets.transcript import Transcript, TranscriptError, parse_record

SPLITS = ("train", "dev", "test")


def shipped(split: str) -> list[Transcript]:
    """The labeled calls shipped with the package (tests/data/transcripts/split.py made them)."""
    path = resources.files("callcenter.tickets").joinpath("data", f"{split}.jsonl")
    text = path.read_text(encoding="utf-8")
    return labeled(text.splitlines(), f"shipped {split} split")


def labeled(lines: Sequence[str], source: str) -> list[Transcript]:
    """Transcripts with a known category; a bad line is an error naming the line."""
    result: list[Transcript] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = parse_record(line, f"{source} line {number}")
        if item.labels.get("category") not in CATEGORIES:
            raise TranscriptError(f"{source}: call {item.id}: labels.category must be one of "
                                  f"{', '.join(CATEGORIES)}")
        result.append(item)
    return result
