"""Moderators' actions on questions: approve, reject, edit, answer, merge, batch approval."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict, DomainError, NotFound
from moderation.models import Question, Vote
from moderation.services._core import (
    check_moderator,
    check_version,
    decide,
    lock_question,
    lock_townhall,
    next_position,
    question_event,
    refresh_held,
    take_off_screen_if_needed,
    transition,
    validated_text,
)


def _moderate(
    *,
    townhall_id: int,
    question_id: int,
    moderator: AbstractBaseUser,
    action: str,
    version: int | None,
    reason: str = "",
    text: str | None = None,
) -> Question:
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        question = lock_question(townhall, question_id)
        check_version(question, version)
        from_status, to_status = transition(question, action)
        previous_text = ""
        if action == states.EDIT:
            assert text is not None
            new_text = validated_text(text, townhall)
            if new_text == question.text:
                return question
            previous_text = question.text
            question.text = new_text
            refresh_held(townhall, question)
        if action == states.REJECT:
            question.reason = reason
        elif action == states.APPROVE:
            question.reason = ""
            question.position = next_position(townhall)
        question.status = to_status
        question.version += 1
        if from_status != to_status:
            question.decided_at = timezone.now()
        question.save()
        decision = decide(
            townhall,
            question=question,
            moderator=moderator,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            previous_text=previous_text,
        )
        question_event(townhall, question, events.QUESTION_UPDATED, from_status, decision)
        take_off_screen_if_needed(townhall, question)
    return question


def question_approve(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> Question:
    """pending|rejected → approved. Raises ``NotFound``, ``Forbidden``, ``Conflict``."""
    return _moderate(
        townhall_id=townhall_id, question_id=question_id, moderator=moderator, action=states.APPROVE, version=version
    )


def question_reject(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, reason: str, version: int | None = None
) -> Question:
    """pending|approved → rejected with one of ``states.REJECT_REASONS``.

    Raises ``BadRequest`` (unknown reason), ``NotFound``, ``Forbidden``, ``Conflict``.
    """
    if reason not in states.REJECT_REASONS:
        raise BadRequest(f"reason must be one of: {', '.join(states.REJECT_REASONS)}.")
    return _moderate(
        townhall_id=townhall_id,
        question_id=question_id,
        moderator=moderator,
        action=states.REJECT,
        version=version,
        reason=reason,
    )


def question_edit(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, text: str, version: int | None = None
) -> Question:
    """Change the text of a pending or approved question; ``original_text`` keeps
    what the citizen typed and the Decision keeps the text before the edit.

    Raises ``BadRequest``, ``TooLong``, ``NotFound``, ``Forbidden``, ``Conflict``.
    """
    return _moderate(
        townhall_id=townhall_id,
        question_id=question_id,
        moderator=moderator,
        action=states.EDIT,
        version=version,
        text=text,
    )


def question_answer(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> Question:
    """approved → answered; takes it off the screen. Raises ``NotFound``, ``Forbidden``, ``Conflict``."""
    return _moderate(
        townhall_id=townhall_id, question_id=question_id, moderator=moderator, action=states.ANSWER, version=version
    )


def question_merge(
    *, townhall_id: int, question_id: int, into_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> tuple[Question, Question]:
    """Fold a duplicate into another question: its votes move there (one per
    participant) and its asker sees which question it was merged into.

    Returns ``(merged, target)``. Raises ``BadRequest`` (same question),
    ``NotFound``, ``Forbidden``, ``Conflict`` (stale version, status, target
    not pending or approved).
    """
    if question_id == into_id:
        raise BadRequest("A question cannot be merged into itself.")
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        source = lock_question(townhall, question_id)
        target = lock_question(townhall, into_id)
        check_version(source, version)
        if target.status not in states.MERGE_TARGET_STATUSES:
            raise Conflict(f"Questions can only be merged into a pending or approved one; that one is {target.status}.")
        from_status, to_status = transition(source, states.MERGE)
        target_voters = set(Vote.objects.filter(question=target).values_list("participant", flat=True))
        moved = Vote.objects.filter(question=source).exclude(participant__in=target_voters)
        moved.update(question=target)
        Vote.objects.filter(question=source).delete()
        target.votes = Vote.objects.filter(question=target).count()
        target.save(update_fields=["votes", "updated_at"])
        source.status = to_status
        source.merged_into = target
        source.votes = 0
        source.version += 1
        source.decided_at = timezone.now()
        source.save()
        decision = decide(
            townhall,
            question=source,
            moderator=moderator,
            action=states.MERGE,
            from_status=from_status,
            to_status=to_status,
            reason="duplicate",
        )
        question_event(townhall, source, events.QUESTION_UPDATED, from_status, decision)
        question_event(townhall, target, events.QUESTION_UPDATED, target.status)
        take_off_screen_if_needed(townhall, source)
    return source, target


def question_approve_many(
    *, townhall_id: int, moderator: AbstractBaseUser, items: list[tuple[int, int | None]]
) -> tuple[list[Question], list[tuple[int, DomainError]]]:
    """Approve several questions, each with its own version check (batch approval).

    Each one is approved in its own transaction, so a conflict on one leaves
    the others approved. Returns ``(approved, refused)`` where ``refused``
    pairs each question id with its error.
    """
    approved: list[Question] = []
    refused: list[tuple[int, DomainError]] = []
    for question_id, version in items:
        try:
            approved.append(
                question_approve(townhall_id=townhall_id, question_id=question_id, moderator=moderator, version=version)
            )
        except (Conflict, NotFound) as exc:
            refused.append((question_id, exc))
    return approved, refused
