"""Storing duplicate suggestions (the engine runs elsewhere; see moderation/duplicates_runner.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction

from moderation import events, states
from moderation.models import Question
from moderation.presenters import MODERATORS_ONLY
from moderation.selectors import question_record
from moderation.services._core import append_event, lock_question_by_id

if TYPE_CHECKING:  # the engine (scikit-learn) is only loaded where suggestions are computed
    from moderation.duplicates import Suggestion


def question_suggest_duplicates(*, question_id: int, suggestions: Sequence[Suggestion]) -> Question | None:
    """Store the likely duplicates of an open question, best first, and tell the moderators.

    Targets that are no longer open (merged, answered... while the engine
    ran) are dropped. Not a decision: no audit row, no version change; the
    ``question.updated`` event reaches moderators only (as a star does).
    Returns ``None`` if the question no longer exists; a question that is no
    longer open, or whose suggestions are unchanged, is left as it is.
    """
    with transaction.atomic():
        locked = lock_question_by_id(question_id)
        if locked is None:
            return None
        townhall, question = locked
        if question.status not in states.MERGE_TARGET_STATUSES:
            return question
        open_ids = set(
            Question.objects.filter(
                townhall=townhall, pk__in=[s.id for s in suggestions], status__in=states.MERGE_TARGET_STATUSES
            )
            .exclude(pk=question_id)
            .values_list("id", flat=True)
        )
        stored = [{"id": s.id, "similarity": s.similarity} for s in suggestions if s.id in open_ids]
        if stored == list(question.duplicate_suggestions or []):
            return question
        question.duplicate_suggestions = stored
        question.save(update_fields=["duplicate_suggestions", "updated_at"])
        payload = {"question": question_record(question), "previous_status": question.status}
        append_event(townhall, events.QUESTION_UPDATED, {**payload, "audience": MODERATORS_ONLY})
    return question
