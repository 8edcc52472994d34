"""Internals shared by the services: locks, checks, audit rows and events."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet
from django.utils.dateparse import parse_datetime

from moderation import events, personal_data, states
from moderation.exceptions import BadRequest, Conflict, Forbidden, NotFound, TooLong, TownHallClosed
from moderation.models import Decision, Event, Question, TownHall
from moderation.scoring.lexicon import matches_held_terms
from moderation.selectors import decision_record, question_record
from moderation.text import clean_line, clean_text

MAX_CLIENT_KEY_LENGTH = 64
CLIENT_KEY_PATTERN = re.compile(rf"[A-Za-z0-9_.:-]{{1,{MAX_CLIENT_KEY_LENGTH}}}")
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def lock_townhall(townhall_id: int) -> TownHall:
    try:
        return TownHall.objects.select_for_update().get(pk=townhall_id)
    except TownHall.DoesNotExist:
        raise NotFound("No such town hall.") from None


def lock_question(townhall: TownHall, question_id: int) -> Question:
    question = Question.objects.select_for_update().filter(townhall=townhall, pk=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    return question


def lock_question_by_id(question_id: int) -> tuple[TownHall, Question] | None:
    """Lock a question's town hall, then the question, knowing only the
    question's id (the scoring and suggestion threads); ``None`` when it no
    longer exists. Call inside a transaction."""
    townhall_id = Question.objects.filter(pk=question_id).values_list("townhall_id", flat=True).first()
    if townhall_id is None:
        return None
    townhall = lock_townhall(townhall_id)
    return townhall, lock_question(townhall, question_id)


def append_event(townhall: TownHall, event_type: str, payload: dict[str, Any]) -> Event:
    """Store the next event of a locked town hall and publish it after commit."""
    townhall.last_seq += 1
    TownHall.objects.filter(pk=townhall.pk).update(last_seq=townhall.last_seq)
    event = Event.objects.create(townhall=townhall, seq=townhall.last_seq, type=event_type, payload=payload)
    events.publish_on_commit(townhall.pk, event.seq, event_type, payload)
    return event


def question_event(
    townhall: TownHall,
    question: Question,
    event_type: str,
    previous_status: str | None,
    decision: dict[str, Any] | None = None,
) -> None:
    payload: dict[str, Any] = {"question": question_record(question), "previous_status": previous_status}
    if decision is not None:
        payload["decision"] = decision
    append_event(townhall, event_type, payload)


def take_off_screen_if_needed(townhall: TownHall, question: Question) -> None:
    if townhall.screen_question_id == question.pk and question.status != states.APPROVED:
        townhall.screen_question = None
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=None)
        append_event(townhall, events.SCREEN_CHANGED, {"question": None})


def open_for_moderator(townhall_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Lock the town hall for a moderator's action on questions or the screen.

    Raises ``NotFound``, ``Forbidden``, ``TownHallClosed`` (closed: the
    session is over, its record stays as it was).
    """
    townhall = lock_townhall(townhall_id)
    check_moderator(townhall, moderator)
    if townhall.status == TownHall.Status.CLOSED:
        raise TownHallClosed("This town hall is closed.")
    return townhall


# --- what undo needs: the question as it was --------------------------------------

# The fields a decision may change on a question and an undo puts back.
STATE_FIELDS = ("status", "reason", "position", "text", "author", "place", "merged_into_id")


def question_state(question: Question) -> dict[str, Any]:
    """The fields a decision may change, JSON-safe, to put them back on undo."""
    state = {name: getattr(question, name) for name in STATE_FIELDS}
    state["decided_at"] = question.decided_at.isoformat() if question.decided_at else None
    return state


def put_back(townhall: TownHall, question: Question, state: dict[str, Any]) -> None:
    """Give ``question`` the fields of ``state`` again (a new version: it changed)."""
    for name in STATE_FIELDS:
        setattr(question, name, state[name])
    question.decided_at = parse_datetime(state["decided_at"]) if state["decided_at"] else None
    refresh_held(townhall, question)
    refresh_personal_data(question)
    question.version += 1
    question.save()


def with_decision(result: Any, decision: dict[str, Any] | None) -> Any:
    """Attach the audit record a service wrote to what it returns (``.decision``):
    the moderator's ``ok`` reply carries it so that the console can offer undo."""
    result.decision = decision
    return result


# --- the screen queue ------------------------------------------------------------


def queue(townhall: TownHall) -> QuerySet[Question]:
    """The approved questions waiting for the screen, in the town hall's queue order."""
    waiting = Question.objects.filter(townhall=townhall, status=states.APPROVED)
    by_position = (F("position").asc(nulls_last=True), "decided_at", "id")
    if townhall.queue_order == states.QUEUE_BY_VOTES:
        return waiting.order_by("-votes", *by_position)
    return waiting.order_by(*by_position)


def decide(townhall: TownHall, **fields: Any) -> dict[str, Any]:
    """Write the audit row of a moderator action; return its record, which the
    action's event carries so that moderators' audit panels update live."""
    return decision_record(Decision.objects.create(townhall=townhall, **fields))


def check_moderator(townhall: TownHall, moderator: AbstractBaseUser) -> None:
    # Checked on every action, not only at connect: an account can be
    # deactivated or removed from the team while its console is open.
    if not moderator.is_active or not townhall.moderators.filter(pk=moderator.pk).exists():
        raise Forbidden("You are not a moderator of this town hall.")


def show_on_screen(townhall: TownHall, question: Question | None, decision: dict[str, Any] | None = None) -> None:
    """Point the screen at ``question`` (or nothing) and tell everyone."""
    townhall.screen_question = question
    TownHall.objects.filter(pk=townhall.pk).update(screen_question=question)
    payload: dict[str, Any] = {"question": None if question is None else question_record(question)}
    if decision is not None:
        payload["decision"] = decision
    append_event(townhall, events.SCREEN_CHANGED, payload)


def check_version(question: Question, version: int | None) -> None:
    if version is not None and version != question.version:
        raise Conflict(
            f"This question was changed by someone else (now version {question.version}, you had {version})."
        )


def transition(question: Question, action: str) -> tuple[str, str]:
    try:
        to_status = states.next_status(question.status, action)
    except states.InvalidTransition as exc:
        raise Conflict(f"Cannot {action} a question that is {question.status}.") from exc
    return question.status, to_status


def refresh_held(townhall: TownHall, question: Question) -> None:
    """Set ``held`` from the town hall's terms and threshold (score may be unknown)."""
    question.held_terms_matched = matches_held_terms(question.text, list(townhall.held_terms or []))
    over_threshold = question.toxicity_score is not None and question.toxicity_score >= townhall.hold_threshold
    question.held = bool(question.held_terms_matched) or over_threshold


def refresh_personal_data(question: Question) -> None:
    """Flag what looks like personal data in the fields that can be shown, as they are now."""
    question.personal_data = personal_data.detect(text=question.text, author=question.author, place=question.place)


def validated_line(value: object, name: str, limit: int) -> str:
    """A name or place as typed: one line, at most ``limit`` characters (``""`` allowed)."""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.")
    cleaned = clean_line(value)
    if len(cleaned) > limit:
        raise TooLong(f"The {name} is limited to {limit} characters.")
    return cleaned


def validated_text(text: str, townhall: TownHall) -> str:
    if not isinstance(text, str):
        raise BadRequest("text must be a string.")
    cleaned = clean_text(text)
    if not cleaned:
        raise BadRequest("The question is empty.")
    if len(cleaned) > townhall.max_question_length:
        raise TooLong(f"The question has {len(cleaned)} characters; the limit is {townhall.max_question_length}.")
    return cleaned


def next_position(townhall: TownHall) -> float:
    """The end of the screen queue: newly approved questions wait behind the others."""
    last = (
        Question.objects.filter(townhall=townhall, status=states.APPROVED, position__isnull=False)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return 1.0 if last is None else last + 1.0
