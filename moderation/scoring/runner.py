"""Scoring off the event loop.

``schedule(question_id)`` is called by the citizen socket right after the
question is stored and acknowledged. The scorer runs in one dedicated thread
(so the event loop never blocks and the model is never used by two threads at
once); the result goes through ``services.question_apply_score``. If the
scorer fails or takes longer than ``SCORING_TIMEOUT`` seconds, the question is
marked ``failed`` and stays in the moderators' queue, unscored.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from django.conf import settings

from moderation import selectors, services
from moderation.scoring import registry
from moderation.scoring.base import ScoreResult, ScorerUnavailable

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring")
_tasks: set[asyncio.Task[None]] = set()


def _score_one(text: str) -> ScoreResult:
    scorer = registry.get_scorer()
    (result,) = scorer.score_batch([text])
    return result


async def score_question(question_id: int) -> None:
    """Score one stored question and store the outcome. Never raises for scorer trouble."""
    text = await database_sync_to_async(selectors.question_text)(question_id)
    if text is None:
        return
    loop = asyncio.get_running_loop()
    try:
        result = await asyncio.wait_for(loop.run_in_executor(_executor, _score_one, text), settings.SCORING_TIMEOUT)
    except TimeoutError:
        logger.warning("scoring question %s timed out after %ss", question_id, settings.SCORING_TIMEOUT)
        await database_sync_to_async(services.question_scoring_failed)(question_id=question_id, error="timeout")
        return
    except ScorerUnavailable as exc:
        await database_sync_to_async(services.question_scoring_failed)(question_id=question_id, error=str(exc))
        return
    except Exception as exc:  # the scorer is third-party code: any failure leaves the question unscored
        logger.exception("scoring question %s failed", question_id)
        await database_sync_to_async(services.question_scoring_failed)(question_id=question_id, error=repr(exc))
        return
    await database_sync_to_async(services.question_apply_score)(question_id=question_id, result=result)


def schedule(question_id: int) -> asyncio.Task[None]:
    """Start scoring in the background of the running loop and return the task."""
    task = asyncio.get_running_loop().create_task(score_question(question_id))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


async def drain() -> None:
    """Wait for every scoring task started in this loop (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    pending = [t for t in _tasks if t.get_loop() is loop and not t.done()]
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
