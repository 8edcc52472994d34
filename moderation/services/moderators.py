"""Moderators' actions on questions: approve, reject, edit, answer, batch approval, star.

Merging and restoring from the archive are in ``merges.py``; undo in ``undo.py``.
Each action returns the question with the audit record it wrote as
``.decision`` (``None`` when nothing changed).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, redaction, states
from moderation.exceptions import BadRequest, Conflict, DomainError, NotFound, PersonalData
from moderation.models import Question, TownHall
from moderation.presenters import MODERATORS_ONLY
from moderation.selectors import question_record
from moderation.services._core import (
    append_event,
    check_version,
    decide,
    lock_question,
    next_position,
    open_for_moderator,
    question_event,
    question_state,
    refresh_held,
    refresh_personal_data,
    take_off_screen_if_needed,
    transition,
    validated_line,
    validated_text,
    with_decision,
)


def _check_batchable(question: Question) -> None:
    """Batch approval approves only what a moderator need not read twice."""
    if question.held:
        raise Conflict("This question is held for review: approve it on its own, after reading it.")
    if question.personal_data:
        kinds = ", ".join(sorted({item["kind"] for item in question.personal_data}))
        raise PersonalData(f"This question may contain personal data ({kinds}): read and edit it, then approve it.")


def _apply_edits(townhall: TownHall, question: Question, edits: dict[str, str]) -> bool:
    """Give ``question`` the edited fields; return whether anything changed.
    Held and personal-data flags follow the new values."""
    if "text" in edits:
        edits = {**edits, "text": validated_text(edits["text"], townhall)}
    changed = {name: value for name, value in edits.items() if getattr(question, name) != value}
    for name, value in changed.items():
        setattr(question, name, value)
    if changed:
        refresh_held(townhall, question)
        refresh_personal_data(question)
    return bool(changed)


def _moderate(
    *,
    townhall_id: int,
    question_id: int,
    moderator: AbstractBaseUser,
    action: str,
    version: int | None,
    reason: str = "",
    edits: dict[str, str] | None = None,
    batch: bool = False,
    redact: bool = False,
) -> Question:
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        question = lock_question(townhall, question_id)
        check_version(question, version)
        from_status, to_status = transition(question, action)
        if batch:
            _check_batchable(question)
        before = question_state(question)
        on_screen = townhall.screen_question_id == question.pk
        if action == states.EDIT and not _apply_edits(townhall, question, edits or {}):
            return with_decision(question, None)
        pieces = _redact(question, before, moderator, action=action, reason=reason, redact=redact)
        if action == states.REJECT:
            question.reason = reason
        elif action == states.APPROVE:
            question.reason = ""
            question.position = next_position(townhall)
        question.status = to_status
        question.version += 1
        if from_status != to_status:
            question.decided_at = timezone.now()
        question.save()
        decision = decide(
            townhall,
            question=question,
            moderator=moderator,
            action=states.REDACT if redact else action,
            from_status=from_status,
            to_status=to_status,
            reason=states.PERSONAL_DATA_REASON if redact else reason,
            # A redaction keeps no version to go back to: it cannot be undone.
            previous_text=before["text"] if action == states.EDIT and not pieces else "",
            undo_data={} if pieces else {"before": before, "version": question.version, "on_screen": on_screen},
        )
        question_event(townhall, question, events.QUESTION_UPDATED, from_status, decision)
        take_off_screen_if_needed(townhall, question)
        if pieces:
            redaction.scrub_question_copies(question, pieces)
    return with_decision(question, decision)


def _redact(
    question: Question, before: dict[str, str], moderator: AbstractBaseUser, *, action: str, reason: str, redact: bool
) -> list[str]:
    """A reject for personal data, or an edit marked as a redaction: blank or
    scrub the question's fields now (the event about to be stored carries them
    so), mark who redacted and when, and return what to scrub from the older
    copies (``moderation.redaction``); ``[]`` for any other action.

    Raises ``BadRequest`` for a redacting edit that removes nothing."""
    if action == states.REJECT and reason == states.PERSONAL_DATA_REASON:
        pieces = redaction.redact_all(question)
    elif redact:
        pieces = redaction.redact_edit(question, before)
        if not pieces:
            raise BadRequest("A redaction must remove something: this edit only adds.")
    else:
        return []
    refresh_personal_data(question)
    question.redacted_at = timezone.now()
    question.redacted_by = moderator
    return pieces


def question_approve(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> Question:
    """pending|rejected → approved, at the end of the screen queue.

    Raises ``NotFound``, ``Forbidden``, ``Conflict``, ``TownHallClosed``.
    """
    return _moderate(
        townhall_id=townhall_id, question_id=question_id, moderator=moderator, action=states.APPROVE, version=version
    )


def question_reject(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, reason: str, version: int | None = None
) -> Question:
    """pending|approved → rejected with one of ``states.REJECT_REASONS``.
    For ``personal_data`` the question is redacted: its text becomes
    ``[redacted]``, name and place empty, and every version of them is removed
    from every stored copy (``moderation.redaction``); that reject cannot be undone.

    Raises ``BadRequest`` (unknown reason), ``NotFound``, ``Forbidden``,
    ``Conflict``, ``TownHallClosed``.
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


def _edits(text: str | None, author: str | None, place: str | None) -> dict[str, str]:
    """The fields to edit, name and place checked (the text is checked against
    the town hall's limit once it is locked)."""
    if text is None and author is None and place is None:
        raise BadRequest("Give at least one of text, author and place.")
    edits: dict[str, str] = {}
    if text is not None:
        edits["text"] = text
    if author is not None:
        edits["author"] = validated_line(author, "name", states.MAX_AUTHOR_LENGTH)
    if place is not None:
        edits["place"] = validated_line(place, "place", states.MAX_PLACE_LENGTH)
    return edits


def question_edit(
    *,
    townhall_id: int,
    question_id: int,
    moderator: AbstractBaseUser,
    text: str | None = None,
    author: str | None = None,
    place: str | None = None,
    version: int | None = None,
    redaction: bool = False,
) -> Question:
    """Change the text, name or place of a pending or approved question (at
    least one; name and place may become ``""``). ``original_*`` keep what the
    citizen typed, the Decision keeps the values before the edit (for undo),
    and the personal-data flags are recomputed. Nothing changes, and no
    Decision is written, when the values are the ones the question has.

    ``redaction``: the edit removes personal data. What it took out is then
    removed from every stored copy, the originals included
    (``moderation.redaction``); the Decision is a ``redact`` one (reason
    ``personal_data``) that keeps no text and cannot be undone.

    Raises ``BadRequest`` (also: a redaction that removes nothing),
    ``TooLong``, ``NotFound``, ``Forbidden``, ``Conflict``, ``TownHallClosed``.
    """
    edits = _edits(text, author, place)
    return _moderate(
        townhall_id=townhall_id,
        question_id=question_id,
        moderator=moderator,
        action=states.EDIT,
        version=version,
        edits=edits,
        redact=bool(redaction),
    )


def question_answer(
    *, townhall_id: int, question_id: int, moderator: AbstractBaseUser, version: int | None = None
) -> Question:
    """approved → answered; takes it off the screen.

    Raises ``NotFound``, ``Forbidden``, ``Conflict``, ``TownHallClosed``.
    """
    return _moderate(
        townhall_id=townhall_id, question_id=question_id, moderator=moderator, action=states.ANSWER, version=version
    )


def question_approve_many(
    *, townhall_id: int, moderator: AbstractBaseUser, items: list[tuple[int, int | None]]
) -> tuple[list[Question], list[tuple[int, DomainError]]]:
    """Approve several questions, each with its own version check (batch approval).

    Each one is approved in its own transaction, so a refusal leaves the
    others approved. A held question is refused (``Conflict``), and so is one
    that may hold personal data (``PersonalData``): both are approved one by
    one, after reading. Returns ``(approved, refused)`` where ``refused``
    pairs each question id with its error; each approved question carries
    its ``.decision``. Raises ``TownHallClosed``, ``Forbidden``.
    """
    approved: list[Question] = []
    refused: list[tuple[int, DomainError]] = []
    for question_id, version in items:
        try:
            approved.append(
                _moderate(
                    townhall_id=townhall_id,
                    question_id=question_id,
                    moderator=moderator,
                    action=states.APPROVE,
                    version=version,
                    batch=True,
                )
            )
        except (Conflict, NotFound, PersonalData) as exc:
            refused.append((question_id, exc))
    return approved, refused


def question_star(*, townhall_id: int, question_id: int, moderator: AbstractBaseUser, starred: bool) -> Question:
    """Pin (or unpin) a question for the moderators. Not a decision: no audit
    row, no version change; the update reaches moderators only.

    Raises ``BadRequest``, ``NotFound``, ``Forbidden``, ``TownHallClosed``.
    """
    if not isinstance(starred, bool):
        raise BadRequest("starred must be true or false.")
    with transaction.atomic():
        townhall = open_for_moderator(townhall_id, moderator)
        question = lock_question(townhall, question_id)
        if question.starred != starred:
            question.starred = starred
            question.save(update_fields=["starred", "updated_at"])
            # Stored as question.updated, rendered for moderators only (presenters).
            payload = {"question": question_record(question), "previous_status": question.status}
            append_event(townhall, events.QUESTION_UPDATED, {**payload, "audience": MODERATORS_ONLY})
    return with_decision(question, None)
