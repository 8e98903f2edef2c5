"""R19: a learned second signal beside the emergency cue rules (extract/urgent.py). The rules
follow the words the people who wrote them used; callers in other words (handwritten8/9: recall
0.70 and 0.44 by the rules alone) are read by a model of the caller's character n-grams (TF-IDF,
logistic regression with balanced classes), fitted on the shipped train and dev splits like the
category model. A call is urgent when the rules name a danger, or when the model's probability
reaches the threshold, unless the caller tells a danger the rules read as past or supposed (the
rules' "not now" veto); the ticket's alert then says 模型判断疑似紧急 / "suspected emergency, judged
by the model" instead of a danger's name. Chosen by leaving one hand-written author out
(docs/ticket-evaluation.md, "Urgency learned, shipped"). scikit-learn is imported, and the
model fitted, at the first call that needs it; a call costs one sparse dot product after that."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from callcenter.tickets.extract.urgent import emergency_kinds, told_not_now
from callcenter.tickets.splits import shipped
from callcenter.tickets.transcript import Transcript

# The kind a ticket names when only the model raised it (words/enums.py "danger").
SUSPECTED = "suspected"


@dataclass(frozen=True)
class UrgentSettings:
    """What leaving one author out chose (bench/urgent_authors.py)."""

    c: float = 16.0
    ngram_max: int = 4
    threshold: float = 0.3
    veto: bool = True  # a danger the rules read as past or supposed is not made urgent by the model


SETTINGS = UrgentSettings()


class UrgentModel:
    def __init__(self, vectorizer: Any, model: Any) -> None:
        self._vectorizer = vectorizer
        self._model = model
        self._column = list(model.classes_).index(True)

    @classmethod
    def fit(cls, transcripts: Sequence[Transcript], c: float = SETTINGS.c,
            ngram_max: int = SETTINGS.ngram_max) -> UrgentModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, ngram_max), sublinear_tf=True)
        features = vectorizer.fit_transform([t.words("caller") for t in transcripts])
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        with threadpool_limits(limits=1):  # BLAS threads on a shared small host cost, not gain
            model.fit(features, [bool(t.labels.get("urgent")) for t in transcripts])
        return cls(vectorizer, model)

    def probabilities(self, transcripts: Sequence[Transcript]) -> list[float]:
        from threadpoolctl import threadpool_limits

        features = self._vectorizer.transform([t.words("caller") for t in transcripts])
        with threadpool_limits(limits=1):
            return [float(p) for p in self._model.predict_proba(features)[:, self._column]]

    def probability(self, transcript: Transcript) -> float:
        """One call's probability of an emergency: the same as ``probabilities``, without
        scikit-learn's per-call overhead (a sparse row times the weights)."""
        features = self._vectorizer.transform([transcript.words("caller")])
        z = float((features @ self._model.coef_[0])[0]) + float(self._model.intercept_[0])
        p_true = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        return p_true if self._model.classes_[1] else 1.0 - p_true


@cache
def shipped_urgent_model() -> UrgentModel:
    """The chosen settings fitted on the shipped train and dev splits, once per process."""
    return UrgentModel.fit([*shipped("train"), *shipped("dev")], SETTINGS.c, SETTINGS.ngram_max)


def urgent_kinds(transcript: Transcript, named: list[str] | None = None) -> list[str]:
    """The dangers the rules name (``named`` when already read); else [SUSPECTED] when the model
    reads an emergency in the caller's words; else none."""
    kinds = emergency_kinds(transcript) if named is None else named
    words = transcript.words("caller")
    if kinds or not words.strip("|") or (SETTINGS.veto and told_not_now(words)):
        return kinds
    return [SUSPECTED] if shipped_urgent_model().probability(transcript) >= SETTINGS.threshold else []
