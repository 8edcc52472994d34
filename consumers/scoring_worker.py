"""The ``toxicity-scoring`` channel, for ``SCORING_MODE=worker``.

Run ``python manage.py runworker toxicity-scoring`` (one or more, on this
machine or another one with a GPU, sharing the Redis channel layer and the
database). Daphne processes send ``{"type": "score.question", "question_id": N}``;
the worker scores in its own micro-batcher and stores the result through the
same services, which publish ``question.scored`` to the town hall's sockets.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import AsyncConsumer
from django.conf import settings

from consumers.dispatch import DirectDispatchMixin
from moderation import scoring_runner


class ScoringWorkerConsumer(DirectDispatchMixin, AsyncConsumer):
    async def score_question(self, message: dict[str, Any]) -> None:
        question_id = message.get("question_id")
        if isinstance(question_id, bool) or not isinstance(question_id, int):
            return
        # Questions left unscored while no worker ran are picked up by the first message.
        if settings.SCORING_RECOVER_ON_START:
            await scoring_runner.recover_unscored(local=True)
        # Do not await: the consumer must keep reading so that the batcher can batch.
        scoring_runner.schedule_local(question_id)
