"""Storing scores (the scorer runs elsewhere; its results arrive as values)."""

from __future__ import annotations

from django.db import transaction

from moderation import events
from moderation.models import Question
from moderation.scoring.base import ScoreResult
from moderation.services._core import lock_question_by_id, question_event, refresh_held


def question_apply_score(*, question_id: int, result: ScoreResult) -> Question | None:
    """Store a score and set ``held`` from the town hall's threshold.

    Returns ``None`` if the question no longer exists. A question that is
    already scored is left as it is.
    """
    with transaction.atomic():
        locked = lock_question_by_id(question_id)
        if locked is None:
            return None
        townhall, question = locked
        if question.scoring_status == Question.ScoringStatus.SCORED:
            return question
        question.toxicity_labels = {k: float(v) for k, v in result.labels.items()}
        question.toxicity_score = result.score
        question.toxicity_model = result.model[:120]
        question.scoring_status = Question.ScoringStatus.SCORED
        question.scoring_attempts += 1
        refresh_held(townhall, question)
        question.save()
        question_event(townhall, question, events.QUESTION_SCORED, question.status)
    return question


def question_scoring_failed(*, question_id: int, error: str, max_attempts: int = 1) -> Question | None:
    """Record a failed scoring attempt; the question stays in the queue, unscored.

    While fewer than ``max_attempts`` attempts were made the scoring status
    stays ``pending`` (a retry is due) and nothing is published: no reader
    sees a change. The last attempt marks it ``failed`` (final: moderators
    read it themselves) and publishes ``question.scored``. Returns ``None``
    if the question no longer exists; a scored question is left as it is.
    """
    with transaction.atomic():
        locked = lock_question_by_id(question_id)
        if locked is None:
            return None
        townhall, question = locked
        if question.scoring_status == Question.ScoringStatus.SCORED:
            return question
        question.scoring_attempts += 1
        if question.scoring_attempts < max_attempts:
            question.scoring_status = Question.ScoringStatus.PENDING
            question.save(update_fields=["scoring_status", "scoring_attempts", "updated_at"])
            return question
        question.scoring_status = Question.ScoringStatus.FAILED
        question.save(update_fields=["scoring_status", "scoring_attempts", "updated_at"])
        question_event(townhall, question, events.QUESTION_SCORED, question.status)
    return question
