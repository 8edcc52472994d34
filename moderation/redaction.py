"""Removing personal data from every stored copy of a question.

A question's words are stored in more places than its row: each event keeps
a full record of it (``question.created``, ``question.scored``,
``question.updated``, ``screen.changed``, and the ``merged_into`` of the
questions merged into it), and each decision keeps what undoing it needs
(``previous_text``, ``undo_data``: the fields before, and for ``next`` the
answered question's). :func:`scrub_question_copies` rewrites all of them.

Two callers: a moderator's redaction (``services/moderators.py``: a reject
for ``personal_data`` removes everything the citizen typed; an edit marked
as a redaction removes what the edit took out), and, at merge, the retention
purge. Only the question's own copies are touched: a dict that is this
question's record (its ``id`` with a ``text`` or a ``before``), its own
decisions, and the question row; another question that happens to contain the
same words keeps them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from moderation import personal_data
from moderation.models import Decision, Event, Question

# What stands where removed text was, in every copy.
REDACTED = "[redacted]"

# The fields of a question (and of its records and states) that hold what the
# citizen typed, or a moderator's version of it.
TEXT_FIELDS = ("text", "original_text", "author", "original_author", "place", "original_place")

# A piece shorter than this is replaced only where it is a whole value (a
# one-letter place would otherwise eat into every word of the record).
MIN_PIECE = 4

_WORD = re.compile(r"\S+")
_BATCH = 500


def removed_pieces(before: str, after: str) -> list[str]:
    """What an edit from ``before`` to ``after`` took out: each run of words
    of ``before`` that ``after`` deleted or replaced, and the personal data
    (``personal_data.matches_in``) inside those runs, so that a phone number
    is found again in an older version whose neighbouring words differ."""
    old = list(_WORD.finditer(before))
    new = [m.group(0) for m in _WORD.finditer(after)]
    matcher = difflib.SequenceMatcher(None, [m.group(0) for m in old], new, autojunk=False)
    pieces: list[str] = []
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            run = before[old[i1].start() : old[i2 - 1].end()]
            pieces += [run, *personal_data.matches_in(run)]
    return pieces


def question_versions(question: Question) -> list[str]:
    """Every value the question's text, name and place have had: the row's,
    and those its decisions and its event records kept. A reject for personal
    data removes all of them."""
    values = {getattr(question, name) for name in TEXT_FIELDS}
    for previous, undo_data in Decision.objects.filter(question=question).values_list("previous_text", "undo_data"):
        values.add(previous)
        _collect(undo_data, values)
    for payload in _events(question).values_list("payload", flat=True):
        for record in _records_of(payload, question.pk):
            _collect(record, values)
    return list(values)


def clean_pieces(strings: Iterable[str]) -> list[str]:
    """The pieces to remove: without blanks and duplicates, longest first (a
    piece inside a longer one is replaced after it)."""
    pieces = {s.strip() for s in strings if isinstance(s, str) and s.strip()}
    return sorted(pieces, key=lambda s: (-len(s), s))


def scrub_text(value: str, pieces: list[str]) -> str:
    """``value`` without ``pieces`` (from :func:`clean_pieces`): a value that
    is one of them becomes ``REDACTED``; longer values lose each piece of at
    least ``MIN_PIECE`` characters, which ``REDACTED`` replaces."""
    if value.strip() in pieces:
        return REDACTED
    for piece in pieces:
        if len(piece) >= MIN_PIECE and piece not in REDACTED:
            value = value.replace(piece, REDACTED)
    return value


def scrub_value(value: Any, pieces: list[str]) -> Any:
    """``value`` (JSON: dicts, lists, strings...) with every string scrubbed."""
    if isinstance(value, str):
        return scrub_text(value, pieces)
    if isinstance(value, list):
        return [scrub_value(item, pieces) for item in value]
    if isinstance(value, dict):
        return {key: scrub_value(item, pieces) for key, item in value.items()}
    return value


def scrub_records(value: Any, question_id: int, pieces: list[str]) -> Any:
    """``value`` with the records of question ``question_id`` inside it
    scrubbed (see the module docstring); everything else as it was."""
    if isinstance(value, list):
        return [scrub_records(item, question_id, pieces) for item in value]
    if isinstance(value, dict):
        if _is_record_of(value, question_id):
            return scrub_value(value, pieces)
        return {key: scrub_records(item, question_id, pieces) for key, item in value.items()}
    return value


def scrub_question_copies(question: Question, strings: Iterable[str]) -> int:
    """Remove ``strings`` from every stored copy of ``question``: its row's
    text, name and place (and the originals), its decisions' ``previous_text``
    and ``undo_data``, the ``undo_data`` of other decisions that kept its state
    (``next``), and the records of it in its town hall's events.

    Precondition: called inside the transaction of the change that asks for it,
    with the town hall locked (no event is appended meanwhile). The question
    row is saved here only for the fields this changes. Returns the number of
    rows rewritten. Raises nothing of its own.
    """
    pieces = clean_pieces(strings)
    if not pieces:
        return 0
    rewritten = _scrub_row(question, pieces)
    rewritten += _scrub_decisions(question, pieces)
    rewritten += _scrub_events(question, pieces)
    return rewritten


def _scrub_row(question: Question, pieces: list[str]) -> int:
    changed = [name for name in TEXT_FIELDS if scrub_text(getattr(question, name), pieces) != getattr(question, name)]
    for name in changed:
        setattr(question, name, scrub_text(getattr(question, name), pieces))
    if changed:
        Question.objects.filter(pk=question.pk).update(**{name: getattr(question, name) for name in changed})
    return 1 if changed else 0


def _scrub_decisions(question: Question, pieces: list[str]) -> int:
    since = question.created_at - CLOCK_MARGIN
    rows = Decision.objects.filter(townhall_id=question.townhall_id, created_at__gte=since)
    rows = rows.only("id", "question_id", "previous_text", "undo_data")
    changed: list[Decision] = []
    for row in rows.iterator(chunk_size=_BATCH):
        own = row.question_id == question.pk
        previous = scrub_text(row.previous_text, pieces) if own and row.previous_text else row.previous_text
        undo_data = scrub_value(row.undo_data, pieces) if own else scrub_records(row.undo_data, question.pk, pieces)
        if previous != row.previous_text or undo_data != row.undo_data:
            row.previous_text, row.undo_data = previous, undo_data
            changed.append(row)
    Decision.objects.bulk_update(changed, ["previous_text", "undo_data"], batch_size=_BATCH)
    return len(changed)


def _scrub_events(question: Question, pieces: list[str]) -> int:
    changed: list[Event] = []
    for event in _events(question).only("id", "payload").iterator(chunk_size=_BATCH):
        payload = scrub_records(event.payload, question.pk, pieces)
        if payload != event.payload:
            event.payload = payload
            changed.append(event)
    Event.objects.bulk_update(changed, ["payload"], batch_size=_BATCH)
    return len(changed)


# Clocks of several servers may differ by this much, at most: an event about
# the question is never older than the question minus this margin.
CLOCK_MARGIN = timedelta(minutes=5)


def _events(question: Question) -> Any:
    # Only events stored since the question (minus the margin) can hold a
    # record of it; vote counts are most of a busy session's events and never
    # hold text. Both bound the rows read while the town hall is locked.
    events = Event.objects.filter(townhall_id=question.townhall_id).exclude(type="question.votes")
    return events.filter(created_at__gte=question.created_at - CLOCK_MARGIN)


def _is_record_of(value: dict[str, Any], question_id: int) -> bool:
    """A question record (``text``) or a kept state (``before``) of this question."""
    return value.get("id") == question_id and ("text" in value or "before" in value)


def _records_of(value: Any, question_id: int) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [record for item in value for record in _records_of(item, question_id)]
    if isinstance(value, dict):
        if _is_record_of(value, question_id):
            return [value]
        return [record for item in value.values() for record in _records_of(item, question_id)]
    return []


def _collect(value: Any, into: set[str]) -> None:
    """Add the text, name and place values found anywhere in ``value``."""
    if isinstance(value, list):
        for item in value:
            _collect(item, into)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in TEXT_FIELDS and isinstance(item, str):
                into.add(item)
            else:
                _collect(item, into)


def redact_all(question: Question) -> list[str]:
    """For a reject for personal data: what the citizen typed, and every
    version of it, is to go. Returns the pieces to scrub from the copies
    (:func:`question_versions`) and blanks the question's own fields: the text
    becomes ``REDACTED``, name and place empty. Does not save."""
    pieces = question_versions(question)
    question.text = question.original_text = REDACTED
    question.author = question.original_author = question.place = question.original_place = ""
    return pieces


def redact_edit(question: Question, before: dict[str, str]) -> list[str]:
    """For an edit marked as a redaction, after the edit is applied: what it
    took out of the text, name and place (``before``: their values before it)
    is removed from the question's fields too (the originals, another
    occurrence left in the new text). Returns the pieces; does not save."""
    pieces: list[str] = []
    for name in ("text", "author", "place"):
        pieces += removed_pieces(before[name], getattr(question, name))
    cleaned = clean_pieces(pieces)
    for name in TEXT_FIELDS:
        setattr(question, name, scrub_text(getattr(question, name), cleaned))
    return cleaned
