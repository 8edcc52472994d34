"""The officials' screen: show, clear, the queue's order, next."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict, NotFound
from moderation.models import Question, TownHall
from moderation.selectors import question_record
from moderation.services._core import (
    append_event,
    check_moderator,
    decide,
    lock_question,
    lock_townhall,
    question_event,
)
from moderation.services.moderators import _moderate


def screen_show(*, townhall_id: int, question_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Put an approved question on the officials' screen.

    Raises ``NotFound``, ``Forbidden``, ``Conflict`` (not approved).
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        question = lock_question(townhall, question_id)
        if question.status not in states.SCREEN_STATUSES:
            raise Conflict(f"Only approved questions can go on screen; this one is {question.status}.")
        if townhall.screen_question_id == question.pk:
            return townhall
        townhall.screen_question = question
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=question)
        decision = decide(
            townhall,
            question=question,
            moderator=moderator,
            action=states.SHOW,
            from_status=question.status,
            to_status=question.status,
        )
        append_event(townhall, events.SCREEN_CHANGED, {"question": question_record(question), "decision": decision})
    return townhall


def screen_clear(*, townhall_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Take whatever is on the screen off it. Raises ``NotFound``, ``Forbidden``."""
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        if townhall.screen_question_id is None:
            return townhall
        previous = townhall.screen_question
        townhall.screen_question = None
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=None)
        decision = decide(
            townhall,
            question=previous,
            moderator=moderator,
            action=states.CLEAR,
            from_status=previous.status if previous else "",
            to_status=previous.status if previous else "",
        )
        append_event(townhall, events.SCREEN_CHANGED, {"question": None, "decision": decision})
    return townhall


def screen_reorder(*, townhall_id: int, moderator: AbstractBaseUser, question_ids: list[int]) -> list[Question]:
    """Put the approved questions waiting for the screen in the given order.

    ``question_ids`` must list approved questions of the town hall; the ones
    it leaves out keep their relative order after those it lists.
    Raises ``BadRequest`` (duplicates), ``Conflict`` (not approved), ``NotFound``, ``Forbidden``.
    """
    if len(set(question_ids)) != len(question_ids):
        raise BadRequest("question_ids lists a question twice.")
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        waiting = list(
            Question.objects.select_for_update()
            .filter(townhall=townhall, status=states.APPROVED)
            .order_by(F("position").asc(nulls_last=True), "decided_at", "id")
        )
        by_id = {q.pk: q for q in waiting}
        for question_id in question_ids:
            if question_id not in by_id:
                if Question.objects.filter(townhall=townhall, pk=question_id).exists():
                    raise Conflict("Only approved questions wait for the screen.")
                raise NotFound("No such question.")
        ordered = [by_id[i] for i in question_ids] + [q for q in waiting if q.pk not in set(question_ids)]
        changed = []
        for index, question in enumerate(ordered, start=1):
            if question.position != float(index):
                question.position = float(index)
                question.save(update_fields=["position", "updated_at"])
                changed.append(question)
        if changed:
            decision = decide(townhall, moderator=moderator, action=states.REORDER)
            for question in changed:
                question_event(townhall, question, events.QUESTION_UPDATED, question.status, decision)
                decision = None  # one audit row for the whole reorder
    return ordered


def screen_next(*, townhall_id: int, moderator: AbstractBaseUser) -> TownHall:
    """The officials move on, in one step: the question on screen (if any) is
    marked answered and the first approved question of the queue replaces it
    (the screen is cleared when the queue is empty).

    Raises ``Forbidden``, ``NotFound``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        current_id = townhall.screen_question_id
        following = (
            Question.objects.filter(townhall=townhall, status=states.APPROVED)
            .exclude(pk=current_id)
            .order_by(F("position").asc(nulls_last=True), "decided_at", "id")
            .first()
        )
        # Point the screen at the next question first, so that answering the
        # current one does not blank the projector in between.
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=following)
        if current_id is not None:
            current = Question.objects.get(pk=current_id)
            if current.status == states.APPROVED:
                _moderate(
                    townhall_id=townhall_id,
                    question_id=current_id,
                    moderator=moderator,
                    action=states.ANSWER,
                    version=None,
                )
        townhall = lock_townhall(townhall_id)
        if following is not None:
            decision = decide(
                townhall,
                question=following,
                moderator=moderator,
                action=states.SHOW,
                from_status=following.status,
                to_status=following.status,
            )
            append_event(
                townhall, events.SCREEN_CHANGED, {"question": question_record(following), "decision": decision}
            )
        elif current_id is not None:
            append_event(townhall, events.SCREEN_CHANGED, {"question": None})
        townhall.screen_question = following
    return townhall
