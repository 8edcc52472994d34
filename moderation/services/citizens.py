"""Citizens' actions: ask, withdraw, vote."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

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
from moderation.services.topics import suggest_for


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
        suggest_for(townhall, question)
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

    A vote takes no town-hall lock, so a storm of votes neither queues behind
    itself nor holds up the moderators (BENCHMARKS.md, "A real audience"): the
    checks and limits read without locks, the vote row's unique constraint
    makes it count once, and the count moves by one in a single ``UPDATE``
    that also checks the question is still open to votes. That ``UPDATE``
    holds the question's row until commit; whatever recounts a question's
    votes (a merge, a flood review) locks that row before it counts.
    """
    mine = Vote.objects.filter(question=OuterRef("pk"), participant=participant)
    session = CitizenSession.objects.filter(participant=participant)
    # One query for the question, the town hall, this participant's vote and
    # session: a vote storm is thousands of these.
    question = (
        Question.objects.select_related("townhall")
        .annotate(
            my_vote=Exists(mine),
            my_vote_held=Exists(mine.exclude(held_by=None)),
            session_created=Subquery(session.values("created_at")[:1]),
            session_burst=Subquery(session.values("burst_alert_id")[:1]),
            session_burst_status=Subquery(session.values("burst_alert__status")[:1]),
        )
        .filter(townhall_id=townhall_id, pk=question_id)
        .first()
    )
    if question is None:
        if not TownHall.objects.filter(pk=townhall_id).exists():
            raise NotFound("No such town hall.")
        raise NotFound("No such question.")
    townhall = question.townhall
    if question.status not in states.PUBLIC_STATUSES and question.participant != participant:
        raise NotFound("No such question.")
    if question.status not in states.VOTE_STATUSES:
        raise Conflict("Only approved questions can be voted on.")
    if townhall.status != TownHall.Status.LIVE:
        raise TownHallClosed("This town hall is closed.")
    question.vote_held = False
    if up:
        if question.my_vote:
            question.vote_held = question.my_vote_held
            return question, up
        flood.check_vote(townhall, question.session_created, participant, ip)
        held = question.session_burst is not None and question.session_burst_status != FloodAlert.Status.ACCEPTED
        question.vote_held = held
        try:
            with transaction.atomic():
                Vote.objects.create(
                    question=question,
                    participant=participant,
                    ip=ip,
                    held_by_id=question.session_burst if held else None,
                )
                if not held:
                    _count_vote(question, +1)
        except IntegrityError:
            return question, up  # the same vote, from another socket of the session a moment ago
        flood.detect_burst(townhall, FloodAlert.Kind.VOTES)
        return question, up
    existing = Vote.objects.filter(question=question, participant=participant)
    with transaction.atomic():
        deleted = list(existing.select_for_update().values_list("held_by_id", flat=True))
        if deleted:
            existing.delete()
            if deleted[0] is None:
                _count_vote(question, -1)
    return question, up


def _count_vote(question: Question, delta: int) -> None:
    """Move ``question``'s count by ``delta`` in the caller's transaction, if
    it is still open to votes (else ``Conflict``, which rolls the vote back)."""
    # One round trip: the ORM's update() cannot return the new count
    # (UPDATE ... RETURNING: PostgreSQL, and SQLite since 3.35).
    table = Question._meta.db_table
    statuses = ", ".join(["%s"] * len(states.VOTE_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET votes = votes + %s, updated_at = %s WHERE id = %s AND status IN ({statuses}) "
            "RETURNING votes",
            [delta, timezone.now(), question.pk, *states.VOTE_STATUSES],
        )
        row = cursor.fetchone()
    if row is None:
        raise Conflict("Only approved questions can be voted on.")
    question.votes = row[0]


class ReportTooSoon(Exception):
    """The town hall's votes were reported less than the spacing ago; ``wait`` seconds more."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the last report was less than the spacing ago: wait {wait:.2f} s")
        self.wait = wait


def question_votes_publish(*, townhall_id: int, question_ids: Iterable[int], spacing: float = 0.0) -> Event | None:
    """Store one ``question.votes`` event with the current counts of ``question_ids``
    that everyone may see (approved, answered), and publish it after commit.

    Returns the event, or ``None`` when none of them is public any more (a
    question rejected since: its count is nobody's business but the moderators',
    who get it with the question). Raises nothing for unknown ids.

    ``spacing``: raise ``ReportTooSoon`` when any process stored the town
    hall's last report less than ``spacing`` seconds ago, so that all the
    server processes together send at most one report per ``spacing`` (each
    report goes to every socket of the town hall).
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        now = timezone.now()
        if spacing > 0 and townhall.votes_reported_at is not None:
            since = (now - townhall.votes_reported_at).total_seconds()
            if 0 <= since < spacing:
                raise ReportTooSoon(spacing - since)
        counts = list(
            Question.objects.filter(townhall=townhall, pk__in=list(question_ids), status__in=states.PUBLIC_STATUSES)
            .order_by("pk")
            .values_list("pk", "votes")
        )
        if not counts:
            return None
        TownHall.objects.filter(pk=townhall.pk).update(votes_reported_at=now)
        return append_event(townhall, events.QUESTION_VOTES, {"votes": [{"id": pk, "votes": n} for pk, n in counts]})
