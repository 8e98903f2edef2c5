"""How the category model should learn from a centre it has never seen (issue 15, R5): the design
protocol, "leave one author out" on the hand-written calls the shipped model is fitted on.

For each author A (handwritten4–9, handwritten_train_a/b/c, each one person's calls): the shipped
settings are fitted on the shipped train + dev splits without any of A's calls; in several random
orders, the first half of A's calls is learned (0 / 10 / 20 / 40 of them, as a refit learns the
centre's examples) and A's other half is scored (category macro-F1, emergencies repairs, as
`tickets evaluate`). Averaged over authors and orders, this stands for an unseen centre. The
judging sets (handwritten10/11) are never read here; handwritten8/9 judged once and are now
fitted on, so they are authors here.

    python -m tests.support.centre_design cheap      (the layer, the memory, guarded or not)
    python -m tests.support.centre_design weighted   (the centre's calls weighted into the fit)
    python -m tests.support.centre_design settings   (the layer's L2, common n-grams, memory)
    python -m tests.support.centre_design table      (prints the table of every result so far)

Results: bench/results/centre_design.json, under CURRENT (one entry per candidate, merged across
runs); the first design's results (seven authors, three orders) are kept beside them.
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from callcenter.tickets.classifier import CategoryModel, Settings, shipped
from callcenter.tickets.extract.urgent import emergency_kinds
from callcenter.tickets.scoring import macro_f1
from callcenter.tickets.transcript import Transcript

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "centre_design.json"
AUTHORS = ("handwritten4", "handwritten5", "handwritten6", "handwritten7", "handwritten_train_a",
           "handwritten_train_b", "handwritten_train_c", "handwritten8", "handwritten9")
ORDERS = 5  # as the acceptance's learning curve (bench/ticket_category.py), whose orders these are
POINTS = (0, 10, 20, 40)
FOLDS = 5
CURRENT = "nine authors, five orders"

Builder = Callable[[Sequence[Transcript]], CategoryModel]  # the centre's examples → a model


def author_ids(name: str) -> list[str]:
    path = ROOT / "tests" / "data" / "transcripts" / f"{name}.jsonl"
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def f1(model: CategoryModel, calls: Sequence[Transcript]) -> float:
    predictions = model.predict_many(calls, [bool(emergency_kinds(t)) for t in calls])
    return macro_f1([(p.category, t.labels["category"]) for p, t in zip(predictions, calls, strict=True)])[0]


def right(model: CategoryModel, calls: Sequence[Transcript]) -> int:
    predictions = model.predict_many(calls, [bool(emergency_kinds(t)) for t in calls])
    return sum(p.category == t.labels["category"] for p, t in zip(predictions, calls, strict=True))


def memory_only(base: CategoryModel, learned: Sequence[Transcript], similarity: float) -> CategoryModel:
    settings = dataclasses.replace(base.settings, memory_similarity=similarity)
    return CategoryModel(settings, base._caller_vec, base._agent_vec, base._model, base.threshold,
                         base.examples + len(learned),
                         [(t.words("caller"), str(t.labels["category"])) for t in learned])


def layer(base: CategoryModel, learned: Sequence[Transcript], memory: bool) -> CategoryModel:
    model = base.with_centre(learned)
    if not memory:
        model.memory = []
    return model


def layer_with(base: CategoryModel, learned: Sequence[Transcript], **changes: Any) -> CategoryModel:
    """The layer and memory with some of the shipped settings changed (centre_l2, centre_common,
    memory_similarity; a memory_similarity above 1 is no memory)."""
    changed = CategoryModel(dataclasses.replace(base.settings, **changes), base._caller_vec,
                            base._agent_vec, base._model, base.threshold, base.examples)
    return changed.with_centre(learned)


def said_across_kinds(learned: Sequence[Transcript], ngram_max: int, kinds: int) -> frozenset[str]:
    """The caller's n-grams said in the centre's calls of at least `kinds` different kinds: the
    author's way of speaking, not the matter."""
    seen: dict[str, set[str]] = {}
    for t in learned:
        text = t.words("caller")
        for size in range(1, ngram_max + 1):
            for start in range(len(text) - size + 1):
                seen.setdefault(text[start:start + size], set()).add(str(t.labels["category"]))
    return frozenset(gram for gram, found in seen.items() if len(found) >= kinds)


def layer_without_style(base: CategoryModel, learned: Sequence[Transcript], kinds: int) -> CategoryModel:
    """The layer (and memory) as shipped, its n-grams also without those the centre says across
    `kinds` kinds."""
    from callcenter.tickets.centre_layer import CentreLayer

    spoken = [t for t in learned if t.words("caller").strip("|")]
    if not spoken:
        return base
    common = base._common_ngrams() | said_across_kinds(spoken, base.settings.ngram_max, kinds)
    fitted = CentreLayer.fit(base._shipped_log_probabilities(spoken), spoken, base.settings.ngram_max,
                             base.settings.centre_l2, base.settings.centre_temperature_l2, common)
    return CategoryModel(base.settings, base._caller_vec, base._agent_vec, base._model, base.threshold,
                         base.examples + len(learned),
                         [(t.words("caller"), str(t.labels["category"])) for t in learned], fitted)


class PriorLayer:
    """A temperature and a shift of each kind's prior, learned from the centre's examples alone
    (no n-grams; the same penalties as the shipped layer's: `stay` on the temperature, `l2` on the
    shifts)."""

    def __init__(self, shipped_log_probabilities: Any, centre: Sequence[Transcript], l2: float,
                 stay: float) -> None:
        import numpy as np
        from scipy.optimize import minimize

        from callcenter.tickets.extract.category import CATEGORIES

        offset = np.asarray(shipped_log_probabilities, dtype=float)
        truth = np.zeros_like(offset)
        truth[np.arange(len(centre)), [CATEGORIES.index(str(t.labels["category"])) for t in centre]] = 1.0

        def loss(params: Any) -> tuple[float, Any]:
            logits = params[0] * offset + params[1:]
            logits -= logits.max(axis=1, keepdims=True)
            probabilities = np.exp(logits)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            error = probabilities - truth
            value = (-float(np.sum(truth * np.log(probabilities + 1e-12)))
                     + l2 / 2 * float(np.sum(params[1:] ** 2)) + stay / 2 * (params[0] - 1) ** 2)
            gradient = np.concatenate([[float(np.sum(error * offset)) + stay * (params[0] - 1)],
                                       error.sum(axis=0) + l2 * params[1:]])
            return value, gradient

        start = np.zeros(1 + offset.shape[1])
        start[0] = 1.0
        bounds = [(0.05, 1.0)] + [(None, None)] * offset.shape[1]
        fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds).x
        self.temperature, self.shift = float(fitted[0]), fitted[1:]

    def probabilities(self, shipped_log_probabilities: Any, calls: Sequence[Transcript]) -> Any:
        import numpy as np

        logits = self.temperature * np.asarray(shipped_log_probabilities) + self.shift
        logits -= logits.max(axis=1, keepdims=True)
        result = np.exp(logits)
        return result / result.sum(axis=1, keepdims=True)


def prior_only(base: CategoryModel, learned: Sequence[Transcript], l2: float) -> CategoryModel:
    if not learned:
        return base
    fitted = PriorLayer(base._shipped_log_probabilities(learned), learned, l2,
                        base.settings.centre_temperature_l2)
    return CategoryModel(base.settings, base._caller_vec, base._agent_vec, base._model, base.threshold,
                         base.examples + len(learned), (), fitted)  # type: ignore[arg-type]


def _both_sides(t: Transcript) -> str:
    return t.words("caller") + "||" + t.words("agent")


def with_agents_words(base: CategoryModel, learned: Sequence[Transcript], l2: float) -> CategoryModel:
    """The layer on the n-grams of both sides (the centre's agents answer each kind in their own
    set phrases), without the common ones of either side; no memory."""
    import math
    from unittest import mock

    from callcenter.tickets.centre_layer import CentreLayer

    class BothSides(CentreLayer):
        def _features(self, calls: Sequence[Transcript]) -> Any:
            return self._vec.transform([_both_sides(t) for t in calls])

    if not learned:
        return base
    n = base.examples
    limit = math.log((1 + n) / (1 + base.settings.centre_common * n)) + 1
    common = frozenset(g for vec in (base._caller_vec, base._agent_vec)
                       for g, i in vec.vocabulary_.items() if vec.idf_[i] < limit)
    with mock.patch("callcenter.tickets.centre_layer._caller", _both_sides):
        fitted = BothSides.fit(base._shipped_log_probabilities(learned), learned, base.settings.ngram_max,
                               l2, base.settings.centre_temperature_l2, common)
    return CategoryModel(base.settings, base._caller_vec, base._agent_vec, base._model, base.threshold,
                         base.examples + len(learned), (), fitted)


def only_new_ngrams(base: CategoryModel, learned: Sequence[Transcript]) -> CategoryModel:
    """The layer on the caller's n-grams the shipped model never read (the centre's own place names
    and words); what it read, it already weighs from far more calls. No memory."""
    from callcenter.tickets.centre_layer import CentreLayer

    if not learned:
        return base
    fitted = CentreLayer.fit(base._shipped_log_probabilities(learned), learned, base.settings.ngram_max,
                             base.settings.centre_l2, base.settings.centre_temperature_l2,
                             frozenset(base._caller_vec.vocabulary_))
    return CategoryModel(base.settings, base._caller_vec, base._agent_vec, base._model, base.threshold,
                         base.examples + len(learned), (), fitted)


def weighted(fitted_on: Sequence[Transcript], learned: Sequence[Transcript], weight: float,
             similarity: float | None) -> CategoryModel:
    settings = Settings() if similarity is None else dataclasses.replace(Settings(),
                                                                         memory_similarity=similarity)
    model = CategoryModel.fit([*fitted_on, *learned], settings,
                              weights=[1.0] * len(fitted_on) + [weight] * len(learned),
                              memory=learned if similarity is not None else ())
    return model


def guarded(base: CategoryModel, make: Builder, learned: Sequence[Transcript]) -> CategoryModel:
    """The learned model only if, by FOLDS-fold cross-validation on the centre's own examples, it
    gets at least as many of them right as the model without them."""
    if not learned:
        return base
    folds = [list(learned[i::FOLDS]) for i in range(FOLDS) if learned[i::FOLDS]]
    with_learning = without = 0
    for index, held in enumerate(folds):
        rest = [t for j, fold in enumerate(folds) if j != index for t in fold]
        with_learning += right(make(rest), held)
        without += right(base, held)
    return make(learned) if with_learning >= without else base


def candidates(group: str, base: CategoryModel, fitted_on: Sequence[Transcript]) -> dict[str, Builder]:
    found: dict[str, Builder] = {}
    if group == "cheap":
        plain: dict[str, Builder] = {
            "a layer + memory 0.4 (as is)": lambda ls: layer(base, ls, True),
            "b layer, no memory": lambda ls: layer(base, ls, False),
            **{f"c memory {s}": partial(memory_only, base, similarity=s) for s in (0.4, 0.5, 0.6)},
        }
        found.update(plain)
        for name, make in plain.items():
            found[f"e guard: {name}"] = partial(guarded, base, make)
    elif group.startswith("weighted"):  # weighted[:W]
        for w in [float(group.split(":")[1])] if ":" in group else (1.0, 2.0, 5.0):
            found[f"d weighted {w:g}"] = partial(weighted, fitted_on, weight=w, similarity=None)
            if ":" not in group:  # one weight alone: without the memory (a fit per point costs)
                found[f"d weighted {w:g} + memory 0.5"] = partial(weighted, fitted_on, weight=w,
                                                                  similarity=0.5)
    elif group == "settings":
        for l2 in (1.0, 3.0, 10.0):
            found[f"f layer L2 {l2:g} + memory 0.4"] = partial(layer_with, base, centre_l2=l2)
        found["g layer, common n-grams from 5 % + memory 0.4"] = partial(layer_with, base, centre_common=0.05)
        found["h layer + memory 0.5"] = partial(layer_with, base, memory_similarity=0.5)
        for l2 in (3.0, 10.0):
            found[f"i layer L2 {l2:g}, no memory"] = partial(layer_with, base, centre_l2=l2,
                                                           memory_similarity=2.0)
    elif group == "style":
        for kinds in (2, 3):
            found[f"j layer without n-grams said in {kinds}+ of the centre's kinds + memory 0.4"] = partial(
                layer_without_style, base, kinds=kinds)
    elif group == "prior":
        for l2 in (0.3, 3.0):
            found[f"k temperature and priors only, L2 {l2:g}, no memory"] = partial(prior_only, base, l2=l2)
    elif group == "agents":
        for l2 in (0.3, 3.0):
            found[f"l layer on both sides' n-grams, L2 {l2:g}, no memory"] = partial(with_agents_words, base,
                                                                                    l2=l2)
    elif group == "new":
        found["m layer on n-grams the shipped model never read, no memory"] = partial(only_new_ngrams, base)
    elif group == "new-guarded":
        found["e guard: m layer on n-grams the shipped model never read, no memory"] = partial(
            guarded, base, partial(only_new_ngrams, base))
    elif group.startswith("guard-weighted"):  # guard-weighted:W[:S]
        parts = group.split(":")
        w = float(parts[1])
        s = float(parts[2]) if len(parts) > 2 else None
        name = f"d weighted {w:g}" + ("" if s is None else f" + memory {s:g}")
        make = partial(weighted, fitted_on, weight=w, similarity=s)
        found[f"e guard: {name}"] = partial(guarded, base, make)
    else:
        raise SystemExit(f"unknown group {group!r}: cheap, weighted, settings, guard-weighted:W[:S] "
                         "or table")
    return found


def run(group: str, authors: Sequence[str] = AUTHORS) -> dict[str, Any]:
    shipped_calls = [*shipped("train"), *shipped("dev")]
    by_id = {t.id: t for t in shipped_calls}
    scores: dict[str, dict[str, dict[int, list[float]]]] = {}
    for author in authors:
        ids = author_ids(author)
        mine = set(ids)
        fitted_on = [t for t in shipped_calls if t.id not in mine]
        base = CategoryModel.fit(fitted_on, Settings())
        calls = [by_id[i] for i in ids]
        for order in range(ORDERS):
            shuffled = list(calls)
            random.Random(order).shuffle(shuffled)
            learned, held = shuffled[:len(calls) // 2], shuffled[len(calls) // 2:]
            before = f1(base, held)
            for name, make in candidates(group, base, fitted_on).items():
                runs = scores.setdefault(name, {}).setdefault(author, {})
                runs.setdefault(0, []).append(before)
                for n in POINTS[1:]:
                    runs.setdefault(n, []).append(f1(make(learned[:n]), held))
            print(f"{author} order {order} done", flush=True)
    return {name: {author: {str(n): v for n, v in runs.items()} for author, runs in per.items()}
            for name, per in scores.items()}


def table(results: dict[str, Any]) -> str:
    """Mean over authors and orders at each point; the gain (mean of 10/20/40 minus 0); the worst
    author's gain and the worst single author-point against its 0."""
    lines = ["| Candidate | 0 | 10 | 20 | 40 | gain | worst author's gain | worst point |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    rows = []
    for name, per in results.items():
        means = {n: statistics.mean(statistics.mean(per[a][str(n)]) for a in per) for n in POINTS}
        gain = statistics.mean(means[n] for n in POINTS[1:]) - means[0]
        author_gain = {a: statistics.mean(statistics.mean(per[a][str(n)]) for n in POINTS[1:])
                       - statistics.mean(per[a]["0"]) for a in per}
        worst_point = min(statistics.mean(per[a][str(n)]) - statistics.mean(per[a]["0"])
                          for a in per for n in POINTS[1:])
        worst = min(author_gain, key=lambda a: author_gain[a])
        rows.append((gain, f"| {name} | " + " | ".join(f"{means[n]:.3f}" for n in POINTS)
                     + f" | {gain:+.4f} | {author_gain[worst]:+.3f} ({worst}) | {worst_point:+.3f} |"))
    lines += [row for _, row in sorted(rows, key=lambda r: -r[0])]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> None:
    group = argv[0] if argv else "table"
    if group != "table":
        found = run(group)
        stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        stored.setdefault(CURRENT, {}).update(found)
        RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    print(table(stored.get(CURRENT, {})))


if __name__ == "__main__":
    main(sys.argv[1:])
