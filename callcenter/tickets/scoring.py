"""Accuracy of the transcript → ticket extraction against labeled transcripts (the format of the
shared calls.jsonl): macro-F1 for the category, precision/recall and false alarms for the urgent
flag, exact/precision/recall for each field, micro precision/recall for forbidden phrases.
`callcenter tickets evaluate` prints it; the category model's refits are judged by it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from callcenter.tickets.builder import extract
from callcenter.tickets.extract.address_label import address_label
from callcenter.tickets.extract.address_learned import AddressForms
from callcenter.tickets.extract.category import CATEGORIES
from callcenter.tickets.extract.name_label import name_label
from callcenter.tickets.extract.time import time_label
from callcenter.tickets.forbidden import phrase_name
from callcenter.tickets.transcript import Transcript, TranscriptError, read_jsonl

FIELDS = ("caller_name", "address", "phone", "preferred_time")
FLAGS = ("greeting_ok", "apology_given", "closing_ok")
# A label may write a name's title or a shop as said (陈小姐, 林生, 18号铺); both sides are compared
# in the extraction's normal form (陈女士, 林先生, 商铺18号). A time likewise (今儿/今天, 8点/八点).
_NORMAL_FORM: dict[str, Callable[[str], str]] = {"caller_name": name_label, "address": address_label,
                                                  "preferred_time": time_label}


def _field(name: str, value: Any) -> Any:
    normal = _NORMAL_FORM.get(name)
    return normal(value) if normal and isinstance(value, str) else value


@dataclass
class Scores:
    count: int = 0
    category_macro_f1: float = 0.0
    category_per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    urgent: dict[str, float] = field(default_factory=dict)
    fields: dict[str, dict[str, float]] = field(default_factory=dict)
    flags: dict[str, float] = field(default_factory=dict)
    forbidden: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {"errors": self.errors[:50]}


_HAN = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}])")


def unspaced(transcripts: Iterable[Transcript]) -> list[Transcript]:
    """The same calls as the speech area stores them (C4): no spaces between Chinese words."""
    return [replace(t, turns=tuple(replace(turn,
                                           text=_SPACE_BETWEEN_HAN.sub("", turn.text)) for turn in t.turns))
            for t in transcripts]


def load(path: Path) -> list[Transcript]:
    items = list(read_jsonl(path))
    bad = [str(i) for i in items if isinstance(i, TranscriptError)]
    if bad:
        raise TranscriptError("; ".join(bad))
    return [i for i in items if isinstance(i, Transcript)]


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0


def _pr(pairs: list[tuple[Any, Any]], positive: Callable[[Any], bool]) -> dict[str, float]:
    """Precision/recall of non-empty predictions; exact = share of records right (empty included)."""
    predicted = sum(1 for got, _ in pairs if positive(got))
    relevant = sum(1 for _, want in pairs if positive(want))
    correct = sum(1 for got, want in pairs if positive(got) and got == want)
    return {"precision": _ratio(correct, predicted), "recall": _ratio(correct, relevant),
            "exact": _ratio(sum(1 for got, want in pairs if got == want), len(pairs))}


def address_exact(pairs: Iterable[tuple[str | None, str | None]]) -> float:
    """The share of (extracted, labeled) addresses that are the same in their normal form."""
    return _pr([(_field("address", got), _field("address", want)) for got, want in pairs],
               lambda v: v is not None)["exact"]


def macro_f1(pairs: list[tuple[str, str]]) -> tuple[float, dict[str, dict[str, float]]]:
    per_class: dict[str, dict[str, float]] = {}
    for cls in CATEGORIES:
        tp = sum(1 for g, w in pairs if g == cls and w == cls)
        fp = sum(1 for g, w in pairs if g == cls and w != cls)
        fn = sum(1 for g, w in pairs if g != cls and w == cls)
        if tp + fp + fn == 0:
            continue
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        per_class[cls] = {"precision": p, "recall": r, "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                          "support": tp + fn}
    f1 = sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0
    return round(f1, 4), per_class


def score(transcripts: Iterable[Transcript],
          classify: Callable[[Transcript], str] | None = None, forms: AddressForms | None = None) -> Scores:
    """``classify``: the category model's; ``forms``: the centre's forms of address learned with it."""
    rows = [(t, extract(t, forms=forms).as_json()) for t in transcripts]
    result = Scores(count=len(rows))
    categories = [(classify(t) if classify else got["category"], t.labels["category"]) for t, got in rows]
    result.category_macro_f1, result.category_per_class = macro_f1(categories)
    result.urgent = _pr([(got["urgent"], t.labels["urgent"]) for t, got in rows], bool)
    result.urgent["false_alarms"] = sum(1 for t, got in rows if got["urgent"] and not t.labels["urgent"])
    for name in FIELDS:
        result.fields[name] = _pr([(_field(name, got[name]), _field(name, t.labels.get(name)))
                                   for t, got in rows],
                                  lambda v: v is not None)
    for name in FLAGS:
        result.flags[name] = _ratio(sum(1 for t, got in rows if got[name] == t.labels[name]), len(rows))
    said = [(set(got["forbidden_phrases"]), {phrase_name(p) for p in t.labels["forbidden_phrases"]})
            for t, got in rows]
    tp = sum(len(g & w) for g, w in said)
    result.forbidden = {"precision": _ratio(tp, sum(len(g) for g, _ in said)),
                        "recall": _ratio(tp, sum(len(w) for _, w in said))}
    for (t, got), (found, named), (category, _) in zip(rows, said, categories, strict=True):
        wrong = ["category"] if category != t.labels["category"] else []
        wrong += [k for k in ("urgent", *FIELDS, *FLAGS) if _field(k, got[k]) != _field(k, t.labels.get(k))]
        if found != named:
            wrong.append("forbidden_phrases")
        if wrong:
            result.errors.append(f"{t.id}: {', '.join(wrong)}")
    return result
