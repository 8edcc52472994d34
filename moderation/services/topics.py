"""Topic labels: the town hall's list, and a moderator's correction of a question's topic."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict
from moderation.models import Question, TownHall
from moderation.services._core import (
    decide,
    lock_question,
    lock_townhall,
    open_for_moderator,
    question_event,
    with_decision,
)
from moderation.topics import AUTO, MODERATOR, suggest_topic, townhall_topics, validate_topics


def suggest_for(townhall: TownHall, question: Question) -> None:
    """Set ``question``'s topic from its text unless a moderator chose it
    (on arrival; an edit of the text keeps the topic, so that undoing the
    edit has nothing else to put back)."""
    if question.topic_source != MODERATOR:
        question.topic = suggest_topic(question.text, townhall_topics(townhall.topics))
        question.topic_source = AUTO


def question_set_topic(*, townhall_id: int, question_id: int, moderator: AbstractBaseUser, topic: str) -> Question:
    """A moderator sets the topic of a question: one of the town hall's keys,
    or ``""`` for none. Writes a ``topic`` decision (its ``reason`` is the
    new key; undoable) and a ``question.updated``; no version change, so it
    never conflicts with a decision on the question. Setting the topic it
    already has changes nothing (and returns no decision).

    Raises ``BadRequest`` (not one of the town hall's topics), ``NotFound``,
    ``Forbidden``, ``TownHallClosed``.
    """
    if not isinstance(topic, str):
        raise BadRequest("topic must be a string.")
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        allowed = townhall_topics(townhall.topics)
        if topic and topic not in allowed:
            raise BadRequest(f"topic must be one of {', '.join(allowed)}, or empty.")
        question = lock_question(townhall, question_id)
        if question.topic == topic and question.topic_source == MODERATOR:
            return with_decision(question, None)
        before = {"topic": question.topic, "topic_source": question.topic_source}
        question.topic, question.topic_source = topic, MODERATOR
        question.save(update_fields=["topic", "topic_source", "updated_at"])
        decision = decide(
            townhall,
            question=question,
            moderator=moderator,
            action=states.TOPIC,
            from_status=question.status,
            to_status=question.status,
            reason=topic,
            undo_data={"before": before, "topic": topic},
        )
        question_event(townhall, question, events.QUESTION_UPDATED, question.status, decision)
    return with_decision(question, decision)


def undo_topic(townhall: TownHall, decision: Any) -> Question:
    """Put back the topic a ``topic`` decision replaced (``services.undo``).
    Raises ``Conflict`` when the topic changed again since."""
    question = lock_question(townhall, decision.question_id)
    if question.topic != decision.undo_data["topic"] or question.topic_source != MODERATOR:
        raise Conflict("The topic changed since that decision.")
    question.topic = decision.undo_data["before"]["topic"]
    question.topic_source = decision.undo_data["before"]["topic_source"]
    question.save(update_fields=["topic", "topic_source", "updated_at"])
    return question


def townhall_set_topics(*, townhall_id: int, topics: list[str]) -> TownHall:
    """Replace a town hall's topic list (the command line; ``[]``: the default set).
    Questions keep their topics. Raises ``BadRequest`` for an invalid list."""
    try:
        keys = validate_topics(topics)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        townhall.topics = keys
        townhall.save(update_fields=["topics"])
    return townhall
