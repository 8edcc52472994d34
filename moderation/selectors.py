"""Reads. Nothing here writes.

``question_record`` is the one full representation of a question that events
store and presenters filter per audience.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from moderation import states
from moderation.models import CitizenSession, Decision, Event, FloodAlert, ModeratorPresence, Question, TownHall, Vote
from moderation.presenters import PROTOCOL_VERSION, Viewer, can_see, render_question, render_townhall
from moderation.team import townhall_team
from moderation.topics import townhall_topics
from townhall import links


def question_record(question: Question) -> dict[str, Any]:
    """Every field any audience may get, JSON-safe."""
    return {
        "id": question.pk,
        "text": question.text,
        "original_text": question.original_text,
        "author": question.author,
        "place": question.place,
        "original_author": question.original_author,
        "original_place": question.original_place,
        "edited": question.edited,
        "personal_data": [dict(item) for item in question.personal_data or []],
        "starred": question.starred,
        "participant": question.participant,
        "status": question.status,
        "reason": question.reason,
        "votes": question.votes,
        "created_at": question.created_at.isoformat(),
        "version": question.version,
        "decided_at": question.decided_at.isoformat() if question.decided_at else None,
        "position": question.position,
        "merged_into": _merged_into(question),
        "held": question.held,
        "held_terms": list(question.held_terms_matched or []),
        "toxicity": {
            "score": question.toxicity_score,
            "labels": dict(question.toxicity_labels or {}),
            "model": question.toxicity_model or None,
            "status": question.scoring_status,
        },
        "redaction": _redaction(question),
        "topic": question.topic,
        "topic_source": question.topic_source,
        "duplicate_suggestions": [dict(item) for item in question.duplicate_suggestions or []],
    }


def _redaction(question: Question) -> dict[str, Any] | None:
    """Who removed personal data from the question, and when (moderators
    only: presenters); never what was removed."""
    if question.redacted_at is None:
        return None
    return {"moderator": _moderator(question.redacted_by), "at": question.redacted_at.isoformat()}


def _moderator(user: AbstractBaseUser | None) -> dict[str, str]:
    """A moderator as the console names them (empty: the command line)."""
    if user is None:
        return {"username": "", "name": ""}
    return {"username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def _merged_into(question: Question) -> dict[str, Any] | None:
    """The question this one was merged into, with its status: the presenters
    show its text to citizens only while it is public."""
    if not question.merged_into_id:
        return None
    target = question.merged_into
    return {"id": target.pk, "text": target.text, "status": target.status}


def decision_record(decision: Decision, *, undone_by: int | None = None) -> dict[str, Any]:
    """One audit row as moderators see it. ``undone_by`` is the ``undo``
    decision that undid it, if any (the caller knows; see ``recent_decisions``).
    A decision made from the command line (closing) has an empty moderator."""
    return {
        "id": decision.pk,
        "moderator": _moderator(decision.moderator),
        "action": decision.action,
        "question_id": decision.question_id,
        "from_status": decision.from_status,
        "to_status": decision.to_status,
        "reason": decision.reason,
        "created_at": decision.created_at.isoformat(),
        "undoes": decision.undoes_id,
        "undone_by": undone_by,
        "undoable": states.undoable(decision.action, decision.reason),
    }


PRESENCE_TTL = 180  # seconds without a frame or a ping before a console is no longer listed


def presence_list(townhall_id: int) -> list[dict[str, Any]]:
    """The moderators in the console now, one entry per person (several tabs count once)."""
    since = timezone.now() - timedelta(seconds=PRESENCE_TTL)
    rows = (
        ModeratorPresence.objects.filter(townhall_id=townhall_id, last_seen__gte=since)
        .select_related("user")
        .order_by("connected_at", "id")
    )
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = people.setdefault(
            row.user_id,
            {
                "username": row.user.get_username(),
                "name": row.user.get_full_name() or row.user.get_username(),
                "editing": None,
            },
        )
        if row.editing_id is not None:
            entry["editing"] = row.editing_id
    return list(people.values())


def flood_alert_record(alert: FloodAlert) -> dict[str, Any]:
    """A ``flood.alert`` as the protocol gives it (moderators only)."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "count": alert.count,
        "window_seconds": alert.window_seconds,
        "baseline": round(alert.baseline, 1),
        "held_votes": Vote.objects.filter(held_by=alert).count(),
        "status": alert.status,
        "created_at": alert.created_at.isoformat(),
    }


def open_flood_alerts(townhall_id: int) -> list[dict[str, Any]]:
    alerts = FloodAlert.objects.filter(townhall_id=townhall_id, status=FloodAlert.Status.OPEN)
    return [flood_alert_record(alert) for alert in alerts]


def recent_decisions(townhall_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The latest decisions, newest first."""
    rows = list(
        Decision.objects.filter(townhall_id=townhall_id)
        .select_related("moderator")
        .order_by("-created_at", "-id")[:limit]
    )
    undone = dict(Decision.objects.filter(undoes__in=[d.pk for d in rows]).values_list("undoes_id", "id"))
    return [decision_record(d, undone_by=undone.get(d.pk)) for d in rows]


def townhall_record(townhall: TownHall) -> dict[str, Any]:
    from moderation.scoring import registry

    urls = links.townhall_urls(townhall.slug, townhall.screen_key)
    return {
        "slug": townhall.slug,
        "title": townhall.title,
        "status": townhall.status,
        "max_question_length": townhall.max_question_length,
        "queue_order": townhall.queue_order,
        "questions_paused": townhall.questions_paused,
        "slow_mode": townhall.slow_mode,
        "join_code": townhall.join_code or "",
        "join_url": urls["join_url"],
        "hold_threshold": townhall.hold_threshold,
        "held_terms": list(townhall.held_terms or []),
        "screen_key": townhall.screen_key,
        "screen_url": urls["screen_url"],
        "scorer": registry.scorer_status(),
        # Public: "Moderated by ..." on the screen and the citizen page.
        "team": townhall_team(townhall),
        # The topic keys in console key order (1-9): moderators only (presenters).
        "topics": townhall_topics(townhall.topics),
    }


def townhall_by_slug(slug: str) -> TownHall | None:
    return TownHall.objects.filter(slug=slug).first()


def hold_rules(townhall_id: int) -> tuple[list[str], float]:
    """The town hall's held terms and hold threshold, as they are now."""
    terms, threshold = TownHall.objects.filter(pk=townhall_id).values_list("held_terms", "hold_threshold").get()
    return list(terms or []), threshold


def screen_question_record(townhall: TownHall) -> dict[str, Any] | None:
    """The record of the question on ``townhall``'s screen, or ``None``."""
    question = townhall.screen_question
    return None if question is None else question_record(question)


def townhall_by_join_code(code: str) -> TownHall | None:
    """The town hall a citizen's typed code names: case, spaces and dashes do not matter."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    if not normalised:
        return None
    return TownHall.objects.filter(join_code=normalised).first()


def is_moderator(user: AbstractBaseUser | AnonymousUser, townhall: TownHall) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return townhall.moderators.filter(pk=user.pk).exists()


def participant_votes(townhall: TownHall, participant: str) -> set[int]:
    return set(
        Vote.objects.filter(question__townhall=townhall, participant=participant).values_list("question_id", flat=True)
    )


def snapshot_data(townhall_id: int) -> tuple[int, dict[str, Any], list[dict[str, Any]], int | None]:
    """``(seq, townhall record, every question's record oldest first, screen question id)``.

    ``seq`` is read before the data, so the data is at least as new as
    ``seq``; events after it are re-applied idempotently by the client.
    """
    townhall = TownHall.objects.get(pk=townhall_id)
    questions = (
        Question.objects.filter(townhall=townhall)
        .select_related("merged_into", "redacted_by")
        .order_by("created_at", "id")
    )
    return (
        townhall.last_seq,
        townhall_record(townhall),
        [question_record(q) for q in questions],
        townhall.screen_question_id,
    )


def snapshot(viewer: Viewer, townhall_id: int) -> dict[str, Any]:
    """The first frame of a socket: everything ``viewer`` may see now (docs/protocol.md).

    Citizens and screens get the same from ``consumers.snapshots``, shared by
    every socket of a process; this one serves moderators, tests and replays.
    """
    seq, townhall, records, screen_id = snapshot_data(townhall_id)
    screen_record = next((r for r in records if r["id"] == screen_id), None)
    frame = {
        "type": "snapshot",
        "seq": seq,
        "protocol": PROTOCOL_VERSION,
        "townhall": render_townhall(viewer, townhall),
        "questions": [render_question(viewer, r) for r in records if can_see(viewer, r)],
        "screen": {"question": None if screen_record is None else render_question(viewer, screen_record)},
    }
    if viewer.role == "moderator":
        frame["decisions"] = recent_decisions(townhall_id)
        frame["presence"] = presence_list(townhall_id)
        frame["flood_alerts"] = open_flood_alerts(townhall_id)
    return frame


def events_between(townhall_id: int, after_seq: int, before_seq: int) -> list[Event]:
    """Stored events with ``after_seq < seq < before_seq``, in order."""
    return list(Event.objects.filter(townhall_id=townhall_id, seq__gt=after_seq, seq__lt=before_seq).order_by("seq"))


def unscored_question_ids(*, max_attempts: int, townhall_id: int | None = None) -> list[int]:
    """Questions without a score that may still be tried, oldest first."""
    qs = Question.objects.exclude(scoring_status=Question.ScoringStatus.SCORED).filter(
        scoring_attempts__lt=max_attempts
    )
    if townhall_id is not None:
        qs = qs.filter(townhall_id=townhall_id)
    return list(qs.order_by("created_at", "id").values_list("id", flat=True))


def question_text(question_id: int) -> str | None:
    return Question.objects.filter(pk=question_id).values_list("text", flat=True).first()


def duplicate_candidates(question_id: int) -> tuple[str, list[tuple[int, str]]] | None:
    """A question's text and the town hall's other open questions (those it
    could be merged into) as ``(id, text)``, oldest first; ``None`` if the
    question is gone or no longer open."""
    question = Question.objects.filter(pk=question_id).values("townhall_id", "text", "status").first()
    if question is None or question["status"] not in states.MERGE_TARGET_STATUSES:
        return None
    others = (
        Question.objects.filter(townhall_id=question["townhall_id"], status__in=states.MERGE_TARGET_STATUSES)
        .exclude(pk=question_id)
        .order_by("id")
        .values_list("id", "text")
    )
    return question["text"], list(others)


def last_seqs(townhall_ids: list[int]) -> dict[int, int]:
    """The last event ``seq`` of each town hall, in one query (the poll of each process's hub)."""
    return dict(TownHall.objects.filter(pk__in=townhall_ids).values_list("pk", "last_seq"))


def stale_pending_question_ids(*, older_than: float) -> list[int]:
    """Questions still waiting for a score, untouched for ``older_than`` seconds (a lost task)."""
    since = timezone.now() - timedelta(seconds=older_than)
    return list(
        Question.objects.filter(scoring_status=Question.ScoringStatus.PENDING, updated_at__lt=since)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def citizen_session_townhall(participant: str) -> int | None:
    """The town hall whose citizen page drew ``participant`` (its ``CitizenSession`` row), if known."""
    return CitizenSession.objects.filter(participant=participant).values_list("townhall_id", flat=True).first()


def citizen_data(townhall: TownHall, participant: str | None) -> dict[str, Any]:
    """What the service holds about one citizen in one town hall, for them to
    download: their questions as they typed them and as they are now, their
    votes and when their session began. ``participant`` ``None``: nothing."""
    out: dict[str, Any] = {
        "townhall": {"slug": townhall.slug, "title": townhall.title, "status": townhall.status},
        "session_started_at": None,
        "questions": [],
        "votes": [],
    }
    if not participant:
        return out
    questions = Question.objects.filter(townhall=townhall, participant=participant).order_by("created_at", "id")
    votes = Vote.objects.filter(question__townhall=townhall, participant=participant).order_by("created_at", "id")
    session = CitizenSession.objects.filter(participant=participant, townhall=townhall).first()
    return {
        **out,
        "session_started_at": session.created_at.isoformat() if session else None,
        "questions": [
            {
                "id": q.pk,
                "text": q.text,
                "author": q.author,
                "place": q.place,
                "original_text": q.original_text,
                "original_author": q.original_author,
                "original_place": q.original_place,
                "edited": q.edited,
                "status": q.status,
                "reason": q.reason if q.status == states.REJECTED else "",
                "votes": q.votes,
                "created_at": q.created_at.isoformat(),
                "decided_at": q.decided_at.isoformat() if q.decided_at else None,
            }
            for q in questions
        ],
        "votes": [{"question_id": v.question_id, "created_at": v.created_at.isoformat()} for v in votes],
    }
