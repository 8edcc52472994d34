"""The only write path for town halls, questions, votes and the screen.

Every function here runs in one transaction. It locks the town-hall row
first (which also serialises the event counter), then the question, checks
the move against ``moderation.states``, saves, writes the audit ``Decision``
for moderator actions, appends an ``Event`` with the next ``seq`` and
publishes it on the channel layer after commit.

Services are synchronous. Consumers call them through
``database_sync_to_async``; scores arrive as values.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict, Forbidden, NotFound, RateLimited, TooLong, TownHallClosed
from moderation.models import Decision, Event, Question, TownHall, Vote
from moderation.scoring.base import ScoreResult
from moderation.selectors import question_record, townhall_record
from moderation.text import clean_line, clean_text

MAX_AUTHOR_LENGTH = 80
MAX_CLIENT_KEY_LENGTH = 64
_CLIENT_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,%d}" % MAX_CLIENT_KEY_LENGTH)
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


# --- internals ---------------------------------------------------------------


def _lock_townhall(townhall_id: int) -> TownHall:
    try:
        return TownHall.objects.select_for_update().get(pk=townhall_id)
    except TownHall.DoesNotExist:
        raise NotFound("No such town hall.") from None


def _lock_question(townhall: TownHall, question_id: int) -> Question:
    question = Question.objects.select_for_update().filter(townhall=townhall, pk=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    return question


def _append_event(townhall: TownHall, event_type: str, payload: dict[str, Any]) -> Event:
    """Store the next event of a locked town hall and publish it after commit."""
    townhall.last_seq += 1
    TownHall.objects.filter(pk=townhall.pk).update(last_seq=townhall.last_seq)
    event = Event.objects.create(townhall=townhall, seq=townhall.last_seq, type=event_type, payload=payload)
    events.publish_on_commit(townhall.pk, event.seq, event_type, payload)
    return event


def _question_event(townhall: TownHall, question: Question, event_type: str, previous_status: str) -> None:
    _append_event(
        townhall, event_type, {"question": question_record(question), "previous_status": previous_status}
    )


def _take_off_screen_if_needed(townhall: TownHall, question: Question) -> None:
    if townhall.screen_question_id == question.pk and question.status != states.APPROVED:
        townhall.screen_question = None
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=None)
        _append_event(townhall, events.SCREEN_CHANGED, {"question": None})


def _check_moderator(townhall: TownHall, moderator: AbstractBaseUser) -> None:
    # Checked on every action, not only at connect: an account can be
    # deactivated or removed from the team while its console is open.
    if not moderator.is_active or not townhall.moderators.filter(pk=moderator.pk).exists():
        raise Forbidden("You are not a moderator of this town hall.")


def _check_version(question: Question, version: int | None) -> None:
    if version is not None and version != question.version:
        raise Conflict(
            f"This question was changed by someone else (now version {question.version}, you had {version})."
        )


def _transition(question: Question, action: str) -> tuple[str, str]:
    try:
        to_status = states.next_status(question.status, action)
    except states.InvalidTransition as exc:
        raise Conflict(f"Cannot {action} a question that is {question.status}.") from exc
    return question.status, to_status


def _held_term_matches(townhall: TownHall, text: str) -> list[str]:
    if not townhall.held_terms:
        return []
    from moderation.scoring.lexicon import matches_held_terms

    return matches_held_terms(text, list(townhall.held_terms))


def _refresh_held(townhall: TownHall, question: Question) -> None:
    """Set ``held`` from the town hall's terms and threshold (score may be unknown)."""
    question.held_terms_matched = _held_term_matches(townhall, question.text)
    over_threshold = question.toxicity_score is not None and question.toxicity_score >= townhall.hold_threshold
    question.held = bool(question.held_terms_matched) or over_threshold


def _validated_text(text: str, townhall: TownHall) -> str:
    if not isinstance(text, str):
        raise BadRequest("text must be a string.")
    cleaned = clean_text(text)
    if not cleaned:
        raise BadRequest("The question is empty.")
    if len(cleaned) > townhall.max_question_length:
        raise TooLong(
            f"The question has {len(cleaned)} characters; the limit is {townhall.max_question_length}."
        )
    return cleaned


# --- citizens ----------------------------------------------------------------


def question_submit(
    *, townhall_id: int, participant: str, text: str, client_key: str, author: str = ""
) -> tuple[Question, bool]:
    """Store a citizen's question and tell the moderators.

    Returns ``(question, created)``. Repeating a ``client_key`` returns the
    first question with ``created=False`` and stores nothing.

    Raises ``BadRequest`` (empty text, bad client key), ``TooLong``,
    ``TownHallClosed`` (town hall not live), ``RateLimited``, ``NotFound``.
    """
    if not isinstance(client_key, str) or not _CLIENT_KEY.fullmatch(client_key):
        raise BadRequest(
            f"client_key must be 1 to {MAX_CLIENT_KEY_LENGTH} characters among letters, digits and _ . : -"
        )
    if not isinstance(author, str):
        raise BadRequest("author must be a string.")
    author = clean_line(author)
    if len(author) > MAX_AUTHOR_LENGTH:
        raise TooLong(f"The name is limited to {MAX_AUTHOR_LENGTH} characters.")
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        existing = Question.objects.filter(townhall=townhall, participant=participant, client_key=client_key).first()
        if existing is not None:
            return existing, False
        cleaned = _validated_text(text, townhall)
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
            participant=participant,
            client_key=client_key,
        )
        # Held terms need no model: a match holds the question from the start.
        _refresh_held(townhall, question)
        question.save()
        _append_event(townhall, events.QUESTION_CREATED, {"question": question_record(question), "previous_status": None})
    return question, True


def question_withdraw(*, townhall_id: int, question_id: int, participant: str) -> Question:
    """The asker takes back a pending or approved question.

    Raises ``NotFound``, ``Forbidden`` (not the asker), ``Conflict`` (status),
    ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        question = _lock_question(townhall, question_id)
        if question.participant != participant:
            if question.status not in states.PUBLIC_STATUSES:
                raise NotFound("No such question.")
            raise Forbidden("Only the person who asked can withdraw a question.")
        if townhall.status != TownHall.Status.LIVE:
            raise TownHallClosed("This town hall is closed.")
        from_status, to_status = _transition(question, states.WITHDRAW)
        question.status = to_status
        question.version += 1
        question.save()
        _question_event(townhall, question, events.QUESTION_UPDATED, from_status)
        _take_off_screen_if_needed(townhall, question)
    return question


def question_vote(*, townhall_id: int, question_id: int, participant: str, up: bool) -> tuple[Question, bool]:
    """Add (``up=True``) or take back the participant's vote on an approved question.

    Returns ``(question, voted)``. Idempotent: voting twice counts once.
    Raises ``NotFound``, ``Conflict`` (not approved), ``TownHallClosed``.
    """
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        question = _lock_question(townhall, question_id)
        if question.status not in states.PUBLIC_STATUSES and question.participant != participant:
            raise NotFound("No such question.")
        if question.status != states.APPROVED:
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
            _question_event(townhall, question, events.QUESTION_UPDATED, question.status)
    return question, up


# --- scoring -----------------------------------------------------------------


def question_apply_score(*, question_id: int, result: ScoreResult) -> Question | None:
    """Store a score and set ``held`` from the town hall's threshold.

    Returns ``None`` if the question no longer exists. A question that is
    already scored is left as it is.
    """
    with transaction.atomic():
        townhall_id = Question.objects.filter(pk=question_id).values_list("townhall_id", flat=True).first()
        if townhall_id is None:
            return None
        townhall = _lock_townhall(townhall_id)
        question = _lock_question(townhall, question_id)
        if question.scoring_status == Question.ScoringStatus.SCORED:
            return question
        question.toxicity_labels = {k: float(v) for k, v in result.labels.items()}
        question.toxicity_score = result.score
        question.toxicity_model = result.model[:120]
        question.scoring_status = Question.ScoringStatus.SCORED
        question.scoring_attempts += 1
        _refresh_held(townhall, question)
        question.save()
        _question_event(townhall, question, events.QUESTION_SCORED, question.status)
    return question


def question_scoring_failed(*, question_id: int, error: str) -> Question | None:
    """Record that scoring failed: the question stays in the queue, unscored."""
    with transaction.atomic():
        townhall_id = Question.objects.filter(pk=question_id).values_list("townhall_id", flat=True).first()
        if townhall_id is None:
            return None
        townhall = _lock_townhall(townhall_id)
        question = _lock_question(townhall, question_id)
        if question.scoring_status == Question.ScoringStatus.SCORED:
            return question
        question.scoring_status = Question.ScoringStatus.FAILED
        question.scoring_attempts += 1
        question.save()
        _question_event(townhall, question, events.QUESTION_SCORED, question.status)
    return question


# --- moderators --------------------------------------------------------------


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
        townhall = _lock_townhall(townhall_id)
        _check_moderator(townhall, moderator)
        question = _lock_question(townhall, question_id)
        _check_version(question, version)
        from_status, to_status = _transition(question, action)
        previous_text = ""
        if action == states.EDIT:
            assert text is not None
            new_text = _validated_text(text, townhall)
            if new_text == question.text:
                return question
            previous_text = question.text
            question.text = new_text
            _refresh_held(townhall, question)
        if action == states.REJECT:
            question.reason = reason
        elif action == states.APPROVE:
            question.reason = ""
        question.status = to_status
        question.version += 1
        if from_status != to_status:
            question.decided_at = timezone.now()
        question.save()
        Decision.objects.create(
            townhall=townhall,
            question=question,
            moderator=moderator,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            previous_text=previous_text,
        )
        _question_event(townhall, question, events.QUESTION_UPDATED, from_status)
        _take_off_screen_if_needed(townhall, question)
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


def question_mark_answered(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> Question:
    """approved → answered; takes it off the screen. Raises ``NotFound``, ``Forbidden``, ``Conflict``."""
    return _moderate(
        townhall_id=townhall_id, question_id=question_id, moderator=moderator, action=states.ANSWER, version=version
    )


def screen_show(*, townhall_id: int, question_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Put an approved question on the officials' screen.

    Raises ``NotFound``, ``Forbidden``, ``Conflict`` (not approved).
    """
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        _check_moderator(townhall, moderator)
        question = _lock_question(townhall, question_id)
        if question.status != states.APPROVED:
            raise Conflict(f"Only approved questions can go on screen; this one is {question.status}.")
        if townhall.screen_question_id == question.pk:
            return townhall
        townhall.screen_question = question
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=question)
        Decision.objects.create(
            townhall=townhall,
            question=question,
            moderator=moderator,
            action="show",
            from_status=question.status,
            to_status=question.status,
        )
        _append_event(townhall, events.SCREEN_CHANGED, {"question": question_record(question)})
    return townhall


def screen_clear(*, townhall_id: int, moderator: AbstractBaseUser) -> TownHall:
    """Take whatever is on the screen off it. Raises ``NotFound``, ``Forbidden``."""
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        _check_moderator(townhall, moderator)
        if townhall.screen_question_id is None:
            return townhall
        previous = townhall.screen_question
        townhall.screen_question = None
        TownHall.objects.filter(pk=townhall.pk).update(screen_question=None)
        Decision.objects.create(
            townhall=townhall,
            question=previous,
            moderator=moderator,
            action="clear",
            from_status=previous.status if previous else "",
            to_status=previous.status if previous else "",
        )
        _append_event(townhall, events.SCREEN_CHANGED, {"question": None})
    return townhall


# --- town halls --------------------------------------------------------------

MAX_HELD_TERMS = 500
MAX_HELD_TERM_LENGTH = 100


def townhall_set_held_terms(*, townhall_id: int, moderator: AbstractBaseUser, terms: list[str]) -> TownHall:
    """Replace the town hall's held terms and re-check every pending question.

    Terms are trimmed; blanks and case-insensitive duplicates are dropped.
    Raises ``BadRequest`` (not a list of strings, too many), ``TooLong``,
    ``Forbidden``, ``NotFound``.
    """
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise BadRequest("terms must be a list of strings.")
    cleaned: list[str] = []
    seen: set[str] = set()
    for term in terms:
        term = clean_line(term)
        if not term or term.casefold() in seen:
            continue
        if len(term) > MAX_HELD_TERM_LENGTH:
            raise TooLong(f"A held term is limited to {MAX_HELD_TERM_LENGTH} characters.")
        seen.add(term.casefold())
        cleaned.append(term)
    if len(cleaned) > MAX_HELD_TERMS:
        raise BadRequest(f"At most {MAX_HELD_TERMS} held terms.")
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        _check_moderator(townhall, moderator)
        if cleaned == list(townhall.held_terms or []):
            return townhall
        townhall.held_terms = cleaned
        TownHall.objects.filter(pk=townhall.pk).update(held_terms=cleaned)
        Decision.objects.create(townhall=townhall, moderator=moderator, action="held_terms")
        _append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall)})
        for question in Question.objects.select_for_update().filter(townhall=townhall, status=states.PENDING):
            before = (question.held, list(question.held_terms_matched))
            _refresh_held(townhall, question)
            if (question.held, question.held_terms_matched) != before:
                question.save(update_fields=["held", "held_terms_matched", "updated_at"])
                _question_event(townhall, question, events.QUESTION_SCORED, question.status)
    return townhall




def townhall_create(
    *,
    title: str,
    slug: str,
    moderators: list[AbstractBaseUser],
    status: str = TownHall.Status.DRAFT,
    max_question_length: int = 500,
    hold_threshold: float = 0.5,
) -> TownHall:
    """Create a town hall. Raises ``Conflict`` if the slug is taken, ``BadRequest`` on bad values."""
    if status not in TownHall.Status.values:
        raise BadRequest(f"status must be one of {', '.join(TownHall.Status.values)}.")
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        raise BadRequest("slug must be 1 to 60 letters, digits, hyphens or underscores (it is part of the URLs).")
    title = clean_line(title) if isinstance(title, str) else ""
    if not title or len(title) > 200:
        raise BadRequest("title must be 1 to 200 characters.")
    if not 1 <= max_question_length <= 5000:
        raise BadRequest("max_question_length must be between 1 and 5000.")
    if not 0.0 <= hold_threshold <= 1.0:
        raise BadRequest("hold_threshold must be between 0 and 1.")
    with transaction.atomic():
        if TownHall.objects.filter(slug=slug).exists():
            raise Conflict(f"A town hall with slug {slug!r} already exists.")
        townhall = TownHall.objects.create(
            title=title,
            slug=slug,
            status=status,
            max_question_length=max_question_length,
            hold_threshold=hold_threshold,
        )
        townhall.moderators.set(moderators)
    return townhall


def townhall_set_status(*, townhall_id: int, status: str) -> TownHall:
    """Open (live), or close a town hall. Closed town halls refuse submissions."""
    if status not in TownHall.Status.values:
        raise BadRequest(f"status must be one of {', '.join(TownHall.Status.values)}.")
    with transaction.atomic():
        townhall = _lock_townhall(townhall_id)
        if townhall.status == status:
            return townhall
        townhall.status = status
        TownHall.objects.filter(pk=townhall.pk).update(status=status)
        _append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall)})
    return townhall
