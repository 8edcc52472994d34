"""Scoring off the event loop.

``schedule(question_id)`` is called by the citizen socket right after the
question is stored and acknowledged, and by recovery for questions left
unscored by a crash or restart.

- ``SCORING_MODE=local`` (default): the question is scored in this process by
  a :class:`~moderation.scoring.batcher.MicroBatcher`, in one dedicated thread.
- ``SCORING_MODE=worker``: the question id is sent on the channel layer to
  the ``toxicity-scoring`` channel, where ``manage.py runworker
  toxicity-scoring`` processes score it (see ``consumers/scoring_worker.py``).

Either way the result goes through ``services.question_apply_score``. A
failure or a timeout marks the question ``failed`` (it stays in the queue,
unscored) and retries it, up to ``SCORING_MAX_ATTEMPTS`` attempts in all.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from moderation import selectors, services
from moderation.scoring import registry
from moderation.scoring.base import ScoreResult, ScorerUnavailable
from moderation.scoring.batcher import MicroBatcher, ScoreBatch
from moderation.scoring.normalize import normalize_for_model

logger = logging.getLogger(__name__)

WORKER_CHANNEL = "toxicity-scoring"
WORKER_MESSAGE_TYPE = "score.question"

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring")
_tasks: set[asyncio.Task[None]] = set()
_retries: set[asyncio.TimerHandle] = set()
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MicroBatcher] = weakref.WeakKeyDictionary()
_recovered: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _score_batch() -> ScoreBatch:
    scorer = registry.get_scorer()

    def score_normalised(texts: list[str]) -> list[ScoreResult]:
        # Every model sees the same normal form (invisible characters removed,
        # look-alikes folded, spaced letters joined); moderators see the text as typed.
        return scorer.score_batch([normalize_for_model(text) for text in texts])

    return score_normalised


def batcher() -> MicroBatcher:
    """The running loop's batcher (one per loop: its queue belongs to the loop)."""
    loop = asyncio.get_running_loop()
    found = _batchers.get(loop)
    if found is None:
        found = MicroBatcher(
            _score_batch,
            executor=_executor,
            max_batch=settings.SCORING_BATCH_SIZE,
            wait_ms=settings.SCORING_BATCH_WAIT_MS,
            batch_timeout=settings.SCORING_TIMEOUT,
        )
        _batchers[loop] = found
    return found


async def score_question(question_id: int) -> None:
    """Score one stored question here and store the outcome. Never raises for scorer trouble."""
    text = await database_sync_to_async(selectors.question_text)(question_id)
    if text is None:
        return
    try:
        # The timeout bounds the model call (in the batcher), not the wait in line.
        result = await batcher().score(text)
    except TimeoutError:
        logger.warning("scoring question %s timed out after %ss", question_id, settings.SCORING_TIMEOUT)
        await _failed(question_id, "timeout")
        return
    except ScorerUnavailable as exc:
        await _failed(question_id, str(exc))
        return
    except Exception as exc:  # the scorer is third-party code: any failure leaves the question unscored
        logger.exception("scoring question %s failed", question_id)
        await _failed(question_id, repr(exc))
        return
    await database_sync_to_async(services.question_apply_score)(question_id=question_id, result=result)


PREVIEW_TIMEOUT = 2.0


async def preview_score(text: str) -> float | None:
    """Score a draft for the citizen's pre-submit notice; ``None`` when no
    score is available quickly (worker mode, scorer trouble, timeout)."""
    if settings.SCORING_MODE != "local":
        return None
    try:
        result = await asyncio.wait_for(batcher().score(text), PREVIEW_TIMEOUT)
    except Exception:  # a notice is best effort: never fail the citizen's typing over it
        logger.debug("preview scoring unavailable", exc_info=True)
        return None
    return result.score


async def _failed(question_id: int, error: str) -> None:
    question = await database_sync_to_async(services.question_scoring_failed)(question_id=question_id, error=error)
    if question is None or question.scoring_attempts >= settings.SCORING_MAX_ATTEMPTS:
        if question is not None:
            logger.warning("question %s left unscored after %s attempts", question_id, question.scoring_attempts)
        return
    delay = settings.SCORING_RETRY_DELAY * 2 ** (question.scoring_attempts - 1)
    loop = asyncio.get_running_loop()
    handle = loop.call_later(delay, _retry, question_id)
    _retries.add(handle)


def _retry(question_id: int) -> None:
    _retries.difference_update({h for h in _retries if h.cancelled() or h.when() <= asyncio.get_running_loop().time()})
    _start(score_question(question_id))


def _start(coroutine) -> asyncio.Task[None]:
    task = asyncio.get_running_loop().create_task(coroutine)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


async def _send_to_worker(question_id: int) -> None:
    layer = get_channel_layer()
    try:
        await layer.send(WORKER_CHANNEL, {"type": WORKER_MESSAGE_TYPE, "question_id": question_id})
    except (OSError, ConnectionError, TimeoutError) as exc:
        # The question stays pending; recovery re-sends it on the next start.
        logger.warning("could not hand question %s to the scoring workers: %s", question_id, exc)


def schedule(question_id: int) -> asyncio.Task[None]:
    """Start scoring a stored question in the background of the running loop."""
    if settings.SCORING_MODE == "worker":
        return _start(_send_to_worker(question_id))
    return _start(score_question(question_id))


def schedule_local(question_id: int) -> asyncio.Task[None]:
    """Score in this process whatever the mode (the worker consumer calls this)."""
    return _start(score_question(question_id))


async def recover_unscored(*, local: bool = False) -> list[int]:
    """Queue again the questions a crash or restart left unscored. Once per loop.

    ``local=True`` scores them in this process whatever ``SCORING_MODE`` says
    (the scoring worker itself recovers this way).
    """
    loop = asyncio.get_running_loop()
    if loop in _recovered:
        return []
    _recovered.add(loop)
    ids = await database_sync_to_async(selectors.unscored_question_ids)(max_attempts=settings.SCORING_MAX_ATTEMPTS)
    if ids:
        logger.info("re-queueing %s unscored questions", len(ids))
    for question_id in ids:
        (schedule_local if local else schedule)(question_id)
    return ids


async def drain() -> None:
    """Wait for every scoring task of this loop, and drop pending retries (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    for handle in list(_retries):
        handle.cancel()
    _retries.clear()
    while True:
        pending = [t for t in _tasks if t.get_loop() is loop and not t.done()]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)
