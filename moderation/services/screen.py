"""The officials' screen: show, clear, next, and the order of the queue.

The queue is the approved questions waiting for the screen, in the town
hall's ``queue_order``: by votes (then position) until a moderator moves one
by hand (``screen_reorder``: by position only), until ``screen_sort_by_votes``.
Each action returns what it changed with its audit record as ``.decision``
(``None`` when nothing changed).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict, NotFound
from moderation.models import Question, TownHall
from moderation.selectors import townhall_record
from moderation.services._core import (
    append_event,
    decide,
    lock_question,
    open_for_moderator,
    question_event,
    question_state,
    queue,
    show_on_screen,
    with_decision,
)


class Queue(list):
    """The approved questions in queue order; ``.decision`` as for every action."""

    decision: dict[str, Any] | None = None


def screen_show(*, townhall_id: int, question_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Put an approved question on the officials' screen. The question that
    was there stays approved, in the queue (it was not answered: ``screen_next``
    is the one that marks it answered).

    Raises ``NotFound``, ``Forbidden``, ``Conflict`` (not approved), ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        question = lock_question(townhall, question_id)
        if question.status not in states.SCREEN_STATUSES:
            raise Conflict(f"Only approved questions can go on screen; this one is {question.status}.")
        if townhall.screen_question_id == question.pk:
            return with_decision(townhall, None)
        decision = decide(
            townhall,
            question=question,
            moderator=moderator,
            action=states.SHOW,
            from_status=question.status,
            to_status=question.status,
            undo_data={"previous": townhall.screen_question_id, "shown": question.pk},
        )
        show_on_screen(townhall, question, decision)
    return with_decision(townhall, decision)


def screen_clear(*, townhall_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Take whatever is on the screen off it. Raises ``NotFound``, ``Forbidden``, ``TownHallClosed``."""
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        if townhall.screen_question_id is None:
            return with_decision(townhall, None)
        previous = townhall.screen_question
        decision = decide(
            townhall,
            question=previous,
            moderator=moderator,
            action=states.CLEAR,
            from_status=previous.status,
            to_status=previous.status,
            undo_data={"previous": previous.pk, "shown": None},
        )
        show_on_screen(townhall, None, decision)
    return with_decision(townhall, decision)


def set_queue_order(townhall: TownHall, order: str, decision: dict[str, Any] | None) -> None:
    """Set the locked town hall's ``queue_order`` and tell every room (sort, reorder, and their undo)."""
    townhall.queue_order = order
    TownHall.objects.filter(pk=townhall.pk).update(queue_order=order)
    payload: dict[str, Any] = {"townhall": townhall_record(townhall)}
    if decision is not None:
        payload["decision"] = decision
    append_event(townhall, events.TOWNHALL_UPDATED, payload)


def _check_listed(townhall: TownHall, question_ids: list[int], by_id: dict[int, Question]) -> None:
    for question_id in question_ids:
        if question_id not in by_id:
            if Question.objects.filter(townhall=townhall, pk=question_id).exists():
                raise Conflict("Only approved questions wait for the screen.")
            raise NotFound("No such question.")


def screen_reorder(*, townhall_id: int, moderator: AbstractBaseUser, question_ids: list[int]) -> Queue:
    """Put the approved questions waiting for the screen in the given order,
    and keep that order (``queue_order``: manual).

    ``question_ids`` must list approved questions of the town hall; the ones
    it leaves out keep their order (the queue's order before) after those it lists.
    Raises ``BadRequest`` (duplicates), ``Conflict`` (not approved), ``NotFound``,
    ``Forbidden``, ``TownHallClosed``.
    """
    if len(set(question_ids)) != len(question_ids):
        raise BadRequest("question_ids lists a question twice.")
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        waiting = list(queue(townhall).select_for_update())
        by_id = {q.pk: q for q in waiting}
        _check_listed(townhall, question_ids, by_id)
        listed = set(question_ids)
        ordered = Queue([by_id[i] for i in question_ids] + [q for q in waiting if q.pk not in listed])
        before = {str(q.pk): q.position for q in ordered}
        changed = [q for index, q in enumerate(ordered, start=1) if q.position != float(index)]
        for index, question in enumerate(ordered, start=1):
            question.position = float(index)
        if not changed and townhall.queue_order == states.QUEUE_MANUAL:
            return with_decision(ordered, None)
        decision = decide(
            townhall,
            moderator=moderator,
            action=states.REORDER,
            undo_data={
                "positions": before,
                "after": {str(q.pk): q.position for q in ordered},
                "queue_order": townhall.queue_order,
            },
        )
        record: dict[str, Any] | None = decision
        if townhall.queue_order != states.QUEUE_MANUAL:
            set_queue_order(townhall, states.QUEUE_MANUAL, record)
            record = None
        for question in changed:
            question.save(update_fields=["position", "updated_at"])
            question_event(townhall, question, events.QUESTION_UPDATED, question.status, record)
            record = None  # one audit row for the whole reorder
    return with_decision(ordered, decision)


def screen_sort_by_votes(*, townhall_id: int, moderator: AbstractBaseUser) -> Queue:
    """Order the queue by votes again (``queue_order``: votes).

    Returns the queue in that order. Raises ``NotFound``, ``Forbidden``, ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        decision = None
        if townhall.queue_order != states.QUEUE_BY_VOTES:
            decision = decide(
                townhall, moderator=moderator, action=states.SORT, undo_data={"queue_order": townhall.queue_order}
            )
            set_queue_order(townhall, states.QUEUE_BY_VOTES, decision)
        ordered = Queue(queue(townhall))
    return with_decision(ordered, decision)


def _answer_on_screen(current: Question) -> dict[str, Any]:
    """Mark the question on screen answered (by ``screen_next``); return what undo needs."""
    before = question_state(current)
    current.status = states.next_status(current.status, states.ANSWER)
    current.version += 1
    current.decided_at = timezone.now()
    current.save()
    return {"id": current.pk, "before": before, "version": current.version}


def screen_next(*, townhall_id: int, moderator: AbstractBaseUser) -> TownHall:
    """The officials move on, in one step (one ``next`` decision): the question
    on screen (if any) is marked answered and the first question of the queue,
    in queue order, replaces it (the screen is cleared when the queue is empty).

    Raises ``Forbidden``, ``NotFound``, ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        current_id = townhall.screen_question_id
        following = queue(townhall).exclude(pk=current_id).first()
        current = None if current_id is None else lock_question(townhall, current_id)
        if current is not None and current.status != states.APPROVED:
            current = None
        if current is None and following is None and current_id is None:
            return with_decision(townhall, None)
        answered = None if current is None else _answer_on_screen(current)
        subject = following or current
        decision = decide(
            townhall,
            question=subject,
            moderator=moderator,
            action=states.NEXT,
            from_status=states.APPROVED if subject else "",
            to_status=subject.status if subject else "",
            undo_data={"previous": current_id, "shown": following.pk if following else None, "answered": answered},
        )
        # The screen first, so that it never blanks between the two questions.
        show_on_screen(townhall, following, decision)
        if current is not None:
            question_event(townhall, current, events.QUESTION_UPDATED, states.APPROVED)
    return with_decision(townhall, decision)
