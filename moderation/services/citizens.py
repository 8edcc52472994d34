"""Citizens' actions: ask, withdraw, vote."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from moderation import events, flood, states
from moderation.exceptions import BadRequest, Conflict, Forbidden, NotFound, Paused, TownHallClosed
from moderation.models import CitizenSession, Event, FloodAlert, Question, TownHall, Vote
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
    *,
    townhall_id: int,
    participant: str,
    text: str,
    client_key: str,
    author: str = "",
    place: str = "",
    ip: str = "",
) -> tuple[Question, bool]:
    """Store a citizen's question and tell the moderators.

    Returns ``(question, created)``. Repeating a ``client_key`` returns the
    first question with ``created=False`` and stores nothing.

    Raises ``BadRequest`` (empty text, bad client key), ``TooLong``,
    ``TownHallClosed`` (town hall not live), ``Paused``, ``RateLimited``
    (slow mode, or a flood limit: moderation/flood.py), ``NotFound``.
    ``ip`` is the client's address (per-address limit; ``""``: not known).
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
        if townhall.questions_paused:
            raise Paused("The moderators paused new questions for now.")
        flood.check_questions(townhall, participant, ip)
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
            ip=ip,
        )
        # Held terms need no model: a match holds the question from the start.
        refresh_held(townhall, question)
        refresh_personal_data(question)
        question.save()
        append_event(
            townhall, events.QUESTION_CREATED, {"question": question_record(question), "previous_status": None}
        )
        flood.detect_burst(townhall, FloodAlert.Kind.QUESTIONS)
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


def question_vote(
    *, townhall_id: int, question_id: int, participant: str, up: bool, ip: str = ""
) -> tuple[Question, bool]:
    """Add (``up=True``) or take back the participant's vote on an approved question.

    Returns ``(question, voted)``; ``question.vote_held`` is true when the vote
    is stored but not counted (its session was made in a burst: a ``sessions``
    flood alert not yet accepted). Idempotent: voting twice counts once.
    A new vote is held to the flood limits (``RateLimited``, moderation/flood.py).
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
        question.vote_held = False
        if up and existing.exists():
            question.vote_held = existing.exclude(held_by=None).exists()
        elif up:
            session = CitizenSession.objects.select_related("burst_alert").filter(participant=participant).first()
            flood.check_vote(townhall, session, participant, ip)
            burst = session.burst_alert if session is not None else None
            held_by = burst if burst is not None and burst.status != FloodAlert.Status.ACCEPTED else None
            try:
                with transaction.atomic():
                    Vote.objects.create(question=question, participant=participant, ip=ip, held_by=held_by)
                changed = True
                question.vote_held = held_by is not None
            except IntegrityError:
                changed = False
            if changed:
                flood.detect_burst(townhall, FloodAlert.Kind.VOTES)
        else:
            changed = existing.delete()[0] > 0
        if changed:
            question.votes = Vote.objects.filter(question=question, held_by=None).count()
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
