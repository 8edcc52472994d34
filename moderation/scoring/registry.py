"""One scorer per process, loaded lazily off the event loop.

``get_scorer()`` loads the configured scorer the first time it is called
(in the scoring thread, never on the event loop). ``use_scorer()`` swaps it,
for tests that put a fake at this boundary.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from moderation.scoring.base import Scorer, ScorerUnavailable

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_scorer: Scorer | None = None
_state: dict[str, Any] = {
    "status": "not_loaded",
    "name": None,
    "load_seconds": None,
    "error": None,
    "fallback_reason": None,
}


def _build_offline() -> Scorer:
    from moderation.scoring.offline import OfflineScorer

    return OfflineScorer()


def _build(kind: str) -> Scorer:
    if kind in ("offline", "profanity-check"):
        return _build_offline()
    if kind == "detoxify":
        try:
            from moderation.scoring.detoxify_engine import build_detoxify_scorer
        except ImportError as exc:
            return _fallback(
                f"the Detoxify engine cannot be imported ({exc}); reinstall the dependencies (make install)."
            )
        try:
            return build_detoxify_scorer()
        except ScorerUnavailable as exc:
            return _fallback(str(exc))
    raise ImproperlyConfigured(f"TOXICITY_SCORER={kind!r} is not a known scorer (use 'detoxify' or 'offline').")


def _fallback(reason: str) -> Scorer:
    scorer = _build_offline()
    _state["fallback_reason"] = reason
    logger.warning("Detoxify is not available: %s Scoring with the offline scorer %s instead.", reason, scorer.name)
    return scorer


def get_scorer() -> Scorer:
    """The process's scorer, loading it on first use. Blocking: call off the loop.

    Raises ``ScorerUnavailable`` if it cannot be loaded.
    """
    global _scorer
    with _lock:
        if _scorer is not None:
            return _scorer
        started = time.perf_counter()
        try:
            scorer = _build(settings.TOXICITY_SCORER)
        except ScorerUnavailable as exc:
            _state.update(status="unavailable", error=str(exc))
            logger.warning("toxicity scorer unavailable: %s; questions stay unscored", exc)
            raise
        _scorer = scorer
        _state.update(
            status="fallback" if _state.get("fallback_reason") else "ready",
            name=scorer.name,
            load_seconds=round(time.perf_counter() - started, 3),
            error=None,
        )
        logger.info("toxicity scorer %s loaded in %.2fs", scorer.name, _state["load_seconds"])
        return scorer


def reset() -> None:
    """Forget the loaded scorer so the next ``get_scorer()`` builds it from the
    current settings (tests, and ``toxicity_model check``)."""
    global _scorer
    with _lock:
        _scorer = None
        _state.update(status="not_loaded", name=None, load_seconds=None, error=None, fallback_reason=None)


def preload_in_background() -> threading.Thread:
    """Load the scorer in a background thread so the first question is not delayed.

    Failures are logged by ``get_scorer`` and leave the status ``unavailable``.
    """

    def _load() -> None:
        if _scorer is None:
            _state["status"] = "loading"
        try:
            get_scorer()
        except ScorerUnavailable:
            return  # already logged and reported through scorer_status()

    thread = threading.Thread(target=_load, name="scorer-preload", daemon=True)
    thread.start()
    return thread


def scorer_status() -> dict[str, Any]:
    """What /healthz and the console header show. Never loads anything."""
    if settings.SCORING_MODE == "worker":
        return {"name": "runworker toxicity-scoring", "status": "worker"}
    return {"name": _state["name"] or settings.TOXICITY_SCORER, "status": _state["status"]}


def scorer_details() -> dict[str, Any]:
    """Everything /healthz reports about scoring in this process."""
    details = dict(_state, configured=settings.TOXICITY_SCORER, mode=settings.SCORING_MODE)
    if settings.SCORING_MODE == "worker":
        details.update(scorer_status())
    return details


@contextmanager
def use_scorer(scorer: Scorer) -> Iterator[Scorer]:
    """Install ``scorer`` for the duration of the block (tests, benchmarks)."""
    global _scorer
    with _lock:
        previous, previous_state = _scorer, dict(_state)
        _scorer = scorer
        _state.update(status="ready", name=scorer.name, error=None)
    try:
        yield scorer
    finally:
        with _lock:
            _scorer = previous
            _state.clear()
            _state.update(previous_state)
