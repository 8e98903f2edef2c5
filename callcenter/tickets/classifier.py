"""R5: the kind of matter, learned. Character n-grams of what the caller and the agent said (the
keyword rules' verdict and cue counts can be extra features; the dev split chose none since it
holds calls in other people's words), in a linear model (logistic regression). It is fitted on
labeled calls: the shipped train and dev splits, then a layer on the centre's own confirmed and
corrected tickets. Each prediction carries its probability; below the model's
threshold the desk shows the two likeliest kinds and asks the agent. A model fitted with the
centre's examples also carries the forms of address learned from them (R4,
extract/address_learned.py), so that a stored version holds both.

An emergency stays a repair (R19), whatever the model says. scikit-learn is imported only when a
model is fitted or used, so the rest of the command line starts without it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from callcenter.tickets.centre_layer import CentreLayer, log_probabilities
from callcenter.tickets.extract.address_learned import AddressForms
from callcenter.tickets.extract.category import CATEGORIES, classify, scores
from callcenter.tickets.splits import labeled as labeled  # the shipped splits' home; re-exported
from callcenter.tickets.splits import shipped as shipped
from callcenter.tickets.transcript import Transcript


@dataclass(frozen=True)
class Settings:
    """What the dev split chose (see docs/ticket-evaluation.md)."""

    ngram_max: int = 2
    c: float = 16.0
    rule_weight: float = 0.0  # the keyword rules' verdict and cue counts as features, at this weight
    with_agent: bool = True
    # The lowest probability above which 95 % of the dev split's predictions were right, for the
    # model fitted on train (choose_threshold; refits choose theirs again).
    threshold: float = 0.221
    # The L2 penalty of the centre's layer (centre_layer.py), stacked on the shipped model and
    # fitted on the centre's examples alone (chosen on halves of the dev split; see
    # docs/ticket-evaluation.md).
    centre_l2: float = 0.3
    centre_temperature_l2: float = 3.0
    centre_common: float = 0.2  # n-grams in more calls than this share teach the layer nothing
    # The layer's strength is cross-validated on the centre's own examples in this many folds
    # (centre_layer.py CentreLayer.checked; 0: no check, the full layer).
    centre_folds: int = 5
    # A call this similar (cosine of the caller's character n-grams) to one of the centre's own
    # examples takes that example's category: the centre's agents decided it (chosen on the same
    # dev halves: 0.886 → 0.923 after 40 examples). A refit raises it where the centre's own
    # examples show calls as alike as that but of other kinds (CategoryModel._checked_similarity).
    memory_similarity: float = 0.4
    # Each kind weighs as much as the others in the fit, however few examples it has.
    balanced: bool = True


@dataclass(frozen=True)
class Prediction:
    category: str
    confidence: float  # the model's probability of `category`, 0..1
    top_two: tuple[tuple[str, float], tuple[str, float]]
    ask_agent: bool  # below the threshold: the desk shows top_two and asks

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "confidence": round(self.confidence, 3),
                "top_two": [{"category": c, "confidence": round(p, 3)} for c, p in self.top_two],
                "ask_agent": self.ask_agent}


class CategoryModel:
    def __init__(self, settings: Settings, caller_vec: Any, agent_vec: Any, model: Any,
                 threshold: float, examples: int, memory: Sequence[tuple[str, str]] = (),
                 centre: CentreLayer | None = None, address_forms: AddressForms | None = None) -> None:
        self.settings = settings
        self._caller_vec = caller_vec
        self._agent_vec = agent_vec
        self._model = model
        self.threshold = threshold
        self.examples = examples
        self.memory = list(memory)  # the centre's own examples: (caller's words, category)
        self._memory_matrix: Any = None
        self.centre = centre  # fitted on the centre's own examples, stacked on this model
        # the centre's own forms of address (R4), learned and versioned with this model
        self.address_forms = address_forms or AddressForms()

    @classmethod
    def fit(cls, transcripts: Sequence[Transcript], settings: Settings = Settings(),
            threshold: float = 0.5, weights: Sequence[float] | None = None,
            memory: Sequence[Transcript] = ()) -> CategoryModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        def vectorizer() -> Any:
            return TfidfVectorizer(analyzer="char", ngram_range=(1, settings.ngram_max), sublinear_tf=True,
                                   min_df=1)

        caller_vec = vectorizer().fit([t.words("caller") for t in transcripts])
        agent_vec = (vectorizer().fit([t.words("agent") for t in transcripts]) if settings.with_agent
                     else None)
        model = LogisticRegression(C=settings.c, max_iter=2000,
                                   class_weight="balanced" if settings.balanced else None)
        result = cls(settings, caller_vec, agent_vec, model, threshold, len(transcripts),
                     [(t.words("caller"), str(t.labels["category"])) for t in memory])
        with threadpool_limits(limits=1):  # BLAS threads on a shared small host cost 50x, not gain
            model.fit(result._features(transcripts), [t.labels["category"] for t in transcripts],
                      sample_weight=None if weights is None else list(weights))
        return result

    def with_centre(self, centre: Sequence[Transcript]) -> CategoryModel:
        """This model with a layer fitted on the centre's examples stacked on it; the centre's
        examples are also remembered (a call like one of them takes its category)."""
        spoken = [t for t in centre if t.words("caller").strip("|")]  # a layer learns from words
        if not spoken:
            return self
        shipped_log = self._shipped_log_probabilities(spoken)
        layer = CentreLayer.checked(shipped_log, spoken, self.settings.ngram_max,
                                    self.settings.centre_l2, self.settings.centre_temperature_l2,
                                    self._common_ngrams(), self.settings.centre_folds)
        settings = replace(self.settings, memory_similarity=self._checked_similarity(spoken, shipped_log))
        return CategoryModel(settings, self._caller_vec, self._agent_vec, self._model, self.threshold,
                             self.examples + len(centre),
                             [(t.words("caller"), str(t.labels["category"])) for t in centre], layer,
                             self.address_forms)

    def _checked_similarity(self, centre: Sequence[Transcript], shipped_log: Any) -> float:
        """The memory's similarity, checked on the centre's own examples: each is asked of the
        memory of the others. The lowest similarity (from settings.memory_similarity up) at which
        the nearest of the others, when alike enough, and else the shipped model, get most of them
        right: calls alike only in how their callers speak (a greeting, a few words of English),
        but of other kinds, raise it."""
        import numpy as np

        floor = self.settings.memory_similarity
        if len(centre) < 2:
            return floor
        matrix = self._caller_vec.transform([t.words("caller") for t in centre])
        tops = np.asarray(shipped_log).argmax(axis=1)
        asked = []  # (similarity, the model right, the memory right) where the nearest is alike enough
        for start in range(0, len(centre), 500):  # 500 rows at a time: 10,000 squared would not fit
            rows = (matrix[start:start + 500] @ matrix.T).toarray()
            rows[np.arange(len(rows)), np.arange(start, start + len(rows))] = -1.0  # not itself
            for offset, row in enumerate(rows):
                index, best = start + offset, int(row.argmax())
                truth = str(centre[index].labels["category"])
                if row[best] >= floor:
                    asked.append((float(row[best]), CATEGORIES[int(tops[index])] == truth,
                                  str(centre[best].labels["category"]) == truth))
        candidates = [floor, *(similarity + 1e-9 for similarity, _, _ in asked)]

        def right(limit: float) -> int:
            return sum(memory if similarity >= limit else model for similarity, model, memory in asked)

        return min(candidates, key=lambda limit: (-right(limit), limit))

    def with_address_forms(self, forms: AddressForms) -> CategoryModel:
        """This model carrying the centre's forms of address, so that a version holds both."""
        return CategoryModel(self.settings, self._caller_vec, self._agent_vec, self._model, self.threshold,
                             self.examples, self.memory, self.centre, forms)

    def _common_ngrams(self) -> frozenset[str]:
        """The caller's n-grams in more than settings.centre_common of the calls this model was
        fitted on (TfidfVectorizer's smooth idf is ln((1 + n) / (1 + df)) + 1)."""
        import math

        n = self.examples
        limit = math.log((1 + n) / (1 + self.settings.centre_common * n)) + 1
        idf = self._caller_vec.idf_
        return frozenset(g for g, i in self._caller_vec.vocabulary_.items() if idf[i] < limit)

    def _shipped_log_probabilities(self, transcripts: Sequence[Transcript]) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            probabilities = self._model.predict_proba(self._features(transcripts))
        return log_probabilities([str(c) for c in self._model.classes_], probabilities)

    def _features(self, transcripts: Sequence[Transcript]) -> Any:
        from scipy.sparse import csr_matrix, hstack

        parts = [self._caller_vec.transform([t.words("caller") for t in transcripts])]
        if self._agent_vec is not None:
            parts.append(self._agent_vec.transform([t.words("agent") for t in transcripts]) * 0.5)
        if self.settings.rule_weight:
            rows = []
            for t in transcripts:
                verdict, cues, weight = classify(t), scores(t), self.settings.rule_weight
                rows.append([weight * (1.0 if verdict == c else 0.0) for c in CATEGORIES]
                            + [weight * min(cues.get(c, 0.0), 4.0) / 4 for c in CATEGORIES])
            parts.append(csr_matrix(rows))
        return hstack(parts).tocsr()

    def predict_many(self, transcripts: Sequence[Transcript],
                     emergencies: Sequence[bool] | None = None) -> list[Prediction]:
        if not transcripts:
            return []
        import numpy as np
        from threadpoolctl import threadpool_limits

        shipped_log = self._shipped_log_probabilities(transcripts)
        with threadpool_limits(limits=1):
            if self.centre is None:
                probabilities = np.exp(shipped_log)
            else:
                probabilities = self.centre.probabilities(shipped_log, transcripts)
        classes = list(CATEGORIES)
        remembered = self._remembered(transcripts)
        result = []
        for index, row in enumerate(probabilities):
            ranked = sorted(zip(classes, (float(p) for p in row), strict=True), key=lambda cp: -cp[1])
            ranked += [(c, 0.0) for c in CATEGORIES if c not in classes]
            first, second = ranked[0], ranked[1]
            recalled = remembered[index]
            # A remembered call decides, unless the model is surer of another kind than the call
            # is like the remembered one: a call in other words that shares a few of its phrases
            # is not the same matter.
            if recalled is not None and (recalled[0] == first[0] or recalled[1] > first[1]):
                category, similarity = recalled
                first = (category, max(similarity, dict(ranked)[category]))
                second = next(cp for cp in ranked if cp[0] != category)
            if emergencies is not None and emergencies[index]:
                result.append(Prediction("repair", 1.0, (("repair", 1.0), second if first[0] == "repair"
                                                         else first), False))
                continue
            result.append(Prediction(first[0], first[1], (first, second), first[1] < self.threshold))
        return result

    def _remembered(self, transcripts: Sequence[Transcript]) -> list[tuple[str, float] | None]:
        """For each call, the category of the most similar of the centre's examples when it is
        similar enough (settings.memory_similarity), else None."""
        if not self.memory:
            return [None] * len(transcripts)
        if self._memory_matrix is None:
            self._memory_matrix = self._caller_vec.transform([text for text, _ in self.memory])
        calls = self._caller_vec.transform([t.words("caller") for t in transcripts])
        similarities = (calls @ self._memory_matrix.T).toarray()
        result: list[tuple[str, float] | None] = []
        for row in similarities:
            best = int(row.argmax())
            similar = float(row[best]) >= self.settings.memory_similarity
            result.append((self.memory[best][1], float(row[best])) if similar else None)
        return result

    def predict(self, transcript: Transcript, emergency: bool = False) -> Prediction:
        return self.predict_many([transcript], [emergency])[0]

    def dumps(self) -> bytes:
        """Plain numbers in JSON (vocabularies, weights), never code: a stored version is loaded
        without unpickling anything a database writer could have put there."""
        def vectorizer(vec: Any) -> dict[str, Any] | None:
            if vec is None:
                return None
            return {"vocabulary": {k: int(v) for k, v in vec.vocabulary_.items()},
                    "idf": [float(x) for x in vec.idf_]}

        return json.dumps({
            "format": 1, "settings": asdict(self.settings), "threshold": self.threshold,
            "examples": self.examples, "caller": vectorizer(self._caller_vec),
            "agent": vectorizer(self._agent_vec), "classes": [str(c) for c in self._model.classes_],
            "coef": self._model.coef_.tolist(), "intercept": self._model.intercept_.tolist(),
            "memory": [list(pair) for pair in self.memory],
            "centre": None if self.centre is None else self.centre.as_json(),
            "address_forms": self.address_forms.as_json(),
        }, ensure_ascii=False).encode("utf-8")

    @staticmethod
    def loads(blob: bytes) -> CategoryModel:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        try:
            data = json.loads(blob.decode("utf-8"))
            if data.get("format") != 1:
                raise ValueError(f"format {data.get('format')!r}")
            known = set(Settings.__dataclass_fields__)
            settings = Settings(**{k: v for k, v in data["settings"].items() if k in known})

            def vectorizer(stored: dict[str, Any] | None) -> Any:
                if stored is None:
                    return None
                vec = TfidfVectorizer(analyzer="char", ngram_range=(1, settings.ngram_max), sublinear_tf=True)
                vec.vocabulary_ = {str(k): int(v) for k, v in stored["vocabulary"].items()}
                vec.idf_ = np.asarray(stored["idf"], dtype=float)
                return vec

            model = LogisticRegression(C=settings.c)
            model.classes_ = np.asarray(data["classes"])
            model.coef_ = np.asarray(data["coef"], dtype=float)
            model.intercept_ = np.asarray(data["intercept"], dtype=float)
            model.n_features_in_ = model.coef_.shape[1]
            memory = [(str(text), str(category)) for text, category in data.get("memory", [])]
            centre = None if data.get("centre") is None else CentreLayer.from_json(data["centre"])
            forms = AddressForms.from_json(data.get("address_forms", []))
            return CategoryModel(settings, vectorizer(data["caller"]), vectorizer(data["agent"]), model,
                                 float(data["threshold"]), int(data["examples"]), memory, centre, forms)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"the stored category model cannot be read ({exc}); run `callcenter tickets "
                             "refit`") from None


def choose_threshold(model: CategoryModel, dev: Sequence[Transcript], precision: float = 0.95) -> float:
    """The lowest probability above which the dev split's predictions are right often enough."""
    predictions = model.predict_many(dev)
    pairs = sorted(((p.confidence, p.category == t.labels["category"]) for p, t in
                    zip(predictions, dev, strict=True)), reverse=True)
    best = 1.0
    right = 0
    for count, (confidence, ok) in enumerate(pairs, start=1):
        right += ok
        if right / count >= precision:
            best = confidence
    return round(best, 3)


def grid() -> list[Settings]:
    """The settings select() tries, simplest first."""
    return [Settings(ngram_max, c, rule_weight, with_agent, balanced=balanced)
            for with_agent in (False, True) for rule_weight in (0.0, 1.0, 3.0)
            for balanced in (False, True) for ngram_max in (2, 3) for c in (1.0, 4.0, 16.0, 64.0)]


def select(train: Sequence[Transcript], dev: Sequence[Transcript]) -> tuple[Settings, float]:
    """The settings with the best dev macro-F1 (ties: the simpler, listed first)."""
    from callcenter.tickets.scoring import macro_f1

    best: tuple[float, Settings] | None = None
    for settings in grid():
        model = CategoryModel.fit(train, settings)
        f1, _ = macro_f1([(p.category, t.labels["category"]) for p, t in
                          zip(model.predict_many(dev), dev, strict=True)])
        if best is None or f1 > best[0]:
            best = (f1, settings)
    assert best is not None
    return best[1], best[0]


def default_model() -> CategoryModel:
    """The shipped model: the chosen settings fitted on the shipped train and dev splits."""
    settings = Settings()
    return CategoryModel.fit([*shipped("train"), *shipped("dev")], settings, settings.threshold)
