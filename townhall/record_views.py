"""The public moderation record of a town hall: ``/t/<slug>/record/`` and ``.json``.

Thin: find the published town hall, read ``moderation.record``, render. No
login: the record is public, and holds nothing that identifies a citizen
beyond the name they chose to show (docs/record.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache

from moderation import record, states
from moderation.models import TownHall
from moderation.topics import topic_label
from townhall import links, record_charts


def _published_townhall(slug: str) -> TownHall:
    """A live or closed town hall (a draft's record is 404, as its pages are)."""
    return get_object_or_404(TownHall.objects.exclude(status=TownHall.Status.DRAFT), slug=slug)


@never_cache
def record_json(request: HttpRequest, slug: str) -> JsonResponse:
    """The record as JSON (schema: docs/record.schema.json)."""
    data = record.townhall_record(_published_townhall(slug))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def format_duration(seconds: float | None) -> str:
    """``75`` → "1 min 15 s"; ``None`` → "–"."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return _("%(s)d s") % {"s": whole}
    if whole < 3600 and whole % 60 == 0:
        return _("%(n)d min") % {"n": whole // 60}
    if whole < 3600:
        return _("%(m)d min %(s)d s") % {"m": whole // 60, "s": whole % 60}
    return _("%(h)d h %(m)d min") % {"h": whole // 3600, "m": whole % 3600 // 60}


def _labels() -> dict[str, dict[str, str]]:
    return {
        "status": {
            states.PENDING: _("Pending"),
            states.APPROVED: _("Approved, not answered yet"),
            states.ANSWERED: pgettext("record chart", "Answered"),
            states.REJECTED: pgettext("record chart", "Rejected"),
            states.WITHDRAWN: _("Withdrawn by their author"),
            states.MERGED: _("Merged into a similar question"),
            states.UNHANDLED: _("Not handled before closing"),
        },
        "reason": {
            "off_topic": _("Off topic"),
            "duplicate": _("Duplicate"),
            "abusive": _("Abusive"),
            "personal_data": _("Personal data"),
            "other": _("Other"),
        },
    }


def _when(value: str | None) -> datetime | None:
    return timezone.localtime(datetime.fromisoformat(value)) if value else None


def _context(data: dict[str, Any]) -> dict[str, Any]:
    labels = _labels()
    counts = data["counts"]
    timeline = data["timeline"]
    return {
        "record": data,
        "closed_at": _when(data["townhall"]["closed_at"]),
        "generated_at": _when(data["generated_at"]),
        "statuses": [(labels["status"][s], counts["by_status"][s]) for s in states.STATUSES],
        "reasons": [(labels["reason"][r], counts["by_reject_reason"][r]) for r in states.REJECT_REASONS],
        "topics": [(topic_label(row["topic"]), row["count"]) for row in counts["by_topic"]],
        "median": format_duration(data["time_to_decision"]["median_seconds"]),
        "p90": format_duration(data["time_to_decision"]["p90_seconds"]),
        "questions": [
            {
                **q,
                "asked_at": _when(q["asked_at"]),
                "answered_at": _when(q["answered_at"]),
                "topic_label": topic_label(q["topic"]) if q["topic"] else "",
            }
            for q in data["questions"]
        ],
        "timeline_chart": record_charts.timeline_chart(timeline) if timeline["buckets"] else None,
        "timeline_rows": [{**b, "start": _when(b["start"])} for b in timeline["buckets"]],
        "decision_chart": record_charts.decision_time_chart(data["time_to_decision"]),
        "decision_rows": [
            {"label": record_charts.bin_label(b["from_seconds"], b["to_seconds"]), "count": b["count"]}
            for b in data["time_to_decision"]["histogram"]
        ],
    }


@never_cache
def record_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The record as a page, in the visitor's language."""
    townhall = _published_townhall(slug)
    context = _context(record.townhall_record(townhall))
    context.update(townhall=townhall, json_path=links.record_json_path(slug), citizen_path=links.citizen_path(slug))
    return render(request, "record.html", context)
