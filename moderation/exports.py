"""The organisers' exports of a town hall: its questions and its decisions,
as CSV or JSON (docs/exports.md). Reads only.

What an export never holds, whoever asks: a participant id, an IP address or
a session, what a citizen typed before a moderator edited it (original text,
name or place), the text or name of a rejected or withdrawn question (its row
stays, with its status and reason), the held terms a question matched (they
are words of its text), the text an edit replaced, or what undo keeps.
Each row is built from an allow-list of fields, so a column added to a model
does not leak into the exports by itself.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from django.utils import timezone

from moderation import states
from moderation.models import Decision, Question, TownHall
from moderation.team import display_name

QUESTIONS: Final = "questions"
DECISIONS: Final = "decisions"
WHATS: Final = (QUESTIONS, DECISIONS)
CSV: Final = "csv"
JSON: Final = "json"
FORMATS: Final = (CSV, JSON)

# The JSON document's own version (docs/exports.md): bumped when a field
# changes meaning or goes away; new fields may be added within a version.
FORMAT_VERSION: Final = 1

QUESTION_FIELDS: Final = (
    "id",
    "status",
    "text",
    "author",
    "votes",
    "created_at",
    "decided_at",
    "answered_at",
    "reason",
    "toxicity_score",
    "model",
    "held",
    "held_by",
    "edited",
    "merged_into",
    "topic",
    "topic_source",
)
DECISION_FIELDS: Final = (
    "id",
    "created_at",
    "action",
    "from_status",
    "to_status",
    "reason",
    "moderator",
    "question_id",
    "undoes",
)

# Whose words stay out of the exports: a rejected question was refused, a
# withdrawn one taken back by its author.
WITHHELD_STATUSES: Final = frozenset({states.REJECTED, states.WITHDRAWN})

# The decisions that decide a question's fate (its time to decision).
_DECIDING_ACTIONS: Final = (states.APPROVE, states.REJECT, states.MERGE)

# OWASP "CSV injection": a cell starting with one of these is a formula to a
# spreadsheet; a leading quote makes it text.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """One export file: its bytes, media type and a file name for downloads."""

    content: bytes
    content_type: str
    filename: str


# --- rows -----------------------------------------------------------------------------


def _first_decisions(townhall: TownHall) -> dict[int, datetime]:
    """When each question was first approved, rejected or merged (undone decisions aside)."""
    firsts: dict[int, datetime] = {}
    rows = (
        Decision.objects.filter(townhall=townhall, action__in=_DECIDING_ACTIONS, question__isnull=False)
        .filter(undone_by__isnull=True)
        .order_by("created_at", "id")
        .values_list("question_id", "created_at")
    )
    for question_id, created_at in rows:
        firsts.setdefault(question_id, created_at)
    return firsts


def _held_by(question: Question) -> str:
    if question.held_terms_matched:
        return "terms"
    return "model" if question.held else ""


def question_rows(townhall: TownHall) -> list[dict[str, Any]]:
    """One dict per question of ``townhall`` (``QUESTION_FIELDS``), oldest first.

    Times are aware datetimes (or ``None``); the serialisers format them.
    The text and name of a question in ``WITHHELD_STATUSES`` are ``""``.
    """
    firsts = _first_decisions(townhall)
    rows = []
    for question in Question.objects.filter(townhall=townhall).order_by("created_at", "id"):
        withheld = question.status in WITHHELD_STATUSES
        answered = question.status == states.ANSWERED
        rows.append(
            {
                "id": question.pk,
                "status": question.status,
                "text": "" if withheld else question.text,
                "author": "" if withheld else question.author,
                "votes": question.votes,
                "created_at": question.created_at,
                "decided_at": firsts.get(question.pk),
                "answered_at": question.decided_at if answered else None,
                "reason": question.reason,
                "toxicity_score": question.toxicity_score,
                "model": question.toxicity_model,
                "held": question.held,
                "held_by": _held_by(question),
                "edited": question.edited,
                "merged_into": question.merged_into_id,
                "topic": question.topic,
                "topic_source": question.topic_source,
            }
        )
    return rows


def decision_rows(townhall: TownHall) -> list[dict[str, Any]]:
    """One dict per audit row of ``townhall`` (``DECISION_FIELDS``), oldest
    first. The moderator is their public display name (``""`` for the command line)."""
    rows = []
    decisions = Decision.objects.filter(townhall=townhall).select_related("moderator").order_by("created_at", "id")
    for decision in decisions:
        rows.append(
            {
                "id": decision.pk,
                "created_at": decision.created_at,
                "action": decision.action,
                "from_status": decision.from_status,
                "to_status": decision.to_status,
                "reason": decision.reason,
                "moderator": display_name(decision.moderator),
                "question_id": decision.question_id,
                "undoes": decision.undoes_id,
            }
        )
    return rows


# --- serialisers -------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def to_json(townhall: TownHall, what: str, rows: list[dict[str, Any]]) -> bytes:
    """The JSON document of docs/exports.md: UTF-8, times in UTC (ISO 8601, ``Z``)."""
    fields = QUESTION_FIELDS if what == QUESTIONS else DECISION_FIELDS
    document = {
        "format": "townhall-export",
        "version": FORMAT_VERSION,
        "what": what,
        "townhall": {"slug": townhall.slug, "title": townhall.title, "status": townhall.status},
        "fields": list(fields),
        "rows": [{field: _json_value(row[field]) for field in fields} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def guard_formula(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: a leading quote before a
    cell that starts like a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _csv_cell(value: Any, *, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if excel:
            # Local time, in the form French spreadsheets read as a date.
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
        return _json_value(value)
    if isinstance(value, float):
        text = f"{value:.4f}"
        return text.replace(".", ",") if excel else text
    return guard_formula(str(value))


def to_csv(rows: list[dict[str, Any]], fields: tuple[str, ...], *, excel: bool = False) -> bytes:
    """RFC 4180 CSV with a header row of ``fields``.

    Default: UTF-8 without BOM, ``,`` between cells, times in UTC (ISO 8601).
    ``excel``: for French spreadsheets: a UTF-8 BOM, ``;`` between cells,
    decimal commas, local times (``TIME_ZONE``). Line breaks stay inside
    quoted cells; every text cell is guarded against formulas.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv_cell(row[field], excel=excel) for field in fields])
    return ("\ufeff" if excel else "").encode("utf-8") + buffer.getvalue().encode("utf-8")


def export(townhall: TownHall, *, what: str, fmt: str, excel: bool = False) -> Export:
    """The export of ``what`` (``QUESTIONS`` or ``DECISIONS``) in ``fmt``
    (``CSV`` or ``JSON``; ``excel`` applies to CSV only).

    Raises ``ValueError`` for an unknown ``what`` or ``fmt``.
    """
    if what not in WHATS:
        raise ValueError(f"what must be one of: {', '.join(WHATS)}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of: {', '.join(FORMATS)}")
    rows = question_rows(townhall) if what == QUESTIONS else decision_rows(townhall)
    if fmt == JSON:
        return Export(to_json(townhall, what, rows), "application/json", f"{townhall.slug}-{what}.json")
    fields = QUESTION_FIELDS if what == QUESTIONS else DECISION_FIELDS
    suffix = "-excel" if excel else ""
    return Export(to_csv(rows, fields, excel=excel), "text/csv; charset=utf-8", f"{townhall.slug}-{what}{suffix}.csv")
