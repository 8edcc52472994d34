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
failure or a timeout is retried after ``SCORING_RETRY_DELAY`` (doubling),
with the question kept ``pending``; after ``SCORING_MAX_ATTEMPTS`` attempts
in all it is marked ``failed`` (it stays in the queue, unscored: "Unscored:
read it"). Every task's end is observed (``_task_done``), and ``sweep()``
re-queues questions a lost task left ``pending``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError

from moderation import selectors, services
from moderation.models import Question
from moderation.scoring import registry
from moderation.scoring.base import ScoreResult, ScorerUnavailable, scoring_input
from moderation.scoring.batcher import MicroBatcher, ScoreBatch
from townhall.channel_layer import LAYER_ERRORS, layer_health

logger = logging.getLogger(__name__)

WORKER_CHANNEL = "toxicity-scoring"
WORKER_MESSAGE_TYPE = "score.question"

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring")
_tasks: set[asyncio.Task[None]] = set()
_retries: dict[int, asyncio.TimerHandle] = {}  # question id -> its next attempt
# Questions this process is scoring or will retry: the sweep leaves them alone.
_in_flight: set[int] = set()
_database_tries: dict[int, int] = {}
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MicroBatcher] = weakref.WeakKeyDictionary()
_recovered: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _score_batch() -> ScoreBatch:
    scorer = registry.get_scorer()

    def score_normalised(texts: list[str]) -> list[ScoreResult]:
        # Every model sees the same normal form (invisible characters removed,
        # look-alikes folded, spaced letters joined), except the offline scorer,
        # which makes its own readings; moderators see the text as typed.
        return scorer.score_batch(scoring_input(scorer, texts))

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
    """Score one stored question here and store the outcome.

    Never raises for scorer trouble: a failed attempt is retried after a
    delay while attempts remain (the question stays ``pending``), and the
    last one marks it ``failed``. A database error (SQLite's "database is
    locked" under a burst) retries the same attempt later.
    """
    _in_flight.add(question_id)
    try:
        text = await database_sync_to_async(selectors.question_text)(question_id)
        if text is None:
            _done(question_id)
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
        except Exception as exc:  # the scorer is third-party code: any failure is a failed attempt
            logger.exception("scoring question %s failed", question_id)
            await _failed(question_id, repr(exc))
            return
        await database_sync_to_async(services.question_apply_score)(question_id=question_id, result=result)
        _done(question_id)
    except DatabaseError as exc:
        _database_trouble(question_id, exc)


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
    question = await database_sync_to_async(services.question_scoring_failed)(
        question_id=question_id, error=error, max_attempts=settings.SCORING_MAX_ATTEMPTS
    )
    if question is None or question.scoring_status != Question.ScoringStatus.PENDING:
        if question is not None and question.scoring_status == Question.ScoringStatus.FAILED:
            logger.warning("question %s left unscored after %s attempts", question_id, question.scoring_attempts)
        _done(question_id)
        return
    _retry_later(question_id, settings.SCORING_RETRY_DELAY * 2 ** (question.scoring_attempts - 1))


def _database_trouble(question_id: int, exc: DatabaseError) -> None:
    """The attempt could not read or store: try it again later, a bounded number of times."""
    tries = _database_tries.get(question_id, 0) + 1
    if tries > settings.SCORING_MAX_ATTEMPTS:
        # Still ``pending`` in the database: the sweep re-queues it once the database is back.
        logger.error("scoring question %s: database unavailable (%s); left to the sweep", question_id, exc)
        _database_tries.pop(question_id, None)
        _done(question_id)
        return
    _database_tries[question_id] = tries
    logger.warning("scoring question %s: database unavailable (%s); retrying", question_id, exc)
    _retry_later(question_id, settings.SCORING_RETRY_DELAY * tries)


def _retry_later(question_id: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    _retries[question_id] = loop.call_later(delay, _retry, question_id)


def _retry(question_id: int) -> None:
    _retries.pop(question_id, None)
    _start(score_question(question_id), question_id)


def _done(question_id: int) -> None:
    _in_flight.discard(question_id)
    _database_tries.pop(question_id, None)


def _start(coroutine: Coroutine[Any, Any, None], question_id: int | None = None) -> asyncio.Task[None]:
    task = asyncio.get_running_loop().create_task(coroutine)
    _tasks.add(task)
    task.add_done_callback(functools.partial(_task_done, question_id))
    return task


def _task_done(question_id: int | None, task: asyncio.Task[None]) -> None:
    """Every scoring task's end is observed: an exception here is a bug, logged
    with its traceback; the question stays ``pending`` for the sweep."""
    _tasks.discard(task)
    exc = None if task.cancelled() else task.exception()
    if exc is not None:
        logger.error("scoring task for question %s failed", question_id, exc_info=exc)
    if (task.cancelled() or exc is not None) and question_id is not None and question_id not in _retries:
        _done(question_id)


async def _send_to_worker(question_id: int) -> None:
    layer = get_channel_layer()
    try:
        await layer.send(WORKER_CHANNEL, {"type": WORKER_MESSAGE_TYPE, "question_id": question_id})
    except LAYER_ERRORS as exc:
        # The question stays pending: the sweep re-sends it once it is older
        # than twice SCORING_TIMEOUT (or recovery, on the next start).
        layer_health.failed(f"handing question {question_id} to the scoring workers", exc)


def schedule(question_id: int) -> asyncio.Task[None]:
    """Start scoring a stored question in the background of the running loop."""
    if settings.SCORING_MODE == "worker":
        return _start(_send_to_worker(question_id), question_id)
    return schedule_local(question_id)


def schedule_local(question_id: int) -> asyncio.Task[None]:
    """Score in this process whatever the mode (the worker consumer calls this)."""
    _in_flight.add(question_id)
    return _start(score_question(question_id), question_id)


async def sweep(*, local: bool = False) -> list[int]:
    """Re-queue the questions left ``pending`` for longer than twice
    ``SCORING_TIMEOUT`` that this process is not already scoring (a lost
    task, a process that died mid-way). Each process runs it every
    ``SCORING_SWEEP_INTERVAL`` seconds (consumers/hub.py)."""
    ids = await database_sync_to_async(selectors.stale_pending_question_ids)(older_than=2 * settings.SCORING_TIMEOUT)
    lost = [question_id for question_id in ids if question_id not in _in_flight]
    if lost:
        logger.warning("re-queueing %s questions left waiting for a score", len(lost))
    for question_id in lost:
        (schedule_local if local else schedule)(question_id)
    return lost


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
    for question_id, handle in list(_retries.items()):
        handle.cancel()
        _done(question_id)
    _retries.clear()
    while True:
        pending = [t for t in _tasks if t.get_loop() is loop and not t.done()]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)
