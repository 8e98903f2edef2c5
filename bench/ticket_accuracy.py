"""Transcript → ticket accuracy on every labeled set, and the evidence for the category approach:
the keyword rules against a character-bigram naive Bayes classifier trained on the tuning split.

    python -m bench ticket_accuracy      → bench/results/ticket_accuracy.json

Sets: the labeled sample (12, tests/data/transcripts-sample), the generated tuning split (140), the
first generated held-out draw (80), the generated held-out split (100; 80 of its calls reuse
sentences of the tuning split, so it is not an unseen set), three
hand-written sets (36, 20 and 20; each was scored once before any rule change it led to — those
first runs are kept beside them as *_first_run.txt, the sets themselves have been tuned on since).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter, defaultdict
from pathlib import Path

from callcenter.tickets.builder import extract
from callcenter.tickets.scoring import load, macro_f1, score, unspaced
from callcenter.tickets.transcript import Transcript

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "transcripts"
SAMPLE = ROOT / "tests" / "data" / "transcripts-sample" / "calls.jsonl"
RESULTS = Path(__file__).with_name("results") / "ticket_accuracy.json"
SETS = {"sample": SAMPLE, "tune": DATA / "tune.jsonl", "inspected": DATA / "inspected.jsonl",
        "heldout": DATA / "heldout.jsonl", "handwritten": DATA / "handwritten.jsonl",
        "handwritten2": DATA / "handwritten2.jsonl",
        "handwritten3": DATA / "handwritten3.jsonl"}


class BigramBayes:
    """Multinomial naive Bayes over character bigrams of the caller's joined words."""

    def __init__(self, training: list[Transcript]) -> None:
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.docs: Counter[str] = Counter()
        for t in training:
            self.docs[t.labels["category"]] += 1
            self.counts[t.labels["category"]].update(self._features(t))
        self.vocabulary = {g for c in self.counts.values() for g in c}

    @staticmethod
    def _features(t: Transcript) -> list[str]:
        text = "".join(turn.joined for turn in t.side("caller"))
        return [text[i:i + 2] for i in range(len(text) - 1)]

    def classify(self, t: Transcript) -> str:
        total_docs = sum(self.docs.values())
        best, best_score = "other", -math.inf
        for category, counts in self.counts.items():
            size = sum(counts.values()) + len(self.vocabulary)
            logp = math.log(self.docs[category] / total_docs)
            logp += sum(math.log((counts[g] + 1) / size) for g in self._features(t) if g in self.vocabulary)
            if logp > best_score:
                best, best_score = category, logp
        return best


def _summary(result: dict[str, object]) -> str:
    fields = result["fields"]  # type: ignore[index]
    return (f"category F1 {result['category_macro_f1']:.3f}  urgent P/R {result['urgent']['precision']:.2f}/"  # type: ignore[index]
            f"{result['urgent']['recall']:.2f}  name {fields['caller_name']['exact']:.2f}  "
            f"address {fields['address']['exact']:.2f}  phone {fields['phone']['exact']:.2f}  "
            f"time {fields['preferred_time']['exact']:.2f}  forbidden P/R "
            f"{result['forbidden']['precision']:.2f}/"
            f"{result['forbidden']['recall']:.2f}")


def main() -> None:
    loaded = {name: load(path) for name, path in SETS.items() if path.exists()}
    bayes = BigramBayes(loaded["tune"])
    report: dict[str, object] = {"sets": {}, "category_approaches": {}}
    for name, transcripts in loaded.items():
        started = time.perf_counter()
        for t in transcripts:
            extract(t)
        per_call_ms = (time.perf_counter() - started) * 1000 / max(1, len(transcripts))
        result = score(transcripts).as_json() | {"extract_ms_per_call": round(per_call_ms, 2)}
        report["sets"][name] = result  # type: ignore[index]
        rules_f1 = result["category_macro_f1"]
        bayes_f1, _ = macro_f1([(bayes.classify(t), t.labels["category"]) for t in transcripts])
        report["category_approaches"][name] = {"rules": rules_f1, "char_bigram_bayes": bayes_f1}  # type: ignore[index]
        print(f"{name:13s} n={len(transcripts):3d}  {_summary(result)}  | bayes F1 {bayes_f1:.3f}"
              f"  {per_call_ms:.2f} ms/call")
    report["unspaced"] = {}
    for name, transcripts in loaded.items():
        result = score(unspaced(transcripts)).as_json()
        report["unspaced"][name] = result  # type: ignore[index]
        print(f"{name + ' (no spaces)':25s} {_summary(result)}")
    first_runs = {p.stem: p.read_text(encoding="utf-8").splitlines()[0] for p in DATA.glob("*_first_run.txt")}
    report["first_runs_before_rule_changes"] = {k: json.loads(v) for k, v in first_runs.items()}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
