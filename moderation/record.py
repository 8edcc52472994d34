"""The public moderation record of a town hall (issue 11: "who moderates, and by what rules?").

Reads only. ``townhall_record(townhall)`` returns the record as JSON-safe
data: the page ``/t/<slug>/record/`` and ``/t/<slug>/record.json`` both
render it, and ``docs/record.md`` documents it field by field (the JSON
Schema is ``docs/record.schema.json``).

What it never holds, by construction: a participant id, an address, an
original text, name or place (only whether moderators edited the question),
and the text, name or place of any question that is not public (rejected,
withdrawn, merged, pending, unhandled: those are counted, never shown). The
questions' rows are read with the columns the record needs and no others.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from moderation import states
from moderation.models import Decision, Question, TownHall
from moderation.team import display_name, townhall_team
from moderation.topics import townhall_topics

SCHEMA = "townhall-record/1"

# A decision on a question's fate: time to decision runs from the question's
# creation to the first of these.
VERDICT_ACTIONS = (states.APPROVE, states.REJECT)

# The time-to-decision histogram's bins, in seconds (the last one is open).
DECISION_BINS = (0, 30, 60, 120, 300, 600, 1800)

# Timeline buckets: the smallest that draws the session in at most MAX_BUCKETS bars.
BUCKET_SIZES = (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400)
MAX_BUCKETS = 48

_QUESTION_COLUMNS = (
    "pk",
    "text",
    "author",
    "place",
    "status",
    "reason",
    "votes",
    "position",
    "created_at",
    "decided_at",
    "held",
    "held_terms_matched",
    "toxicity_score",
    "toxicity_model",
    "scoring_status",
    "was_edited",
    "topic",
)


def _questions(townhall: TownHall) -> list[dict[str, Any]]:
    """The town hall's questions, with ``was_edited`` computed by the database
    so the original name, place and text never leave it."""
    unchanged = Q(text=F("original_text")) & Q(author=F("original_author")) & Q(place=F("original_place"))
    edited = ExpressionWrapper(~unchanged, output_field=BooleanField())
    rows = Question.objects.filter(townhall=townhall).annotate(was_edited=edited)
    return list(rows.order_by("created_at", "id").values(*_QUESTION_COLUMNS))


def _decisions(townhall: TownHall) -> list[Decision]:
    return list(
        Decision.objects.filter(townhall=townhall)
        .select_related("moderator")
        .only("action", "question_id", "created_at", "moderator")
        .order_by("created_at", "id")
    )


def townhall_record(townhall: TownHall, *, now: datetime | None = None) -> dict[str, Any]:
    """The public record of ``townhall`` (any status; the views refuse drafts).

    ``final`` is true once the town hall is closed; before, the record is live
    and changes with each decision. ``now`` (default: the current time) ends
    the timeline of a live session.
    """
    now = now or timezone.now()
    questions = _questions(townhall)
    decisions = _decisions(townhall)
    closed_at = townhall.closed_at if townhall.status == TownHall.Status.CLOSED else None
    first_verdicts = _first_verdicts(decisions)
    waits = [
        (first_verdicts[q["pk"]] - q["created_at"]).total_seconds() for q in questions if q["pk"] in first_verdicts
    ]
    return {
        "schema": SCHEMA,
        "generated_at": now.isoformat(),
        "townhall": {
            "slug": townhall.slug,
            "title": townhall.title,
            "status": townhall.status,
            "final": townhall.status == TownHall.Status.CLOSED,
            "closed_at": closed_at.isoformat() if closed_at else None,
        },
        "team": _team(townhall, decisions),
        "system_decisions": sum(1 for d in decisions if d.moderator_id is None),
        "counts": {**_counts(questions), "by_topic": _by_topic(townhall, questions)},
        "time_to_decision": _time_to_decision(waits),
        "machine": _machine(townhall, questions),
        "timeline": _timeline(questions, decisions, end=closed_at or now),
        "questions": _public_questions(questions, townhall.queue_order),
    }


def _first_verdicts(decisions: list[Decision]) -> dict[int, datetime]:
    """Question id → when its first approve or reject decision was made."""
    first: dict[int, datetime] = {}
    for decision in decisions:
        if decision.action in VERDICT_ACTIONS and decision.question_id is not None:
            first.setdefault(decision.question_id, decision.created_at)
    return first


def _team(townhall: TownHall, decisions: list[Decision]) -> list[dict[str, Any]]:
    """The active moderators, and anyone else who decided, with their decisions
    (every audit row counts); most decisions first, then by name."""
    made = Counter(display_name(d.moderator) for d in decisions if d.moderator_id is not None)
    on_team = set(townhall_team(townhall))
    names = on_team | set(made)
    members = [{"name": name, "on_team": name in on_team, "decisions": made.get(name, 0)} for name in names]
    return sorted(members, key=lambda member: (-member["decisions"], member["name"].casefold()))


def _counts(questions: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = Counter(q["status"] for q in questions)
    reasons = Counter(q["reason"] for q in questions if q["status"] == states.REJECTED)
    return {
        "questions": len(questions),
        "by_status": {status: statuses.get(status, 0) for status in states.STATUSES},
        "by_reject_reason": {reason: reasons.get(reason, 0) for reason in states.REJECT_REASONS},
        "edited": sum(1 for q in questions if q["was_edited"] and q["status"] in states.PUBLIC_STATUSES),
    }


def _by_topic(townhall: TownHall, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions asked per topic: the town hall's topics in order (zero
    included), then any it no longer lists, then "" (no topic)."""
    counted = Counter(q["topic"] for q in questions)
    keys = townhall_topics(townhall.topics)
    keys += sorted(k for k in counted if k and k not in keys)
    return [{"topic": key, "count": counted.get(key, 0)} for key in [*keys, ""]]


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (``fraction`` in (0, 1]) of ``values``; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _time_to_decision(waits: list[float]) -> dict[str, Any]:
    bins = []
    for index, low in enumerate(DECISION_BINS):
        high = DECISION_BINS[index + 1] if index + 1 < len(DECISION_BINS) else None
        count = sum(1 for wait in waits if wait >= low and (high is None or wait < high))
        bins.append({"from_seconds": low, "to_seconds": high, "count": count})
    return {
        "decided": len(waits),
        "median_seconds": statistics.median(waits) if waits else None,
        "p90_seconds": percentile(waits, 0.9),
        "histogram": bins,
    }


def _machine(townhall: TownHall, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The model's part: what was held, by the model or the held terms, and
    what moderators then did with held and not-held questions."""
    threshold = townhall.hold_threshold
    by_model = [q for q in questions if q["toxicity_score"] is not None and q["toxicity_score"] >= threshold]
    outcomes = Counter((q["held"], _outcome(q["status"])) for q in questions)
    models = Counter(q["toxicity_model"] for q in questions if q["toxicity_model"])
    return {
        "models": [{"name": name, "questions": count} for name, count in sorted(models.items())],
        "hold_threshold": threshold,
        "scored": sum(1 for q in questions if q["scoring_status"] == Question.ScoringStatus.SCORED),
        "held": sum(1 for q in questions if q["held"]),
        "held_by_model": len(by_model),
        "held_by_terms": sum(1 for q in questions if q["held_terms_matched"]),
        "held_then_approved": outcomes[(True, "approved")],
        "held_then_rejected": outcomes[(True, "rejected")],
        "not_held_then_approved": outcomes[(False, "approved")],
        "not_held_then_rejected": outcomes[(False, "rejected")],
    }


def _outcome(status: str) -> str:
    if status in states.PUBLIC_STATUSES:
        return "approved"
    return "rejected" if status == states.REJECTED else "other"


def bucket_size(start: datetime, end: datetime) -> int:
    """Seconds per timeline bucket: the smallest of ``BUCKET_SIZES`` that
    spans ``start``..``end`` in at most ``MAX_BUCKETS`` buckets."""
    span = max((end - start).total_seconds(), 1.0)
    for size in BUCKET_SIZES:
        if span / size <= MAX_BUCKETS:
            return size
    return BUCKET_SIZES[-1]


def _timeline(questions: list[dict[str, Any]], decisions: list[Decision], *, end: datetime) -> dict[str, Any]:
    """Questions asked, decided (approve or reject) and answered per bucket."""
    asked = [q["created_at"] for q in questions]
    decided = [d.created_at for d in decisions if d.action in VERDICT_ACTIONS]
    answered = [q["decided_at"] for q in questions if q["status"] == states.ANSWERED and q["decided_at"]]
    if not asked:
        return {"bucket_seconds": BUCKET_SIZES[0], "buckets": []}
    first = min(asked)
    last = max([end, *asked, *decided, *answered])
    size = bucket_size(first, last)
    origin = datetime.fromtimestamp(first.timestamp() // size * size, tz=first.tzinfo)
    count = int((last - origin).total_seconds() // size) + 1
    series = {"questions": Counter(), "decisions": Counter(), "answered": Counter()}
    for name, times in (("questions", asked), ("decisions", decided), ("answered", answered)):
        for moment in times:
            series[name][int((moment - origin).total_seconds() // size)] += 1
    buckets = [
        {
            "start": (origin + timedelta(seconds=index * size)).isoformat(),
            **{name: counter.get(index, 0) for name, counter in series.items()},
        }
        for index in range(count)
    ]
    return {"bucket_seconds": size, "buckets": buckets}


def _public_questions(questions: list[dict[str, Any]], queue_order: str) -> list[dict[str, Any]]:
    """Answered questions in the order they were answered, then the approved
    ones in screen-queue order. Only what the screen showed: text, name, place."""
    answered = sorted(
        (q for q in questions if q["status"] == states.ANSWERED), key=lambda q: (q["decided_at"], q["pk"])
    )
    approved = sorted(
        (q for q in questions if q["status"] == states.APPROVED),
        key=lambda q: (*states.queue_key(votes=q["votes"], position=q["position"], order=queue_order), q["pk"]),
    )
    return [
        {
            "text": q["text"],
            "author": q["author"],
            "place": q["place"],
            "votes": q["votes"],
            "status": q["status"],
            "asked_at": q["created_at"].isoformat(),
            "answered_at": q["decided_at"].isoformat() if q["status"] == states.ANSWERED else None,
            "edited": bool(q["was_edited"]),
            "topic": q["topic"],
        }
        for q in [*answered, *approved]
    ]
