"""Split the labeled transcripts into train / dev / test by calls and by sentences, into
callcenter/tickets/data/ (the shipped examples the classifier is fitted and judged on).
    python tests/data/transcripts/split.py

The material the rules were written on: the generator reuses each caller's matter sentence in many
calls (with different noise), so its calls are grouped by the matter (and by the look-alike
sentence some carry) and a whole group goes to one split; a call whose matter and look-alike fall
into different splits is left out. The first hand-written calls (and the sample) are split by call.
Then any call of dev or test that repeats a caller sentence of an earlier split is left out.

The calls in other people's words (TRAIN_DEV_ONLY) go by call to train (75 %) or dev (25 %) only,
never to test: the test split stays what it was, so its figures stay comparable. One of them that
repeats a caller sentence of another split is left out. handwritten4-19 judged once each (their
first runs are in docs/ticket-evaluation.md) and judge nothing since; handwritten20/21 judge and are
used nowhere here. The agents' stock phrases (greeting, closing, read-backs) are a centre's script
and stay shared.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE.parents[2] / "callcenter" / "tickets" / "data"
SPLITS = ("train", "dev", "test")
HANDWRITTEN = ("handwritten.jsonl", "handwritten2.jsonl", "handwritten3.jsonl")
SAMPLE = HERE.parent / "transcripts-sample" / "calls.jsonl"
# In other people's words, for train and dev only; one line per file.
TRAIN_DEV_ONLY = (
    "handwritten4.jsonl",
    "handwritten5.jsonl",
    "handwritten6.jsonl",
    "handwritten7.jsonl",
    "handwritten_train_a.jsonl",
    "handwritten_train_b.jsonl",
    "handwritten_train_c.jsonl",
    "handwritten8.jsonl",
    "handwritten9.jsonl",
    "handwritten10.jsonl",
    "handwritten11.jsonl",
    "handwritten12.jsonl",
    "handwritten13.jsonl",
    "handwritten14.jsonl",
    "handwritten15.jsonl",
    "handwritten16.jsonl",
    "handwritten17.jsonl",
    "handwritten18.jsonl",
    "handwritten19.jsonl",
)
GENERATED = (("tune.jsonl", 140, 20261125, "t", False), ("inspected.jsonl", 80, 4242, "h", True),
             ("heldout.jsonl", 100, 90210, "x", True))


def _bucket(key: str) -> str:
    """train 60 %, dev 20 %, test 20 %, stable for a key."""
    n = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 10
    return SPLITS[0] if n < 6 else SPLITS[1] if n < 8 else SPLITS[2]


def _train_or_dev(call_id: str) -> str:
    """train 75 %, dev 25 %, stable for a call."""
    n = int(hashlib.sha1(("call:" + call_id).encode("utf-8")).hexdigest()[:8], 16) % 4
    return SPLITS[0] if n < 3 else SPLITS[1]


def _generated_groups() -> dict[str, tuple[str, str | None]]:
    """Call id → (matter sentence, look-alike sentence), by drawing the generator again."""
    sys.path.insert(0, str(HERE))
    import generate

    seen: list[tuple[str, str | None]] = []
    make_plan = getattr(generate, "make_plan")  # noqa: B009 (replaced below, to record each plan)

    def recording(rng: Any, heldout: bool) -> Any:
        plan = make_plan(rng, heldout)
        seen.append((plan.matter[3], plan.lookalike))
        return plan

    setattr(generate, "make_plan", recording)  # noqa: B010
    groups: dict[str, tuple[str, str | None]] = {}
    for name, count, seed, prefix, heldout in GENERATED:
        seen.clear()
        records = generate.generate(count, seed, prefix, heldout)
        stored = [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines()]
        if records != stored:
            raise SystemExit(f"{name}: the generator no longer draws the stored calls")
        groups.update({str(r["id"]): key for r, key in zip(records, seen, strict=True)})
    return groups


def _sentences(record: dict[str, Any]) -> set[str]:
    return {re.sub(r"\s+", "", t["text"]) for t in record["turns"]
            if t["speaker"] == "caller" and len(re.sub(r"\s+", "", t["text"])) >= 8}


def split() -> dict[str, list[dict[str, Any]]]:
    groups = _generated_groups()
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    left_out: Counter[str] = Counter()
    for name, *_ in GENERATED:
        for line in (HERE / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            matter, lookalike = groups[record["id"]]
            where = _bucket("matter:" + matter)
            if lookalike is not None and _bucket("matter:" + lookalike) != where:
                left_out["matter and look-alike in different splits"] += 1
                continue
            out[where].append(record)
    for path in [*(HERE / n for n in HANDWRITTEN), SAMPLE]:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out[_bucket("call:" + record["id"])].append(record)
    earlier: set[str] = set()
    for name in SPLITS:
        kept = []
        for record in out[name]:
            if _sentences(record) & earlier:
                left_out[f"{name}: repeats a caller sentence of an earlier split"] += 1
                continue
            kept.append(record)
        out[name] = kept
        earlier |= {s for r in kept for s in _sentences(r)}
    _add_train_dev_only(out, left_out)
    for reason, n in sorted(left_out.items()):
        print(f"left out {n}: {reason}")
    return out


def _add_train_dev_only(out: dict[str, list[dict[str, Any]]], left_out: Counter[str]) -> None:
    """The calls in other people's words, after the older material, so that they change none of
    its splits: each to train or dev, left out when it repeats a caller sentence of another split."""
    sentences = {name: {s for r in out[name] for s in _sentences(r)} for name in SPLITS}
    for name in TRAIN_DEV_ONLY:
        for line in (HERE / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            where = _train_or_dev(record["id"])
            if any(_sentences(record) & sentences[other] for other in SPLITS if other != where):
                left_out[f"{name}: repeats a caller sentence of another split"] += 1
                continue
            out[where].append(record)
            sentences[where] |= _sentences(record)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, records in split().items():
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(name, len(records), dict(Counter(r["labels"]["category"] for r in records)))
