"""Votes take no town-hall lock (moderation/services/citizens.py): many at
once, from many threads with their own database connections, still count
each voter once, and a moderator's recount in the middle loses none.

Runs on the suite's database: PostgreSQL in CI (row locks, READ COMMITTED),
SQLite on the embedded defaults (one writer at a time)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from moderation import services, states
from moderation.exceptions import Conflict, NotFound
from moderation.models import FloodAlert, Question, Vote
from tests.support import factories

VOTERS = 60
THREADS = 8


@pytest.fixture
def room(transactional_db):
    moderator = factories.make_user()
    townhall = factories.make_townhall(moderators=[moderator], slug="storm")
    question = factories.make_question(townhall, text="Will the night buses run on Sundays?")
    question = services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    return townhall, moderator, question


def in_threads(calls) -> list:
    """Run the calls in a pool of threads, each on its own connection; the
    first round starts together, and each thread takes the next call when free."""
    barrier = threading.Barrier(min(THREADS, len(calls)))

    def run(indexed):
        index, call = indexed
        try:
            if index < barrier.parties:
                barrier.wait(timeout=30)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, enumerate(calls)))


def vote(townhall, question, participant: str, up: bool = True):
    def call():
        try:
            return services.question_vote(
                townhall_id=townhall.pk, question_id=question.pk, participant=participant, up=up
            )[0].votes
        except (Conflict, NotFound):
            return "refused"  # the question is no longer open to votes

    return call


def test_votes_at_once_each_count_once(room):
    # given an approved question
    townhall, _, question = room

    # when 60 citizens vote at once, each twice (two sockets of one session)
    results = in_threads([vote(townhall, question, f"v{n % VOTERS}") for n in range(2 * VOTERS)])

    # then each counts once, and the stored count is the rows'
    question.refresh_from_db()
    assert question.votes == VOTERS == Vote.objects.filter(question=question).count()
    assert max(results) == VOTERS

    # when half of them take their vote back at once
    in_threads([vote(townhall, question, f"v{n}", up=False) for n in range(VOTERS // 2)])

    # then the count follows
    question.refresh_from_db()
    assert question.votes == VOTERS - VOTERS // 2 == Vote.objects.filter(question=question).count()


def test_a_review_recount_during_votes_loses_none(room, settings):
    # given votes held by a flood alert, waiting for a review
    townhall, moderator, question = room
    alert = FloodAlert.objects.create(
        townhall=townhall, kind=FloodAlert.Kind.SESSIONS, count=5, window_seconds=60, baseline=0
    )
    for n in range(5):
        Vote.objects.create(question=question, participant=f"held{n}", held_by=alert)

    # when the moderator accepts them (a recount) while 40 others vote
    def review():
        services.flood_review(townhall_id=townhall.pk, moderator=moderator, alert_id=alert.pk, accept=True)
        return "review"

    calls = [vote(townhall, question, f"v{n}") for n in range(40)]
    calls.insert(20, review)
    in_threads(calls)

    # then every vote counts, held ones included
    question.refresh_from_db()
    assert question.votes == 45 == Vote.objects.filter(question=question, held_by=None).count()


def test_a_vote_racing_a_rejection_is_not_counted_on_the_rejected_question(room):
    # given an approved question, rejected while votes come in
    townhall, moderator, question = room

    def reject():
        services.question_reject(
            townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, reason="off_topic"
        )
        return "rejected"

    calls = [vote(townhall, question, f"v{n}") for n in range(30)]
    calls.insert(10, reject)
    results = in_threads(calls)

    # then the votes that were counted are exactly the stored rows, and the
    # ones after the rejection were refused
    question.refresh_from_db()
    assert question.status == states.REJECTED
    assert question.votes == Vote.objects.filter(question=question).count()
    assert "refused" in results or question.votes == 30


def test_a_vote_burst_raises_one_alert_for_the_moderators(room, settings):
    # given the documented flood-control defaults, with a low minimum for votes
    for name, value in settings.FLOOD_CONTROL_DEFAULTS.items():
        setattr(settings, name, value)
    settings.VOTE_MIN_SESSION_AGE = 0
    settings.FLOOD_ALERT_MIN_VOTES = 10
    townhall, _, question = room
    others = [
        services.question_approve(
            townhall_id=townhall.pk,
            question_id=factories.make_question(townhall, text=f"Question {n}?").pk,
            moderator=room[1],
        )
        for n in range(2)
    ]

    # when 30 citizens vote at once on three questions
    in_threads([vote(townhall, [question, *others][n % 3], f"v{n}") for n in range(30)])

    # then one votes alert was raised, with its event for the consoles
    alerts = list(FloodAlert.objects.filter(townhall=townhall, kind=FloodAlert.Kind.VOTES))
    assert len(alerts) == 1 and alerts[0].count >= 10
    assert townhall.events.filter(type="flood.alert").count() == 1
    assert sum(Question.objects.filter(townhall=townhall).values_list("votes", flat=True)) == 30
