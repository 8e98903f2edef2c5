"""R19 on authors nobody designed for: the learned second signal beside the urgent cue rules
(callcenter/tickets/urgent_model.py), chosen by leaving one hand-written author out at a time
(docs/ticket-evaluation.md, "Urgency learned from other authors" and "Urgency learned, shipped").

For each design author (handwritten4–9, training sets A–C; one file, one author) the model is
fitted on the shipped train + dev splits without that author's calls (by id) and measured on
them: urgent found / urgent calls (false alarms) for the rules, the model alone, the rules OR the
model at each threshold, and the same with the rules' "not now" reading able to veto the model,
for each setting of the grid, at 0 % CER and at 20 % (seeds 1–3). The criterion stated in the
docs orders the candidates; the first whose fit on all of train + dev keeps the shipped test
split's urgent recall at 1.0 and its false alarms within the limit is the one shipped. The
current rules were designed on seven of the authors (not on handwritten8/9), so their own figures
there are optimistic; ``--rules-at COMMIT`` takes the rules as they were at a commit instead
(c8cb773: before handwritten7 and training sets A–C were designed on).

    python -m bench urgent_authors                       (the protocol; results/urgent_authors.json)
    python -m bench.urgent_authors --cer 0.2 --seeds 1,2,3 --rules-at c8cb773 --authors …
    python -m bench.urgent_authors --judge FILE.jsonl    (the shipped settings on train + dev; counts only)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from callcenter.tickets.classifier import shipped
from callcenter.tickets.extract import urgent
from callcenter.tickets.scoring import load
from callcenter.tickets.transcript import Transcript
from callcenter.tickets.urgent_model import SETTINGS, UrgentModel
from tests.support.recogniser_errors import Homophones, degrade

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "transcripts"
RESULTS = Path(__file__).with_name("results") / "urgent_authors.json"
AUTHORS = ("handwritten4", "handwritten5", "handwritten6", "handwritten7",
           "handwritten_train_a", "handwritten_train_b", "handwritten_train_c",
           "handwritten8", "handwritten9")
LATER_AUTHORS = ("handwritten7", "handwritten_train_a", "handwritten_train_b", "handwritten_train_c",
                 "handwritten8", "handwritten9")
RULES_BEFORE_LATER_AUTHORS = "c8cb773"
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8)
C, NGRAM_MAX, THRESHOLD = SETTINGS.c, SETTINGS.ngram_max, SETTINGS.threshold  # what ships
GRID_C, GRID_NGRAMS = (1.0, 4.0, 16.0, 64.0), (2, 3, 4)
FALSE_ALARM_LIMIT = 0.05  # of the non-urgent calls: one supervisor glance per twenty ordinary calls
TEST_SPLIT = ROOT / "callcenter" / "tickets" / "data" / "test.jsonl"


def rules_at(commit: str) -> ModuleType:
    """extract/urgent.py (and the sounds it reads) as they were at ``commit``."""
    folder = Path(tempfile.mkdtemp())
    for name in ("urgent", "sounds"):
        source = f"{commit}:callcenter/tickets/extract/{name}.py"
        text = subprocess.run(["git", "-C", str(ROOT), "show", source],
                              check=True, capture_output=True, text=True).stdout
        text = text.replace("from callcenter.tickets.extract.sounds import", f"from sounds_{commit} import")
        (folder / f"{name}_{commit}.py").write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(f"urgent_{commit}", folder / f"urgent_{commit}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _told_not_now(rules: ModuleType) -> Callable[[Transcript], bool]:
    """The caller names a danger the rules read as over, past or supposed (the shipped veto,
    extract/urgent.py told_not_now, or the same reading of older rules)."""
    def told(transcript: Transcript) -> bool:
        text = transcript.words("caller")
        if hasattr(rules, "told_not_now"):
            return bool(rules.told_not_now(text))
        return any(rules._not_now(text, m.start(), m.end())
                   for p in rules.DANGERS.values() for m in p.finditer(text))
    return told


def _counts(calls: Sequence[Transcript], flagged: Sequence[bool]) -> list[int]:
    pairs = list(zip(calls, flagged, strict=True))
    return [sum(1 for t, f in pairs if f and t.labels["urgent"]), sum(1 for t in calls if t.labels["urgent"]),
            sum(1 for t, f in pairs if f and not t.labels["urgent"])]


def _cells(calls: Sequence[Transcript], heard: Sequence[Transcript], model: UrgentModel,
           rules: ModuleType, thresholds: Sequence[float]) -> dict[str, list[int]]:
    said = [bool(rules.emergency_kinds(t)) for t in heard]
    vetoed = [_told_not_now(rules)(t) for t in heard]
    return _cells_of(calls, said, vetoed, model.probabilities(heard), thresholds)


def _cells_of(calls: Sequence[Transcript], said: Sequence[bool], vetoed: Sequence[bool],
              p: Sequence[float], thresholds: Sequence[float]) -> dict[str, list[int]]:
    cell = {"rules": _counts(calls, said)}
    for t in thresholds:
        cell[f"model {t}"] = _counts(calls, [q >= t for q in p])
        cell[f"or {t}"] = _counts(calls, [r or q >= t for r, q in zip(said, p, strict=True)])
        cell[f"or {t} veto"] = _counts(calls, [r or (q >= t and not v)
                                              for r, q, v in zip(said, p, vetoed, strict=True)])
    return cell


def _heard(calls: Sequence[Transcript], cer: float, seed: int, homophones: Homophones) -> list[Transcript]:
    rng = random.Random(seed)
    return [degrade(t, cer, rng, homophones) for t in calls]


def _homophones(pool: Sequence[Transcript]) -> Homophones:
    return Homophones(turn.text for t in pool for turn in t.turns)


def leave_one_out(cer: float, seeds: Sequence[int], c: float, ngram_max: int,
                  rules: ModuleType = urgent, only: Sequence[str] = AUTHORS) -> dict[str, Any]:
    """Per author left out: its calls and one cell of counts per seed (one run at 0 % CER)."""
    pool = [*shipped("train"), *shipped("dev")]
    homophones = _homophones(pool)
    rows: dict[str, Any] = {}
    for name in only:
        calls = load(DATA / f"{name}.jsonl")
        ids = {t.id for t in calls}
        model = UrgentModel.fit([t for t in pool if t.id not in ids], c=c, ngram_max=ngram_max)
        runs = [_cells(calls, _heard(calls, cer, seed, homophones) if cer else calls, model, rules,
                       THRESHOLDS) for seed in (seeds if cer else [0])]
        rows[name] = {"calls": len(calls), "runs": runs}
    return rows


def totals(rows: dict[str, Any]) -> list[dict[str, list[int]]]:
    """Each run's counts summed over the authors."""
    runs = len(next(iter(rows.values()))["runs"])
    result = []
    for index in range(runs):
        summed: dict[str, list[int]] = {}
        for row in rows.values():
            for key, counts in row["runs"][index].items():
                summed[key] = [a + b for a, b in zip(summed.get(key, [0, 0, 0]), counts, strict=True)]
        result.append(summed)
    return result


def judge(path: Path, seeds: Sequence[int]) -> dict[str, Any]:
    """The adopted variant fitted on all of train + dev, on one labeled file: counts only."""
    pool = [*shipped("train"), *shipped("dev")]
    calls = load(path)
    model = UrgentModel.fit(pool)
    homophones = _homophones(pool)
    result: dict[str, Any] = {"calls": len(calls), "0": _cells(calls, calls, model, urgent, (THRESHOLD,))}
    for seed in seeds:
        result[f"0.2 seed {seed}"] = _cells(calls, _heard(calls, 0.2, seed, homophones), model, urgent,
                                            (THRESHOLD,))
    return result


def grid(seeds: Sequence[int], only: Sequence[str] = AUTHORS) -> dict[str, Any]:
    """Every setting of the grid, each author left out in turn: counts summed over the authors,
    at 0 % CER and per seed at 20 % (the rules' verdicts read once per heard call)."""
    pool = [*shipped("train"), *shipped("dev")]
    homophones = _homophones(pool)
    told = _told_not_now(urgent)
    prepared = []
    for name in only:
        calls = load(DATA / f"{name}.jsonl")
        runs = [calls, *(_heard(calls, 0.2, seed, homophones) for seed in seeds)]
        prepared.append((calls, runs, [[bool(urgent.emergency_kinds(t)) for t in heard] for heard in runs],
                         [[told(t) for t in heard] for heard in runs]))
    result: dict[str, Any] = {}
    for c in GRID_C:
        for ngram_max in GRID_NGRAMS:
            summed: list[dict[str, list[int]]] = [{} for _ in range(1 + len(seeds))]
            for calls, runs, said, vetoed in prepared:
                ids = {t.id for t in calls}
                model = UrgentModel.fit([t for t in pool if t.id not in ids], c=c, ngram_max=ngram_max)
                for index, heard in enumerate(runs):
                    p = model.probabilities(heard)
                    cell = _cells_of(calls, said[index], vetoed[index], p, THRESHOLDS)
                    for key, counts in cell.items():
                        summed[index][key] = [a + b for a, b in
                                              zip(summed[index].get(key, [0, 0, 0]), counts, strict=True)]
            result[f"C {c:g}, 1-{ngram_max}"] = {"cer 0": summed[0], "cer 0.2": summed[1:]}
    return result


def ranked(grid_result: dict[str, Any]) -> list[dict[str, Any]]:
    """The criterion stated in docs/ticket-evaluation.md ("Urgency learned, shipped"): within the
    false-alarm limit on the authors left out, the most emergencies found (0 % CER plus the mean
    of the 20 % seeds); among those within one of the best, the fewest false alarms (the same
    sum); then the higher threshold, the smaller C, the shorter n-grams, no veto before veto."""
    rows: list[dict[str, Any]] = []
    for setting, cells in grid_result.items():
        c, ngram_max = float(setting.split(",")[0][2:]), int(setting.split("-")[1])
        for variant, at0 in cells["cer 0"].items():
            if variant == "rules" and any(r["variant"] == "rules" for r in rows):  # one rules row
                continue
            at20 = [run[variant] for run in cells["cer 0.2"]]
            rows.append({"setting": setting, "variant": variant, "c": c, "ngram_max": ngram_max,
                         "found_0": at0[0], "false_0": at0[2], "urgent": at0[1],
                         "found_20": [r[0] for r in at20], "false_20": [r[2] for r in at20],
                         "score": at0[0] + sum(r[0] for r in at20) / len(at20),
                         "false_alarms": at0[2] + sum(r[2] for r in at20) / len(at20),
                         "threshold": float(variant.split()[1]) if variant != "rules" else 1.0,
                         "veto": variant.endswith("veto")})
    return sorted(rows, key=lambda r: (-r["score"], r["false_alarms"]))


def choose(rows: Sequence[dict[str, Any]], non_urgent: int) -> list[dict[str, Any]]:
    """The candidates in the criterion's order (the first is chosen, unless the test split's
    check refuses it)."""
    limit = FALSE_ALARM_LIMIT * non_urgent
    within = [r for r in rows if r["false_0"] <= limit and sum(r["false_20"]) / len(r["false_20"]) <= limit]
    order: list[dict[str, Any]] = []
    while within:
        best = max(r["score"] for r in within)
        near = sorted((r for r in within if r["score"] >= best - 1),
                      key=lambda r: (r["false_alarms"], -r["threshold"], r["c"], r["ngram_max"], r["veto"]))
        order.append(near[0])
        within.remove(near[0])
    return order


def on_test_split(c: float, ngram_max: int, variant: str, seeds: Sequence[int]) -> dict[str, Any]:
    """A candidate fitted on all of train + dev, on the shipped test split: found / urgent (false
    alarms) at 0 % CER and per seed at 20 %."""
    pool = [*shipped("train"), *shipped("dev")]
    calls = load(TEST_SPLIT)
    model = UrgentModel.fit(pool, c=c, ngram_max=ngram_max)
    threshold = float(variant.split()[1]) if variant != "rules" else 1.0
    homophones = _homophones(pool)
    result: dict[str, Any] = {"non_urgent": sum(1 for t in calls if not t.labels["urgent"])}
    for label, heard in [("cer 0", calls), *((f"cer 0.2 seed {s}", _heard(calls, 0.2, s, homophones))
                                             for s in seeds)]:
        result[label] = _cells(calls, heard, model, urgent, (threshold,))[variant]
    return result


def timings(calls: Sequence[Transcript], c: float = C, ngram_max: int = NGRAM_MAX) -> dict[str, float]:
    """The urgent model: its fit on the shipped train + dev splits (read from the package), and one
    call's probability (what a ticket pays beside the rules), against the rules' own time per call."""
    import time

    start, cpu = time.perf_counter(), time.process_time()
    model = UrgentModel.fit([*shipped("train"), *shipped("dev")], c=c, ngram_max=ngram_max)
    fit, fit_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    for t in calls:
        model.probability(t)
    per_call = (time.perf_counter() - start) / len(calls)
    start = time.perf_counter()
    for t in calls:
        urgent.emergency_kinds(t)
    rules = (time.perf_counter() - start) / len(calls)
    return {"fit_s": round(fit, 2), "fit_cpu_s": round(fit_cpu, 2), "calls": len(calls),
            "model_ms_per_call": round(per_call * 1e3, 3), "rules_ms_per_call": round(rules * 1e3, 3)}


def protocol(seeds: Sequence[int]) -> dict[str, Any]:
    """The grid, the criterion's order, the first candidate the test split's check accepts, its
    figures per author and against the rules as they were before the later authors, timings."""
    grid_result = grid(seeds)
    rows = ranked(grid_result)
    calls = [t for name in AUTHORS for t in load(DATA / f"{name}.jsonl")]
    order = choose(rows, sum(1 for t in calls if not t.labels["urgent"]))
    checked = []
    for candidate in order:
        test = on_test_split(candidate["c"], candidate["ngram_max"], candidate["variant"], seeds)
        limit = FALSE_ALARM_LIMIT * test["non_urgent"]
        found, total, false = test["cer 0"]
        checked.append({"setting": candidate["setting"], "variant": candidate["variant"], "test_split": test,
                        "accepted": found == total and false <= limit})
        if checked[-1]["accepted"]:
            break
    chosen = order[len(checked) - 1]
    threshold = (chosen["threshold"],)
    before = rules_at(RULES_BEFORE_LATER_AUTHORS)
    report = {
        "authors": list(AUTHORS), "calls": len(calls), "urgent": sum(1 for t in calls if t.labels["urgent"]),
        "false_alarm_limit": FALSE_ALARM_LIMIT,
        "ranking": [{k: r[k] for k in ("setting", "variant", "score", "false_alarms", "found_0", "false_0",
                                       "found_20", "false_20")} for r in order[:15]],
        "rules_alone": next(r for r in rows if r["variant"] == "rules"),
        "test_split_checks": checked,
        "chosen": {k: chosen[k] for k in ("setting", "variant", "c", "ngram_max", "threshold", "veto")},
        "chosen_per_author_cer_0": {
            name: {k: v for k, v in row["runs"][0].items() if k in ("rules", f"model {threshold[0]}",
                                                                  chosen["variant"])}
            for name, row in leave_one_out(0.0, seeds, chosen["c"], chosen["ngram_max"]).items()},
        f"rules_at_{RULES_BEFORE_LATER_AUTHORS}_on_{'_'.join(LATER_AUTHORS)}": {
            f"cer {cer}": [{k: v for k, v in run.items() if k in ("rules", chosen["variant"])}
                           for run in totals(leave_one_out(cer, seeds, chosen["c"], chosen["ngram_max"],
                                                           before, LATER_AUTHORS))]
            for cer in (0.0, 0.2)},
        "grid": grid_result,
    }
    report["timings"] = timings(load(TEST_SPLIT), chosen["c"], chosen["ngram_max"])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {k: v for k, v in report.items() if k not in ("grid", "chosen_per_author_cer_0")}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.urgent_authors")
    parser.add_argument("--cer", type=float, default=0.0)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--c", type=float, default=C)
    parser.add_argument("--ngram-max", type=int, default=NGRAM_MAX)
    parser.add_argument("--rules-at", help="a commit: the urgent rules as they were then")
    parser.add_argument("--authors", default=",".join(AUTHORS))
    parser.add_argument("--judge", type=Path, help="a labeled file scored by the adopted variant")
    parser.add_argument("--protocol", action="store_true", help="the whole protocol, into results/")
    args = parser.parse_args(argv if argv is not None else (sys.argv[1:] if __name__ == "__main__"
                                                            else ["--protocol"]))
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.judge:
        print(json.dumps(judge(args.judge, seeds), ensure_ascii=False))
        return
    if args.protocol:
        print(json.dumps(protocol(seeds), ensure_ascii=False))
        return
    rules = rules_at(args.rules_at) if args.rules_at else urgent
    rows = leave_one_out(args.cer, seeds, args.c, args.ngram_max, rules, args.authors.split(","))
    print(json.dumps({"authors": rows, "totals": totals(rows)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
