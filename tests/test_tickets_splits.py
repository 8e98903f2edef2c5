"""The shipped train / dev / test split (callcenter/tickets/data) shares no call and no caller
sentence across splits, nor with the hand-written sets that judge (handwritten4/5/6/7/8/9), and is
what tests/data/transcripts/split.py draws (a whole generated matter goes to one split)."""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
SHIPPED = ROOT / "callcenter" / "tickets" / "data"
DATA = Path(__file__).parent / "data" / "transcripts"
SPLITS = ("train", "dev", "test")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _caller_sentences(records: list[dict[str, Any]]) -> set[str]:
    return {re.sub(r"\s+", "", t["text"]) for r in records for t in r["turns"]
            if t["speaker"] == "caller" and len(re.sub(r"\s+", "", t["text"])) >= 8}


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict[str, Any]]]:
    return {name: _records(SHIPPED / f"{name}.jsonl") for name in SPLITS}


def test_no_call_is_in_two_splits(splits: dict[str, list[dict[str, Any]]]) -> None:
    ids = [r["id"] for name in SPLITS for r in splits[name]]
    assert len(ids) == len(set(ids))
    assert all(len(splits[name]) >= 40 for name in SPLITS)


def test_no_caller_sentence_is_shared_across_splits(splits: dict[str, list[dict[str, Any]]]) -> None:
    sentences = {name: _caller_sentences(splits[name]) for name in SPLITS}
    assert not sentences["train"] & sentences["dev"]
    assert not sentences["train"] & sentences["test"]
    assert not sentences["dev"] & sentences["test"]


def test_the_judging_sets_are_in_no_split(splits: dict[str, list[dict[str, Any]]]) -> None:
    shipped = {r["id"] for name in SPLITS for r in splits[name]}
    for judge in ("handwritten4.jsonl", "handwritten5.jsonl", "handwritten6.jsonl",
                  "handwritten7.jsonl", "handwritten8.jsonl", "handwritten9.jsonl"):
        records = _records(DATA / judge)
        assert not shipped & {r["id"] for r in records}
        assert not _caller_sentences(records) & _caller_sentences([r for n in SPLITS for r in splits[n]])


def test_the_split_is_the_one_split_py_draws(splits: dict[str, list[dict[str, Any]]]) -> None:
    sys.path.insert(0, str(DATA))
    split = importlib.import_module("split")  # tests/data/transcripts/split.py
    assert split.split() == splits
