"""Offline scorer: the linear SVM shipped inside the ``alt-profanity-check`` package.

It needs no network and no download: the trained model is part of the wheel.
English-only; it is the fallback when Detoxify is not available.
"""
from __future__ import annotations

from importlib import metadata

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.base import ScoreResult

LABEL = "profanity"


class ProfanityCheckScorer:
    def __init__(self) -> None:
        try:
            from profanity_check import predict_prob
        except ImportError as exc:  # the package is a declared dependency
            raise ScorerUnavailable(f"alt-profanity-check is not installed: {exc}") from exc
        self._predict_prob = predict_prob
        self.name = f"alt-profanity-check {metadata.version('alt-profanity-check')}"

    def score_batch(self, texts: list[str]) -> list[ScoreResult]:
        if not texts:
            return []
        probabilities = self._predict_prob(list(texts))
        return [ScoreResult(labels={LABEL: float(p)}, model=self.name) for p in probabilities]
