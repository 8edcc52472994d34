"""Citizens' actions: ask, withdraw, vote."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict, Forbidden, NotFound, RateLimited, TownHallClosed
from moderation.models import Event, Question, TownHall, Vote
from moderation.selectors import question_record
from moderation.services._core import (
    CLIENT_KEY_PATTERN,
    MAX_CLIENT_KEY_LENGTH,
    append_event,
    lock_question,
    lock_townhall,
    question_event,
    refresh_held,
    refresh_personal_data,
    take_off_screen_if_needed,
    transition,
    validated_line,
    validated_text,
)


def question_submit(
    *, townhall_id: int, participant: str, text: str, client_key: str, author: str = "", place: str = ""
) -> tuple[Question, bool]:
    """Store a citizen's question and tell the moderators.

    Returns ``(question, created)``. Repeating a ``client_key`` returns the
    first question with ``created=False`` and stores nothing.

    Raises ``BadRequest`` (empty text, bad client key), ``TooLong``,
    ``TownHallClosed`` (town hall not live), ``RateLimited``, ``NotFound``.
    """
    if not isinstance(client_key, str) or not CLIENT_KEY_PATTERN.fullmatch(client_key):
        raise BadRequest(
            f"client_key must be 1 to {MAX_CLIENT_KEY_LENGTH} characters among letters, digits and _ . : -"
        )
    author = validated_line(author, "name", states.MAX_AUTHOR_LENGTH)
    place = validated_line(place, "place", states.MAX_PLACE_LENGTH)
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        existing = Question.objects.filter(townhall=townhall, participant=participant, client_key=client_key).first()
        if existing is not None:
            return existing, False
        cleaned = validated_text(text, townhall)
        if townhall.status != TownHall.Status.LIVE:
            raise TownHallClosed("This town hall is not taking questions.")
        since = timezone.now() - timedelta(seconds=settings.QUESTION_RATE_WINDOW)
        recent = Question.objects.filter(townhall=townhall, participant=participant, created_at__gte=since).count()
        if recent >= settings.QUESTION_RATE_COUNT:
            raise RateLimited(
                f"You can send {settings.QUESTION_RATE_COUNT} questions every "
                f"{settings.QUESTION_RATE_WINDOW} seconds. Please wait a moment."
            )
        question = Question(
            townhall=townhall,
            text=cleaned,
            original_text=cleaned,
            author=author,
            original_author=author,
            place=place,
            original_place=place,
            participant=participant,
            client_key=client_key,
        )
        # Held terms need no model: a match holds the question from the start.
        refresh_held(townhall, question)
        refresh_personal_data(question)
        question.save()
        append_event(
            townhall, events.QUESTION_CREATED, {"question": question_record(question), "previous_status": None}
        )
    return question, True


def question_withdraw(*, townhall_id: int, question_id: int, participant: str) -> Question:
    """The asker takes back a pending or approved question.

    Raises ``NotFound``, ``Forbidden`` (not the asker), ``Conflict`` (status),
    ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        question = lock_question(townhall, question_id)
        if question.participant != participant:
            if question.status not in states.PUBLIC_STATUSES:
                raise NotFound("No such question.")
            raise Forbidden("Only the person who asked can withdraw a question.")
        if townhall.status != TownHall.Status.LIVE:
            raise TownHallClosed("This town hall is closed.")
        from_status, to_status = transition(question, states.WITHDRAW)
        question.status = to_status
        question.version += 1
        question.save()
        question_event(townhall, question, events.QUESTION_UPDATED, from_status)
        take_off_screen_if_needed(townhall, question)
    return question


def question_vote(*, townhall_id: int, question_id: int, participant: str, up: bool) -> tuple[Question, bool]:
    """Add (``up=True``) or take back the participant's vote on an approved question.

    Returns ``(question, voted)``. Idempotent: voting twice counts once.
    Stores no event: the caller reports the change to ``question_votes_publish``,
    which tells everyone the counts, coalesced (docs/protocol.md).
    Raises ``NotFound``, ``Conflict`` (not approved), ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        question = lock_question(townhall, question_id)
        if question.status not in states.PUBLIC_STATUSES and question.participant != participant:
            raise NotFound("No such question.")
        if question.status not in states.VOTE_STATUSES:
            raise Conflict("Only approved questions can be voted on.")
        if townhall.status != TownHall.Status.LIVE:
            raise TownHallClosed("This town hall is closed.")
        existing = Vote.objects.filter(question=question, participant=participant)
        changed = False
        if up and not existing.exists():
            try:
                with transaction.atomic():
                    Vote.objects.create(question=question, participant=participant)
                changed = True
            except IntegrityError:
                changed = False
        elif not up:
            changed = existing.delete()[0] > 0
        if changed:
            question.votes = Vote.objects.filter(question=question).count()
            question.save(update_fields=["votes", "updated_at"])
    return question, up


def question_votes_publish(*, townhall_id: int, question_ids: Iterable[int]) -> Event | None:
    """Store one ``question.votes`` event with the current counts of ``question_ids``
    that everyone may see (approved, answered), and publish it after commit.

    Returns the event, or ``None`` when none of them is public any more (a
    question rejected since: its count is nobody's business but the moderators',
    who get it with the question). Raises nothing for unknown ids.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        counts = list(
            Question.objects.filter(townhall=townhall, pk__in=list(question_ids), status__in=states.PUBLIC_STATUSES)
            .order_by("pk")
            .values_list("pk", "votes")
        )
        if not counts:
            return None
        return append_event(townhall, events.QUESTION_VOTES, {"votes": [{"id": pk, "votes": n} for pk, n in counts]})
