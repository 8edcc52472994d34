"""Town halls: creation, status, held terms."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, states
from moderation.exceptions import BadRequest, Conflict, TooLong
from moderation.models import Question, TownHall, new_join_code
from moderation.selectors import townhall_record
from moderation.services._core import (
    SLUG_PATTERN,
    append_event,
    check_moderator,
    decide,
    lock_townhall,
    question_event,
    refresh_held,
    show_on_screen,
    with_decision,
)
from moderation.text import clean_line

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
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        if cleaned == list(townhall.held_terms or []):
            return with_decision(townhall, None)
        townhall.held_terms = cleaned
        TownHall.objects.filter(pk=townhall.pk).update(held_terms=cleaned)
        decision = decide(townhall, moderator=moderator, action=states.HELD_TERMS)
        append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall), "decision": decision})
        for question in Question.objects.select_for_update().filter(townhall=townhall, status=states.PENDING):
            before = (question.held, list(question.held_terms_matched))
            refresh_held(townhall, question)
            if (question.held, question.held_terms_matched) != before:
                question.save(update_fields=["held", "held_terms_matched", "updated_at"])
                question_event(townhall, question, events.QUESTION_SCORED, question.status)
    return with_decision(townhall, decision)


def _unused_join_code() -> str:
    code = new_join_code()
    while TownHall.objects.filter(join_code=code).exists():
        code = new_join_code()
    return code


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
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
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
            join_code=_unused_join_code(),
            title=title,
            slug=slug,
            status=status,
            max_question_length=max_question_length,
            hold_threshold=hold_threshold,
            closed_at=timezone.now() if status == TownHall.Status.CLOSED else None,
        )
        townhall.moderators.set(moderators)
    return townhall


def townhall_close(*, townhall_id: int, moderator: AbstractBaseUser | None = None) -> TownHall:
    """Close a town hall: the console's ``townhall.close`` and ``manage.py
    townhall close`` (``moderator=None``) both come here.

    Citizens can no longer ask, vote or withdraw, and moderators no longer act
    on questions or the screen; every pending question becomes ``unhandled``
    (its asker sees it so); the screen is cleared (it shows its closing
    slide). One ``close`` Decision. Closing a closed town hall changes
    nothing (``.decision`` is ``None``).

    Raises ``NotFound``, ``Forbidden`` (not a moderator of it).
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        if moderator is not None:
            check_moderator(townhall, moderator)
        if townhall.status == TownHall.Status.CLOSED:
            return with_decision(townhall, None)
        decision = decide(
            townhall, moderator=moderator, action=states.CLOSE, from_status=townhall.status, to_status="closed"
        )
        townhall.status = TownHall.Status.CLOSED
        townhall.closed_at = timezone.now()
        TownHall.objects.filter(pk=townhall.pk).update(status=townhall.status, closed_at=townhall.closed_at)
        # Everyone learns it is closed first: citizens stop sending at once.
        append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall), "decision": decision})
        if townhall.screen_question_id is not None:
            show_on_screen(townhall, None)
        now = timezone.now()
        pending = Question.objects.select_for_update().filter(townhall=townhall, status=states.PENDING)
        for question in pending.order_by("created_at", "id"):
            # One event each: moderators and the asker only (a pending question is not public).
            question.status = states.next_status(question.status, states.CLOSE)
            question.version += 1
            question.decided_at = now
            question.save(update_fields=["status", "version", "decided_at", "updated_at"])
            question_event(townhall, question, events.QUESTION_UPDATED, states.PENDING)
    return with_decision(townhall, decision)


def townhall_set_status(*, townhall_id: int, status: str) -> TownHall:
    """Open (live), draft, or close a town hall (closing is :func:`townhall_close`)."""
    if status not in TownHall.Status.values:
        raise BadRequest(f"status must be one of {', '.join(TownHall.Status.values)}.")
    if status == TownHall.Status.CLOSED:
        return townhall_close(townhall_id=townhall_id)
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        if townhall.status == status:
            return townhall
        townhall.status = status
        # Reopened: its retention counts from its next close.
        townhall.closed_at = townhall.purged_at = None
        TownHall.objects.filter(pk=townhall.pk).update(status=status, closed_at=None, purged_at=None)
        append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall)})
    return townhall
