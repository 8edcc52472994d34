"""Flood control: citizen sessions, moderators' pause and slow mode, and the
review of a flood alert (docs/security.md, "Flood control")."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from moderation import events, flood, states
from moderation.exceptions import BadRequest, NotFound
from moderation.models import CitizenSession, FloodAlert, Question, TownHall, Vote
from moderation.selectors import flood_alert_record, townhall_record
from moderation.services._core import append_event, check_moderator, decide, lock_townhall, with_decision

MIN_SLOW_MODE = 10
MAX_SLOW_MODE = 600


def citizen_session_start(*, townhall_id: int, ip: str) -> str:
    """Draw a participant id for a citizen page loaded without one, and record
    when and from where (the limits and the vote age count these rows).

    Raises ``RateLimited`` (too many new sessions from ``ip``), ``NotFound``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        flood.check_new_session(ip)
        participant = uuid.uuid4().hex
        CitizenSession.objects.create(
            participant=participant, townhall=townhall, ip=ip, burst_alert=flood.open_session_burst(townhall)
        )
        flood.detect_burst(townhall, FloodAlert.Kind.SESSIONS)
    return participant


def _townhall_changed(townhall: TownHall, decision: dict) -> TownHall:
    append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall), "decision": decision})
    return with_decision(townhall, decision)


def townhall_pause(*, townhall_id: int, moderator: AbstractBaseUser, paused: bool) -> TownHall:
    """Pause (``paused=True``) or resume new questions; votes still count.

    One ``pause`` or ``resume`` decision; nothing when already so (``.decision`` is ``None``).
    Raises ``Forbidden``, ``NotFound``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        if townhall.questions_paused == paused:
            return with_decision(townhall, None)
        townhall.questions_paused = paused
        TownHall.objects.filter(pk=townhall.pk).update(questions_paused=paused)
        decision = decide(townhall, moderator=moderator, action=states.PAUSE if paused else states.RESUME)
        return _townhall_changed(townhall, decision)


def townhall_slow_mode(*, townhall_id: int, moderator: AbstractBaseUser, seconds: int) -> TownHall:
    """Each citizen session may ask one question per ``seconds`` (0: off; else 10 to 600).

    One ``slow_mode`` decision whose reason is the seconds; nothing when unchanged.
    Raises ``BadRequest``, ``Forbidden``, ``NotFound``.
    """
    if seconds != 0 and not MIN_SLOW_MODE <= seconds <= MAX_SLOW_MODE:
        raise BadRequest(f"seconds must be 0 (off) or {MIN_SLOW_MODE} to {MAX_SLOW_MODE}.")
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        if townhall.slow_mode == seconds:
            return with_decision(townhall, None)
        townhall.slow_mode = seconds
        TownHall.objects.filter(pk=townhall.pk).update(slow_mode=seconds)
        decision = decide(townhall, moderator=moderator, action=states.SLOW_MODE, reason=str(seconds))
        return _townhall_changed(townhall, decision)


def flood_review(*, townhall_id: int, moderator: AbstractBaseUser, alert_id: int, accept: bool) -> FloodAlert:
    """Count (``accept``) or drop the votes held with an alert; the alert is
    then ``accepted`` or ``dropped`` (sent again as ``flood.alert``), and the
    new counts go out in a ``question.votes`` event. One ``flood_review``
    decision (reason ``accept`` or ``drop``); a reviewed alert changes nothing.

    Raises ``NotFound``, ``Forbidden``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        alert = FloodAlert.objects.select_for_update().filter(townhall=townhall, pk=alert_id).first()
        if alert is None:
            raise NotFound("No such alert.")
        if alert.status != FloodAlert.Status.OPEN:
            return with_decision(alert, None)
        held = Vote.objects.filter(held_by=alert)
        question_ids = sorted(set(held.values_list("question_id", flat=True)))
        if accept:
            held.update(held_by=None)
        else:
            held.delete()
        alert.status = FloodAlert.Status.ACCEPTED if accept else FloodAlert.Status.DROPPED
        alert.save(update_fields=["status"])
        decision = decide(
            townhall, moderator=moderator, action=states.FLOOD_REVIEW, reason="accept" if accept else "drop"
        )
        append_event(townhall, events.FLOOD_ALERT, {"alert": flood_alert_record(alert), "decision": decision})
        counts = []
        for question in Question.objects.select_for_update().filter(pk__in=question_ids).order_by("pk"):
            question.votes = Vote.objects.filter(question=question, held_by=None).count()
            question.save(update_fields=["votes", "updated_at"])
            if question.status in states.PUBLIC_STATUSES:
                counts.append({"id": question.pk, "votes": question.votes})
        if counts:
            append_event(townhall, events.QUESTION_VOTES, {"votes": counts})
        return with_decision(alert, decision)
