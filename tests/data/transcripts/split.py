"""Split the labeled transcripts the rules were written on into train / dev / test by calls and by
sentences, into callcenter/tickets/data/ (the shipped examples the classifier is fitted and judged
on).   python tests/data/transcripts/split.py

The generator reuses each caller's matter sentence in many calls (with different noise), so its
calls are grouped by the matter (and by the look-alike sentence some carry) and a whole group goes
to one split; a call whose matter and look-alike fall into different splits is left out. The
hand-written calls (and the sample) are split by call. Last, any call of dev or test that repeats a
caller sentence of an earlier split is left out. The agents' stock phrases (greeting, closing,
read-backs) are a centre's script and stay shared. handwritten4/5/6/7/8/9 are not used: they judge.
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
GENERATED = (("tune.jsonl", 140, 20261125, "t", False), ("inspected.jsonl", 80, 4242, "h", True),
             ("heldout.jsonl", 100, 90210, "x", True))


def _bucket(key: str) -> str:
    """train 60 %, dev 20 %, test 20 %, stable for a key."""
    n = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 10
    return SPLITS[0] if n < 6 else SPLITS[1] if n < 8 else SPLITS[2]


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
    for reason, n in sorted(left_out.items()):
        print(f"left out {n}: {reason}")
    return out


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, records in split().items():
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(name, len(records), dict(Counter(r["labels"]["category"] for r in records)))
