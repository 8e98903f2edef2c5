"""The learned ticket category (issue 15): classification time per call, refit time for 10,000
examples, the learning curve from a centre's own labeled calls (the category, and the address and
name with the forms of address learned beside it), and every ticket field under
simulated recogniser errors (0/10/20/30 % CER) on the shipped test split and the hand-written
sets that judge (handwritten20/21; handwritten4–19 judged once and are now fitted on, see
tests/data/transcripts/split.py).

    python -m bench ticket_category      → bench/results/ticket_category.json
    python -m bench.ticket_category recogniser_errors   (one section: timings, learning_curve,
                                                          recogniser_errors)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from callcenter.tickets.classifier import CategoryModel, Settings, shipped
from callcenter.tickets.extract.urgent import emergency_kinds
from callcenter.tickets.learning import fit_with
from callcenter.tickets.scoring import load, score
from callcenter.tickets.transcript import Transcript
from tests.support.recogniser_errors import Homophones, char_error_rate, degrade

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results") / "ticket_category.json"
JUDGES = {name: ROOT / "tests" / "data" / "transcripts" / f"{name}.jsonl"
          for name in ("handwritten20", "handwritten21")}


def _fields(model: CategoryModel, calls: Sequence[Transcript]) -> dict[str, Any]:
    result = score(calls, lambda t: model.predict(t, bool(emergency_kinds(t))).category).as_json()
    return {"category_macro_f1": result["category_macro_f1"], "urgent_recall": result["urgent"]["recall"],
            "urgent_precision": result["urgent"]["precision"],
            "urgent_false_alarms": result["urgent"]["false_alarms"],
            **{f"{k}_exact": v["exact"] for k, v in result["fields"].items()},
            "forbidden_precision": result["forbidden"]["precision"],
            "forbidden_recall": result["forbidden"]["recall"]}


ORDERS = 5  # random orders of each set's calls for the learning curve


def _learned_scores(model: CategoryModel, held: Sequence[Transcript]) -> dict[str, float]:
    """The other half's category macro-F1, and its address and name exact with the model's forms
    of address (learned with it) beside the rules."""
    predictions = model.predict_many(held, [bool(emergency_kinds(t)) for t in held])
    category = {t.id: p.category for p, t in zip(predictions, held, strict=True)}
    result = score(held, lambda t: category[t.id], model.address_forms).as_json()
    return {"category_macro_f1": result["category_macro_f1"],
            "address_exact": result["fields"]["address"]["exact"],
            "caller_name_exact": result["fields"]["caller_name"]["exact"]}


def learning_curve(judges: dict[str, list[Transcript]]) -> dict[str, Any]:
    """For each judging set: in each of several random orders, learn from the first half's first
    0/10/20/40 calls (as the centre's examples), score the second half, never learned: the
    category's macro-F1 (curve), the address's and the name's exact share."""
    import statistics

    result: dict[str, Any] = {}
    for name, calls in judges.items():
        runs: dict[str, dict[int, list[float]]] = {}
        for order in range(ORDERS):
            shuffled = list(calls)
            random.Random(order).shuffle(shuffled)
            learned, held = shuffled[:len(calls) // 2], shuffled[len(calls) // 2:]
            for n in (0, 10, 20, 40):
                for measure, value in _learned_scores(fit_with(learned[:n]), held).items():
                    runs.setdefault(measure, {}).setdefault(n, []).append(value)
        result[name] = {"orders": ORDERS, "scored_on": len(calls) - len(calls) // 2}
        for measure, by_n in runs.items():
            curve = {str(n): {"mean": round(statistics.mean(v), 3), "spread": round(statistics.pstdev(v), 3),
                              "runs": [round(x, 3) for x in v]} for n, v in by_n.items()}
            print(f"{name}: other half {measure} after learning " + ", ".join(
                f"{n}: {c['mean']:.3f} ± {c['spread']:.3f}" for n, c in curve.items()), flush=True)
            result[name]["curve" if measure == "category_macro_f1" else measure] = curve
    return result


def _centre_calls(homophones: Homophones) -> list[Transcript]:
    """10,000 of the centre's examples: the shipped ones, each time with other recogniser errors;
    made anew for each timing, as a refit reads them anew from the database."""
    train = [*shipped("train"), *shipped("dev")]
    rng = random.Random(10000)
    return [degrade(train[index % len(train)], 0.1, rng, homophones) for index in range(10_000)]


def _clocked(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """work's result, wall-clock seconds and this process's CPU seconds (the host is shared: the
    load stretches the first, hardly the second)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _per_call_ms(model: CategoryModel, calls: Sequence[Transcript]) -> tuple[float, float]:
    _, wall, cpu = _clocked(lambda: [model.predict(call, bool(emergency_kinds(call))) for call in calls])
    return round(wall * 1000 / len(calls), 2), round(cpu * 1000 / len(calls), 2)


def timings(homophones: Homophones) -> dict[str, Any]:
    """Classification per call (shipped model; with the centre's layer and memory of 10,000),
    the shipped model's fit on 10,000 examples, and a refit with 10,000 of the centre's (threshold
    fit and final fit, each with the centre's layer), wall-clock and CPU."""
    load = os.getloadavg()[0]
    test = shipped("test")
    per_call = _per_call_ms(fit_with([]), test)
    _, fit_wall, fit_cpu = _clocked(lambda: CategoryModel.fit(_centre_calls(homophones), Settings()))
    centre = _centre_calls(homophones)
    layered, refit_wall, refit_cpu = _clocked(lambda: fit_with(centre))
    per_call_layered = _per_call_ms(layered, test)
    print(f"classification {per_call[0]:.2f} ms/call ({per_call[1]:.2f} ms CPU), with the centre's layer "
          f"{per_call_layered[0]:.2f} ms ({per_call_layered[1]:.2f}); fit on 10,000 {fit_wall:.1f} s "
          f"({fit_cpu:.1f} s CPU); refit with 10,000 of the centre's (threshold fit + final fit) "
          f"{refit_wall:.1f} s ({refit_cpu:.1f} s CPU); load {load:.1f} → {os.getloadavg()[0]:.1f}",
          flush=True)
    return {"measured_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
            "load_average_1min": [round(load, 1), round(os.getloadavg()[0], 1)],
            "classification_ms_per_call": per_call[0], "classification_cpu_ms_per_call": per_call[1],
            "classification_with_centre_layer_ms_per_call": per_call_layered[0],
            "classification_with_centre_layer_cpu_ms_per_call": per_call_layered[1],
            "fit_10000_seconds": round(fit_wall, 1), "fit_10000_cpu_seconds": round(fit_cpu, 1),
            "refit_with_10000_centre_examples_seconds": round(refit_wall, 1),
            "refit_with_10000_centre_examples_cpu_seconds": round(refit_cpu, 1)}


def robustness(sets: dict[str, list[Transcript]], homophones: Homophones) -> dict[str, Any]:
    model = fit_with([])
    table: dict[str, Any] = {}
    for name, calls in sets.items():
        for cer in (0.0, 0.1, 0.2, 0.3):
            rng = random.Random(15)
            noisy = [degrade(t, cer, rng, homophones) for t in calls]
            row = _fields(model, noisy) | {"measured_cer": round(char_error_rate(calls, noisy), 3)}
            table.setdefault(name, {})[f"{int(cer * 100)}%"] = row
            print(f"{name:13s} CER {cer:.0%} (measured {row['measured_cer']:.1%}): category "
                  f"{row['category_macro_f1']:.3f} urgent recall {row['urgent_recall']:.2f} precision "
                  f"{row['urgent_precision']:.2f} phone "
                  f"{row['phone_exact']:.2f} address {row['address_exact']:.2f} name "
                  f"{row['caller_name_exact']:.2f} forbidden P/R {row['forbidden_precision']:.2f}/"
                  f"{row['forbidden_recall']:.2f}", flush=True)
    return table


def main(sections: Sequence[str] = ()) -> None:
    """All sections, or those named (timings, learning_curve, recogniser_errors); each run's
    sections replace their old results in the JSON file."""
    chosen = set(sections) or {"timings", "learning_curve", "recogniser_errors"}
    judges = ({name: load(path) for name, path in JUDGES.items()}
              if chosen & {"learning_curve", "recogniser_errors"} else {})
    texts = [t.text for split in ("train", "dev", "test") for call in shipped(split) for t in call.turns]
    homophones = Homophones(texts)
    report = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if "timings" in chosen:
        report["timings"] = timings(homophones)
    if "learning_curve" in chosen:
        report["learning_curve"] = learning_curve(judges)
    if "recogniser_errors" in chosen:
        report["recogniser_errors"] = robustness({"test_split": shipped("test"), **judges}, homophones)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
