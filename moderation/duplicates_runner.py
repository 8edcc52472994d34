"""Duplicate suggestions off the event loop.

``schedule(question_id)`` is called by the citizen socket after the question
is stored, acknowledged and ``question.created`` is published (the service
publishes after commit, before the socket even replies). The similarity is
computed in this module's own single thread, so that it never waits behind
(or delays) a toxicity score, nor runs on the event loop; the candidates
are read from the database, so it works the same whichever process received
the question (several Daphne processes, ``SCORING_MODE=worker``). The result
goes through ``services.question_suggest_duplicates``, a moderators-only
``question.updated``.

A suggestion is best effort: a failure is logged and the question simply
has none (moderators can still merge by hand).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.db import DatabaseError

from moderation import selectors, services

if TYPE_CHECKING:
    from moderation.duplicates import Suggestion

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duplicates")
_tasks: set[asyncio.Task[None]] = set()


def _suggest(text: str, candidates: list[tuple[int, str]]) -> list[Suggestion]:
    from moderation import duplicates  # scikit-learn: loaded on the first arrival, not at start-up

    return duplicates.suggest(text, candidates)


async def suggest_for(question_id: int) -> None:
    """Compute and store the likely duplicates of one stored question."""
    try:
        found = await database_sync_to_async(selectors.duplicate_candidates)(question_id)
        if found is None or not found[1]:
            return
        text, candidates = found
        suggestions = await asyncio.get_running_loop().run_in_executor(_executor, _suggest, text, candidates)
        if suggestions:
            await database_sync_to_async(services.question_suggest_duplicates)(
                question_id=question_id, suggestions=suggestions
            )
    except DatabaseError as exc:
        logger.warning("duplicate suggestions for question %s skipped: database unavailable (%s)", question_id, exc)


def _task_done(question_id: int, task: asyncio.Task[None]) -> None:
    _tasks.discard(task)
    exc = None if task.cancelled() else task.exception()
    if exc is not None:
        logger.error("duplicate suggestions for question %s failed", question_id, exc_info=exc)


def schedule(question_id: int) -> asyncio.Task[None]:
    """Start suggesting duplicates for a stored question in the background of the running loop."""
    task = asyncio.get_running_loop().create_task(suggest_for(question_id))
    _tasks.add(task)
    task.add_done_callback(lambda done: _task_done(question_id, done))
    return task


async def drain() -> None:
    """Wait for every suggestion task of this loop (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    while pending := [t for t in _tasks if t.get_loop() is loop and not t.done()]:
        await asyncio.gather(*pending, return_exceptions=True)
