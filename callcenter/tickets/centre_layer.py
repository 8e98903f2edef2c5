"""R5 learned from the centre, stacked on the shipped model. The shipped model's confidence comes
from keyword rules tuned on the shipped examples, where they are never wrong; weighted into the
same fit, a few dozen of the centre's calls could not move it. This layer is fitted on the
centre's examples alone: the shipped model's log-probabilities, scaled by a temperature it learns
(< 1 when the shipped model is confidently wrong on the centre's calls), plus a correction from
the caller's character n-grams, kept small by an L2 penalty. The rules' verdict is not repeated
here: it is in the shipped model already, and the centre's calls where the rules are right would
only teach the layer to trust them more (it cost 0.92 → 0.87 on halves of the dev split). With no
examples there is no layer and the shipped model speaks alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callcenter.tickets.extract.category import CATEGORIES
from callcenter.tickets.transcript import Transcript

_FLOOR = 1e-6  # the smallest probability taken from the shipped model (its log stays finite)


class CentreLayer:
    def __init__(self, vocabulary: dict[str, int], idf: Sequence[float], ngram_max: int,
                 temperature: float, weights: Sequence[Sequence[float]], strength: float = 1.0) -> None:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ngram_max = ngram_max
        self.temperature = temperature
        self.strength = strength  # how far the layer moves the shipped model: 0 none, 1 all of it
        self._vec = TfidfVectorizer(analyzer="char", ngram_range=(1, ngram_max), sublinear_tf=True)
        self._vec.vocabulary_ = dict(vocabulary)
        self._vec.idf_ = np.asarray(idf, dtype=float)
        self._weights = np.asarray(weights, dtype=float)  # features x CATEGORIES

    @classmethod
    def fit(cls, shipped_log_probabilities: Any, centre: Sequence[Transcript], ngram_max: int,
            l2: float, stay: float, common: frozenset[str] = frozenset()) -> CentreLayer:
        """Maximum likelihood of the centre's categories, with an L2 penalty on the correction and
        one of `stay` on the temperature's distance from 1 (one call the shipped model got wrong
        must not make it speak no more on every other call). The `common` n-grams (的, 了, 一下, said
in calls of every kind) are left out: they would teach the layer only the mix of kinds among
the centre's few examples."""
        import numpy as np
        from scipy.optimize import Bounds, minimize
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
        from threadpoolctl import threadpool_limits

        # Counted once: the layer's features are these counts without the common n-grams, weighted
        # as its TfidfVectorizer weighs them (the same numbers as fitting one, then transforming).
        counter = CountVectorizer(analyzer="char", ngram_range=(1, ngram_max), dtype=np.float64)
        counts = counter.fit_transform([t.words("caller") for t in centre])
        idf = TfidfTransformer(sublinear_tf=True).fit(counts).idf_
        kept = sorted((index, gram) for gram, index in counter.vocabulary_.items() if gram not in common)
        columns = [old for old, _ in kept]
        layer = cls({gram: new for new, (_, gram) in enumerate(kept)}, idf[columns], ngram_max, 1.0, [])
        weigh = TfidfTransformer(sublinear_tf=True)
        weigh.idf_ = layer._vec.idf_
        features = weigh.transform(counts[:, columns]).tocsr()
        transposed = features.T.tocsr()
        offset = np.asarray(shipped_log_probabilities, dtype=float)
        rows, width, kinds = features.shape[0], features.shape[1], len(CATEGORIES)
        truth = np.zeros((rows, kinds))
        truth[np.arange(rows), [CATEGORIES.index(str(t.labels["category"])) for t in centre]] = 1.0

        def loss(params: Any) -> tuple[float, Any]:
            temperature, weights = params[0], params[1:].reshape(width, kinds)
            logits = temperature * offset + features @ weights
            logits -= logits.max(axis=1, keepdims=True)
            probabilities = np.exp(logits)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            value = (-float(np.sum(truth * np.log(probabilities + 1e-12)))
                     + l2 / 2 * float(np.sum(weights ** 2)) + stay / 2 * (temperature - 1) ** 2)
            error = probabilities - truth
            gradient = np.concatenate([[float(np.sum(error * offset)) + stay * (temperature - 1)],
                                       np.asarray(transposed @ error + l2 * weights).ravel()])
            return value, gradient

        start = np.zeros(1 + width * kinds)
        start[0] = 1.0
        lower, upper = np.full_like(start, -np.inf), np.full_like(start, np.inf)
        lower[0], upper[0] = 0.05, 1.0  # the temperature: only ever less sure than shipped
        # One BLAS thread: L-BFGS-B's small vector steps, threaded on a shared host, cost 3x.
        with threadpool_limits(limits=1):
            fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=Bounds(lower, upper)).x
        layer.temperature = float(fitted[0])
        layer._weights = fitted[1:].reshape(width, kinds)
        return layer

    @classmethod
    def checked(cls, shipped_log_probabilities: Any, centre: Sequence[Transcript], ngram_max: int,
                l2: float, stay: float, common: frozenset[str] = frozenset(), folds: int = 5,
                most: int = 1000) -> CentreLayer | None:
        """The layer at the strength that, fitted without them, got most of the centre's own
        examples right (k-fold over at most `most` of them, evenly spread); None when no strength
        got more of them right than the shipped model alone. A few calls in their own words, on
        which the shipped model is already nearly always right, would otherwise only teach the mix
        of kinds among them and tip the shipped model's unsure calls towards the commonest."""
        import numpy as np

        if folds == 0:
            return cls.fit(shipped_log_probabilities, centre, ngram_max, l2, stay, common)
        strength = _cross_validated(cls, np.asarray(shipped_log_probabilities, dtype=float), centre,
                                    ngram_max, l2, stay, common, folds, most)
        if strength == 0.0:
            return None
        layer = cls.fit(shipped_log_probabilities, centre, ngram_max, l2, stay, common)
        layer.strength = strength
        return layer

    def _features(self, calls: Sequence[Transcript]) -> Any:
        return self._vec.transform([t.words("caller") for t in calls])

    def probabilities(self, shipped_log_probabilities: Any, calls: Sequence[Transcript]) -> Any:
        """Rows of probabilities over CATEGORIES."""
        import numpy as np

        scale = 1 - self.strength + self.strength * self.temperature
        logits = (scale * np.asarray(shipped_log_probabilities)
                  + self.strength * (self._features(calls) @ self._weights))
        logits -= logits.max(axis=1, keepdims=True)
        result = np.exp(logits)
        return result / result.sum(axis=1, keepdims=True)

    def as_json(self) -> dict[str, Any]:
        return {"vocabulary": {k: int(v) for k, v in self._vec.vocabulary_.items()},
                "idf": [float(x) for x in self._vec.idf_], "ngram_max": self.ngram_max,
                "temperature": self.temperature, "weights": self._weights.tolist(),
                "strength": self.strength}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CentreLayer:
        return cls({str(k): int(v) for k, v in data["vocabulary"].items()}, data["idf"],
                   int(data["ngram_max"]), float(data["temperature"]), data["weights"],
                   float(data.get("strength", 1.0)))


STRENGTHS = (0.5, 1.0)  # tried in this order; the first of equals is kept


def _cross_validated(cls: type[CentreLayer], offset: Any, centre: Sequence[Transcript], ngram_max: int,
                     l2: float, stay: float, common: frozenset[str], folds: int, most: int) -> float:
    import numpy as np

    picked = np.unique(np.linspace(0, len(centre) - 1, min(most, len(centre))).round().astype(int))
    k = min(folds, len(picked))
    if k < 2:
        return 0.0
    truth = np.array([CATEGORIES.index(str(centre[i].labels["category"])) for i in picked])
    right = dict.fromkeys((0.0, *STRENGTHS), 0)
    for fold in range(k):
        held = [int(i) for n, i in enumerate(picked) if n % k == fold]
        kept = [int(i) for n, i in enumerate(picked) if n % k != fold]
        layer = cls.fit(offset[kept], [centre[i] for i in kept], ngram_max, l2, stay, common)
        expected = truth[[n for n in range(len(picked)) if n % k == fold]]
        right[0.0] += int(np.sum(offset[held].argmax(axis=1) == expected))
        for strength in STRENGTHS:
            layer.strength = strength
            got = layer.probabilities(offset[held], [centre[i] for i in held]).argmax(axis=1)
            right[strength] += int(np.sum(got == expected))
    return max((0.0, *STRENGTHS), key=lambda s: (right[s], -s))


def log_probabilities(classes: Sequence[str], probabilities: Any) -> Any:
    """The shipped model's probabilities as log-probabilities over CATEGORIES (a kind it never saw
    gets the floor)."""
    import numpy as np

    result = np.full((len(probabilities), len(CATEGORIES)), np.log(_FLOOR))
    for column, kind in enumerate(classes):
        result[:, CATEGORIES.index(str(kind))] = np.log(np.clip(probabilities[:, column], _FLOOR, 1.0))
    return result
