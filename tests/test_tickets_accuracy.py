"""The transcript → ticket extraction (R4, R5, R16, R19) keeps its figures on the labeled sets its
rules were written and tuned on: the sample (tests/data/transcripts-sample), the generated sets
(tune, inspected, heldout) and the first three hand-written sets. None of these is held out:
every miss found on them was fixed, often with that very call's words, so passing here shows no
regression, not accuracy on calls nobody has seen. The untuned figures are the first runs of
handwritten4/5 and the shipped test split, in docs/ticket-evaluation.md.
Thresholds: category macro-F1 ≥ 0.90, urgent recall 1.0, phone and address exact ≥ 0.95,
name ≥ 0.90, forbidden phrases precision and recall ≥ 0.95."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from callcenter.tickets.scoring import Scores, load, score, unspaced

DATA = Path(__file__).parent / "data" / "transcripts"


def _assert_acceptance(result: Scores) -> None:
    assert result.category_macro_f1 >= 0.90, result.errors
    assert result.urgent["recall"] == 1.0, result.errors
    assert result.fields["phone"]["exact"] >= 0.95, result.errors
    assert result.fields["address"]["exact"] >= 0.95, result.errors
    assert result.fields["caller_name"]["exact"] >= 0.90, result.errors
    assert result.forbidden["precision"] >= 0.95 and result.forbidden["recall"] >= 0.95, result.errors


def test_acceptance_on_the_labeled_sample(transcripts_sample: Path) -> None:
    _assert_acceptance(score(load(transcripts_sample)))


@pytest.mark.parametrize("split",
                         ["heldout.jsonl", "handwritten.jsonl", "handwritten2.jsonl", "handwritten3.jsonl"])
def test_no_regression_on_the_sets_the_rules_were_tuned_on(split: str) -> None:
    _assert_acceptance(score(load(DATA / split)))


@pytest.mark.parametrize("split", ["heldout.jsonl", "handwritten2.jsonl", "handwritten3.jsonl"])
def test_no_regression_without_spaces_as_the_speech_area_stores_turns(split: str,
                                                                   transcripts_sample: Path) -> None:
    """C4 transcripts have the recogniser's spaces between Chinese words removed."""
    _assert_acceptance(score(unspaced(load(DATA / split))))
    _assert_acceptance(score(unspaced(load(transcripts_sample))))


def test_labeled_set_is_large_and_varied() -> None:
    records = [json.loads(line) for f in DATA.glob("*.jsonl")
               for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 150
    labels = [r["labels"] for r in records]
    assert set(Counter(lab["category"] for lab in labels)) == {
        "repair", "complaint", "inquiry", "suggestion", "praise", "billing", "release", "other"}
    assert sum(lab["urgent"] for lab in labels) >= 20
    assert {a[-1] for a in (lab["address"] for lab in labels) if a} and \
        all(any(k in (lab["address"] or "") for lab in labels) for k in ("栋", "号楼", "幢", "座", "单元"))
    phrases = Counter(p for lab in labels for p in lab["forbidden_phrases"])
    assert len(phrases) >= 8
    assert any(not lab["greeting_ok"] for lab in labels) and any(lab["apology_given"] for lab in labels)


def test_the_list_of_missed_calls_names_the_category_the_figure_judged() -> None:
    """The evaluate report's per-call misses agree with its macro-F1: a call's category is listed
    as missed when the model's category (the one scored) is wrong, not the keyword rules'."""
    calls = load(DATA / "handwritten.jsonl")[:20]
    right = score(calls, lambda t: str(t.labels["category"]))
    assert right.category_macro_f1 == 1.0
    assert not [e for e in right.errors if "category" in e.split(": ", 1)[1].split(", ")]
    wrong = score(calls, lambda t: "other" if t.labels["category"] != "other" else "repair")
    assert all("category" in e for e in wrong.errors) and len(wrong.errors) == len(calls)
