"""Merging duplicates, and restoring a final state (answered, merged) from the archive.

A merge moves the duplicate's votes to the question it is folded into (one
per participant). Its Decision keeps which votes moved (``moved``) and which
were dropped because the participant had voted for the target already
(``kept``), so that a restore or an undo gives them back exactly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict
from moderation.models import Decision, Question, TownHall, Vote
from moderation.services._core import (
    check_version,
    decide,
    lock_question,
    next_position,
    open_for_moderator,
    question_event,
    question_state,
    take_off_screen_if_needed,
    transition,
    with_decision,
)


def _recount(*questions: Question) -> None:
    for question in questions:
        question.votes = Vote.objects.filter(question=question, held_by=None).count()


def move_votes(source: Question, target: Question) -> dict[str, list[str]]:
    """Move ``source``'s votes to ``target``, one per participant; return who
    moved and whose vote was dropped (they had voted for ``target`` already)."""
    target_voters = set(Vote.objects.filter(question=target).values_list("participant", flat=True))
    source_voters = list(Vote.objects.filter(question=source).values_list("participant", flat=True))
    moved = sorted(p for p in source_voters if p not in target_voters)
    kept = sorted(p for p in source_voters if p in target_voters)
    Vote.objects.filter(question=source, participant__in=moved).update(question=target)
    Vote.objects.filter(question=source).delete()
    _recount(source, target)
    target.save(update_fields=["votes", "updated_at"])
    return {"moved": moved, "kept": kept}


def move_votes_back(source: Question, target: Question | None, votes: dict[str, list[str]]) -> None:
    """Give ``source`` back the votes a merge took (``move_votes``' result)."""
    if target is not None:
        Vote.objects.filter(question=target, participant__in=votes["moved"]).delete()
    for participant in [*votes["moved"], *votes["kept"]]:
        Vote.objects.get_or_create(question=source, participant=participant)
    _recount(source)
    if target is not None:
        _recount(target)
        target.save(update_fields=["votes", "updated_at"])


def question_merge(
    *, townhall_id: int, question_id: int, into_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> tuple[Question, Question]:
    """Fold a duplicate into another question: its votes move there (one per
    participant) and its asker sees which question it was merged into.

    Returns ``(merged, target)``; ``merged.decision`` is the audit record.
    Raises ``BadRequest`` (same question), ``NotFound``, ``Forbidden``,
    ``Conflict`` (stale version, status, target not pending or approved),
    ``TownHallClosed``.
    """
    if question_id == into_id:
        raise BadRequest("A question cannot be merged into itself.")
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        source = lock_question(townhall, question_id)
        target = lock_question(townhall, into_id)
        check_version(source, version)
        if target.status not in states.MERGE_TARGET_STATUSES:
            raise Conflict(f"Questions can only be merged into a pending or approved one; that one is {target.status}.")
        from_status, to_status = transition(source, states.MERGE)
        before = question_state(source)
        on_screen = townhall.screen_question_id == source.pk
        votes = move_votes(source, target)
        source.status = to_status
        source.merged_into = target
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
            undo_data={"before": before, "version": source.version, "on_screen": on_screen, "into": target.pk, **votes},
        )
        question_event(townhall, source, events.QUESTION_UPDATED, from_status, decision)
        question_event(townhall, target, events.QUESTION_UPDATED, target.status)
        take_off_screen_if_needed(townhall, source)
    return with_decision(source, decision), target


def last_merge(question: Question) -> dict[str, Any]:
    """What the latest merge of ``question`` moved (``into``, ``moved``,
    ``kept``) and the status it had before, from its Decision rows."""
    rows = Decision.objects.filter(question=question, action__in=(states.MERGE, states.UNDO)).order_by("-id")
    for row in rows:
        if "moved" in row.undo_data:
            return {"from_status": row.undo_data["before"]["status"], **row.undo_data}
    # Merged before undo data was kept: back to pending, no votes to give back.
    return {"from_status": states.PENDING, "into": question.merged_into_id, "moved": [], "kept": []}


def _restore(townhall: TownHall, question: Question) -> tuple[dict[str, Any], Question | None]:
    """Move ``question`` out of answered or merged; return the undo data and the
    question its votes came back from (merged), if any."""
    data: dict[str, Any] = {"before": question_state(question)}
    target = None
    if question.status == states.MERGED:
        merge = last_merge(question)
        try:
            to_status = states.next_status(question.status, states.RESTORE, before=merge["from_status"])
        except states.InvalidTransition as exc:
            raise Conflict(f"Cannot restore this question to {merge['from_status']}.") from exc
        if merge["into"] is not None:
            target = Question.objects.select_for_update().filter(pk=merge["into"]).first()
        move_votes_back(question, target, merge)
        data.update(into=merge["into"])
        question.merged_into = None
    else:
        to_status = transition(question, states.RESTORE)[1]
    question.status = to_status
    question.position = next_position(townhall) if to_status == states.APPROVED else None
    return data, target


def question_restore(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> Question:
    """Bring back a question from the archive: answered → approved (at the end
    of the queue); merged → the status it had before the merge, with the
    votes that moved given back.

    Raises ``NotFound``, ``Forbidden``, ``Conflict``, ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        question = lock_question(townhall, question_id)
        check_version(question, version)
        from_status = question.status
        data, target = _restore(townhall, question)
        question.version += 1
        question.decided_at = timezone.now()
        question.save()
        decision = decide(
            townhall,
            question=question,
            moderator=moderator,
            action=states.RESTORE,
            from_status=from_status,
            to_status=question.status,
            undo_data={**data, "version": question.version},
        )
        question_event(townhall, question, events.QUESTION_UPDATED, from_status, decision)
        if target is not None:
            question_event(townhall, target, events.QUESTION_UPDATED, target.status)
    return with_decision(question, decision)
