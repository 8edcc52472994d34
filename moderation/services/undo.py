"""Undoing a moderator's decision.

A decision can be undone within ``settings.UNDO_WINDOW`` seconds, once, and
only while what it changed has not changed again: the question still has the
version the decision gave it, the screen still shows what the decision put
there, the queue still has the positions the decision gave it. Otherwise the
undo is refused with ``Expired``. The undo puts back what the decision's
``undo_data`` kept, and is itself a Decision (``undo``, ``undoes``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import Conflict, Expired, NotFound
from moderation.models import Decision, Question, TownHall
from moderation.selectors import townhall_record
from moderation.services._core import (
    append_event,
    decide,
    lock_question,
    open_for_moderator,
    put_back,
    question_event,
    question_state,
    show_on_screen,
)
from moderation.services.merges import move_votes, move_votes_back
from moderation.services.screen import set_queue_order
from moderation.services.topics import undo_topic

SCREEN_ACTIONS = (states.SHOW, states.CLEAR, states.NEXT)
QUEUE_ACTIONS = (states.REORDER, states.SORT)


@dataclass(frozen=True)
class Undone:
    """What an undo changed: its audit record, the question and the screen
    when it changed them (the ``ok`` reply carries those)."""

    decision: dict[str, Any]
    question: Question | None
    screen: TownHall | None


# What an undo changed, told once the undo's own Decision exists: each one
# appends its event, the first one carrying the Decision for the audit panels.
Emit = Callable[[dict[str, Any] | None], None]


def _load(townhall: TownHall, decision_id: int) -> Decision:
    decision = Decision.objects.filter(townhall=townhall, pk=decision_id).first()
    if decision is None:
        raise NotFound("No such decision.")
    if decision.action == states.REJECT and not states.undoable(decision.action, decision.reason):
        # The text it removed is stored nowhere any more: there is nothing to put back.
        raise Conflict("A redaction cannot be undone.")
    if not states.undoable(decision.action, decision.reason):
        raise Conflict(f"A {decision.action} decision cannot be undone.")
    if Decision.objects.filter(undoes=decision).exists():
        raise Expired("This decision was undone already.")
    if decision.created_at < timezone.now() - timedelta(seconds=settings.UNDO_WINDOW):
        raise Expired(f"Decisions can be undone for {settings.UNDO_WINDOW} seconds.")
    return decision


def _later_ones(decision: Decision, actions: tuple[str, ...]) -> bool:
    """Whether a later decision of these kinds (not undone) changed the same thing."""
    rows = Decision.objects.filter(townhall_id=decision.townhall_id, pk__gt=decision.pk)
    undone = rows.filter(undoes__isnull=False).values("undoes")
    return rows.filter(action__in=actions).exclude(pk__in=undone).exists()


def _locked_at_version(townhall: TownHall, question_id: int, version: int) -> Question:
    question = lock_question(townhall, question_id)
    if question.version != version:
        raise Expired("This question changed since that decision.")
    return question


def _screen_back(townhall: TownHall, question_id: int | None) -> list[Emit]:
    """Show ``question_id`` again (if it may still be shown), or nothing."""
    question = None
    if question_id is not None:
        question = Question.objects.filter(pk=question_id, status=states.APPROVED).first()
    if townhall.screen_question_id == (question.pk if question else None):
        return []
    return [lambda record: show_on_screen(townhall, question, record)]


def _updated(townhall: TownHall, question: Question, previous_status: str) -> Emit:
    return lambda record: question_event(townhall, question, events.QUESTION_UPDATED, previous_status, record)


def _undo_question(townhall: TownHall, decision: Decision) -> tuple[Question, str, list[Emit], dict[str, Any]]:
    """Undo approve, reject, edit, answer, merge or restore; return the question,
    its status before the undo, what to tell, and the undo's own ``undo_data``."""
    data = decision.undo_data
    question = _locked_at_version(townhall, decision.question_id, data["version"])
    from_status = question.status
    undo_data: dict[str, Any] = {}
    into = Question.objects.select_for_update().filter(pk=data.get("into")).first() if data.get("into") else None
    if decision.action == states.MERGE:
        move_votes_back(question, into, data)
    elif decision.action == states.RESTORE and into is not None:
        # Merged again: keep what moved, as a merge does, so that a later
        # restore gives it back (merges.last_merge reads it).
        undo_data = {"before": question_state(question), "into": into.pk, **move_votes(question, into)}
    put_back(townhall, question, data["before"])
    emits = [_updated(townhall, question, from_status)]
    if into is not None:
        emits.append(_updated(townhall, into, into.status))
    if data.get("on_screen") and townhall.screen_question_id is None and question.status == states.APPROVED:
        emits += _screen_back(townhall, question.pk)
    elif townhall.screen_question_id == question.pk and question.status != states.APPROVED:
        emits += _screen_back(townhall, None)
    return question, from_status, emits, undo_data


def _undo_screen(townhall: TownHall, decision: Decision) -> tuple[Question | None, list[Emit]]:
    """Undo show, clear or next: the screen (and the question next answered) as before."""
    data = decision.undo_data
    if townhall.screen_question_id != data["shown"] or _later_ones(decision, SCREEN_ACTIONS):
        raise Expired("The screen changed since that decision.")
    answered = data.get("answered")
    question = None
    emits: list[Emit] = []
    if answered is not None:
        question = _locked_at_version(townhall, answered["id"], answered["version"])
        put_back(townhall, question, answered["before"])
        emits.append(_updated(townhall, question, states.ANSWERED))
    return question, _screen_back(townhall, data["previous"]) + emits


def _undo_queue(townhall: TownHall, decision: Decision) -> list[Emit]:
    """Undo reorder or sort: the queue's positions and order as before."""
    data = decision.undo_data
    if _later_ones(decision, QUEUE_ACTIONS):
        raise Expired("The queue changed since that decision.")
    emits: list[Emit] = []
    if decision.action == states.REORDER:
        rows = Question.objects.select_for_update().filter(townhall=townhall, pk__in=[int(k) for k in data["after"]])
        for question in rows:
            if question.status == states.APPROVED and question.position != data["after"][str(question.pk)]:
                raise Expired("The queue changed since that decision.")
        for question in rows:
            if question.status == states.APPROVED and question.position != data["positions"][str(question.pk)]:
                question.position = data["positions"][str(question.pk)]
                question.save(update_fields=["position", "updated_at"])
                emits.append(_updated(townhall, question, question.status))
    if townhall.queue_order != data["queue_order"]:
        emits.insert(0, lambda record: set_queue_order(townhall, data["queue_order"], record))
    return emits


def decision_undo(*, townhall_id: int, decision_id: int, moderator: AbstractBaseUser) -> Undone:
    """Undo one decision of the town hall (see the module docstring).

    Raises ``NotFound``, ``Forbidden``, ``Conflict`` (a decision that cannot be
    undone: close, held terms, undo, a redaction), ``Expired``, ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        decision = _load(townhall, decision_id)
        question: Question | None = None
        from_status = to_status = ""
        undo_data: dict[str, Any] = {}
        if decision.action in SCREEN_ACTIONS:
            question, emits = _undo_screen(townhall, decision)
            if question is not None:
                from_status, to_status = states.ANSWERED, question.status
        elif decision.action in QUEUE_ACTIONS:
            emits = _undo_queue(townhall, decision)
        elif decision.action == states.TOPIC:
            question = undo_topic(townhall, decision)
            from_status = to_status = question.status
            emits = [_updated(townhall, question, question.status)]
        else:
            question, from_status, emits, undo_data = _undo_question(townhall, decision)
            to_status = question.status
        record = decide(
            townhall,
            question=question or decision.question,
            moderator=moderator,
            action=states.UNDO,
            from_status=from_status,
            to_status=to_status,
            undoes=decision,
            undo_data=undo_data,
        )
        if not emits:
            emits = [lambda record: _announce(townhall, record)]
        for index, emit in enumerate(emits):
            emit(record if index == 0 else None)
    screen = townhall if decision.action in SCREEN_ACTIONS else None
    return Undone(record, question, screen)


def _announce(townhall: TownHall, record: dict[str, Any]) -> None:
    """An undo that changed no question (the screen or the queue's order) still
    reaches the moderators' audit panels."""
    append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall), "decision": record})
