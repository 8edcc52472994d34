"""Flood control: the limits on questions, votes and new citizen sessions, and
the alert when a town hall's rate jumps (docs/security.md, "Flood control").

The counters are the rows themselves (questions, votes, citizen sessions,
each with its address and time), counted in the database by the services:
they hold across every server process with no cache to configure, on SQLite
as on PostgreSQL. Questions and sessions are checked under the town hall's
row lock, which serialises them. Votes are checked without it (a storm of
votes would otherwise queue behind that one lock, moderators included), so a
vote limit can be passed by the votes in flight at that instant, at most one
per server thread.

Called by the services only.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from moderation import events
from moderation.exceptions import RateLimited
from moderation.models import CitizenSession, FloodAlert, Question, TownHall, Vote


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def check_limit(rows: QuerySet, *, count: int, window: int, message: str) -> None:
    """Raise ``RateLimited`` when ``rows`` (with ``created_at``) hold ``count``
    or more within the last ``window`` seconds; ``retry_after`` is when the
    oldest of those leaves the window. A count of 0 turns the limit off."""
    if count <= 0:
        return
    now = timezone.now()
    newest = rows.filter(created_at__gte=now - timedelta(seconds=window)).order_by("-created_at")
    nth = list(newest.values_list("created_at", flat=True)[count - 1 : count])
    if nth:
        raise RateLimited(message, retry_after=_seconds_until(nth[0] + timedelta(seconds=window), now))


def check_questions(townhall: TownHall, participant: str, ip: str) -> None:
    """Slow mode, then the limits per session, per address and per town hall."""
    now = timezone.now()
    if townhall.slow_mode:
        last = (
            Question.objects.filter(townhall=townhall, participant=participant)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None and now - last < timedelta(seconds=townhall.slow_mode):
            raise RateLimited(
                f"Slow mode: one question every {townhall.slow_mode} seconds.",
                retry_after=_seconds_until(last + timedelta(seconds=townhall.slow_mode), now),
            )
    check_limit(
        Question.objects.filter(townhall=townhall, participant=participant),
        count=settings.QUESTION_RATE_COUNT,
        window=settings.QUESTION_RATE_WINDOW,
        message=f"You can send {settings.QUESTION_RATE_COUNT} questions every "
        f"{settings.QUESTION_RATE_WINDOW} seconds. Please wait a moment.",
    )
    if ip:
        check_limit(
            Question.objects.filter(ip=ip),
            count=settings.QUESTION_IP_RATE_COUNT,
            window=settings.QUESTION_IP_RATE_WINDOW,
            message="Too many questions from your network right now. Please wait a moment.",
        )
    check_limit(
        Question.objects.filter(townhall=townhall),
        count=settings.QUESTION_TOWNHALL_RATE_COUNT,
        window=settings.QUESTION_TOWNHALL_RATE_WINDOW,
        message="Too many questions are arriving right now. Please wait a moment.",
    )


def check_vote(townhall: TownHall, session_created: datetime | None, participant: str, ip: str) -> None:
    """The session's age (``None``: no session row, as for a test's fixture),
    then the limits per session, per address and per town hall."""
    now = timezone.now()
    if session_created is not None:
        old_enough = session_created + timedelta(seconds=settings.VOTE_MIN_SESSION_AGE)
        if now < old_enough:
            raise RateLimited(
                "Take a moment to read the questions before voting.", retry_after=_seconds_until(old_enough, now)
            )
    check_limit(
        Vote.objects.filter(participant=participant),
        count=settings.VOTE_RATE_COUNT,
        window=settings.VOTE_RATE_WINDOW,
        message="Too many votes. Please wait a moment.",
    )
    if ip:
        check_limit(
            Vote.objects.filter(ip=ip),
            count=settings.VOTE_IP_RATE_COUNT,
            window=settings.VOTE_IP_RATE_WINDOW,
            message="Too many votes from your network right now. Please wait a moment.",
        )
    check_limit(
        Vote.objects.filter(question__townhall=townhall),
        count=settings.VOTE_TOWNHALL_RATE_COUNT,
        window=settings.VOTE_TOWNHALL_RATE_WINDOW,
        message="Too many votes are arriving right now. Please wait a moment.",
    )


def check_new_session(ip: str) -> None:
    if ip:
        check_limit(
            CitizenSession.objects.filter(ip=ip),
            count=settings.CITIZEN_SESSION_RATE_COUNT,
            window=settings.CITIZEN_SESSION_RATE_WINDOW,
            message="Too many new visitors from your network right now. Please try again in a moment.",
        )


def _rows(townhall: TownHall, kind: str) -> QuerySet:
    if kind == FloodAlert.Kind.QUESTIONS:
        return Question.objects.filter(townhall=townhall)
    if kind == FloodAlert.Kind.VOTES:
        return Vote.objects.filter(question__townhall=townhall)
    return CitizenSession.objects.filter(townhall=townhall)


def _minimum(kind: str) -> int:
    return {
        FloodAlert.Kind.QUESTIONS: settings.FLOOD_ALERT_MIN_QUESTIONS,
        FloodAlert.Kind.VOTES: settings.FLOOD_ALERT_MIN_VOTES,
        FloodAlert.Kind.SESSIONS: settings.FLOOD_ALERT_MIN_SESSIONS,
    }[kind]


def detect_burst(townhall: TownHall, kind: str) -> FloodAlert | None:
    """Raise a ``flood.alert`` (stored event, moderators only) when the town
    hall's ``kind`` over the last ``FLOOD_ALERT_WINDOW`` seconds reached its
    minimum and ``FLOOD_ALERT_FACTOR`` times its recent average; at most one
    alert of a kind per window. A ``sessions`` alert marks the sessions of
    the window: their votes are held until the alert is reviewed."""
    from moderation.selectors import flood_alert_record
    from moderation.services._core import append_event, lock_townhall

    window = settings.FLOOD_ALERT_WINDOW
    now = timezone.now()
    start = now - timedelta(seconds=window)
    # First the cheap check: during a storm the alert is already up, and
    # each vote would otherwise count the whole window again.
    if FloodAlert.objects.filter(townhall=townhall, kind=kind, created_at__gte=start).exists():
        return None
    rows = _rows(townhall, kind)
    recent = rows.filter(created_at__gte=start).count()
    if recent < _minimum(kind):
        return None
    baseline_start = start - timedelta(seconds=settings.FLOOD_ALERT_BASELINE)
    before = rows.filter(created_at__gte=baseline_start, created_at__lt=start).count()
    baseline = before * window / max(1, settings.FLOOD_ALERT_BASELINE)
    if recent < settings.FLOOD_ALERT_FACTOR * baseline:
        return None
    with transaction.atomic():
        # The counts above took no lock (a vote holds none); the alert takes
        # the town hall's, for its event, and checks again under it.
        townhall = lock_townhall(townhall.pk)
        if FloodAlert.objects.filter(townhall=townhall, kind=kind, created_at__gte=start).exists():
            return None
        alert = FloodAlert.objects.create(
            townhall=townhall, kind=kind, count=recent, window_seconds=window, baseline=baseline
        )
        if kind == FloodAlert.Kind.SESSIONS:
            CitizenSession.objects.filter(townhall=townhall, created_at__gte=start, burst_alert=None).update(
                burst_alert=alert
            )
        append_event(townhall, events.FLOOD_ALERT, {"alert": flood_alert_record(alert)})
    return alert


def open_session_burst(townhall: TownHall) -> FloodAlert | None:
    """The open ``sessions`` alert of the last window: a session made now belongs to it."""
    start = timezone.now() - timedelta(seconds=settings.FLOOD_ALERT_WINDOW)
    return (
        FloodAlert.objects.filter(
            townhall=townhall, kind=FloodAlert.Kind.SESSIONS, status=FloodAlert.Status.OPEN, created_at__gte=start
        )
        .order_by("-created_at")
        .first()
    )
