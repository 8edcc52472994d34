"""The scorer interface.

A scorer turns a batch of texts into per-label scores in [0, 1]. It is
synchronous and may be slow: callers run it off the event loop
(``moderation.scoring_runner``). It is loaded once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ScoreResult:
    """A scorer's verdict on one text: per-label scores in [0, 1] and the model name."""

    labels: dict[str, float]
    model: str

    @property
    def score(self) -> float:
        return max(self.labels.values()) if self.labels else 0.0


@runtime_checkable
class Scorer(Protocol):
    #: Shown to moderators next to each score, e.g. "alt-profanity-check 1.9.1".
    name: str
    # A scorer may also set ``reads_raw_text = True``: it normalises the text
    # itself and must get it as stored (see ``scoring_input``).

    def score_batch(self, texts: list[str]) -> list[ScoreResult]:
        """Score each text. Returns one result per text, in order."""
        ...


def scoring_input(scorer: Scorer, texts: list[str]) -> list[str]:
    """What ``scorer`` is given for ``texts``: the stored text for a scorer
    that reads it raw (``reads_raw_text``), else ``normalize_for_model(text)``.

    Normalising twice loses readings: "what a m o r o n" becomes "what amoron"
    once, and the offline scorer's own variants ("what a moron") can no longer
    be found in that.
    """
    if getattr(scorer, "reads_raw_text", False):
        return list(texts)
    from moderation.scoring.normalize import normalize_for_model

    return [normalize_for_model(text) for text in texts]


class ScorerUnavailable(RuntimeError):
    """The scorer cannot be loaded on this machine (missing package or weights)."""
