"""Retention: ``manage.py purge`` removes a closed town hall's personal data
after RETENTION_DAYS and keeps its anonymous record (docs/security.md)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from moderation import record, services
from moderation.models import CitizenSession, Decision, Question, TownHall, Vote
from tests.support import factories, personal_scan, town_session

pytestmark = pytest.mark.django_db


def _closed(slug: str, days_ago: float) -> town_session.Session:
    session = town_session.make_session(slug)
    services.townhall_close(townhall_id=session.townhall.pk, moderator=session.moderator)
    TownHall.objects.filter(pk=session.townhall.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    session.townhall.refresh_from_db()
    return session


def _record(townhall: TownHall) -> dict:
    """What the anonymous record counts: statuses, reasons, votes, decisions by moderator and action."""
    questions = Question.objects.filter(townhall=townhall)
    return {
        "statuses": Counter(questions.values_list("status", flat=True)),
        "reasons": Counter(questions.values_list("reason", flat=True)),
        "votes": sorted(questions.values_list("pk", "votes")),
        "vote_rows": Vote.objects.filter(question__townhall=townhall).count(),
        "decisions": Counter(Decision.objects.filter(townhall=townhall).values_list("moderator_id", "action")),
        "times": sorted(questions.values_list("pk", "created_at", "decided_at")),
    }


def _purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def test_purge_leaves_no_copy_of_personal_data_in_any_table_and_keeps_the_record(settings):
    # given a town hall closed 31 days ago, with a 30-day retention
    settings.RETENTION_DAYS = 30
    old = _closed("old", days_ago=31)
    assert personal_scan.where_stored(*old.strings)  # the scenario did store them
    record = _record(old.townhall)

    # when
    output = _purge()

    # then no text, JSON or character column of any table holds them
    assert personal_scan.where_stored(*old.strings) == []
    assert "old (closed" in output and "1 town hall(s) purged." in output
    # and the anonymous record is as it was
    assert _record(old.townhall) == record
    assert CitizenSession.objects.filter(townhall=old.townhall).count() == 0
    # the answered question keeps its final, public text, marked as edited
    approved = Question.objects.get(pk=old.approved.pk)
    assert approved.text == "Quand les travaux du pont commencent-ils ?" and approved.edited
    assert (approved.author, approved.place, approved.original_text) == ("", "", "")
    # a rejected question keeps its reason only
    rejected = Question.objects.get(pk=old.rejected.pk)
    assert (rejected.text, rejected.reason, rejected.status) == ("", "abusive", "rejected")
    old.townhall.refresh_from_db()
    assert old.townhall.purged_at is not None


def test_purge_runs_again_without_changing_anything(settings):
    # given a purged town hall
    settings.RETENTION_DAYS = 30
    old = _closed("old", days_ago=40)
    _purge()
    before = personal_scan.table_rows()

    # when purge runs again, and purging this town hall is asked for again
    output = _purge()
    again = services.townhall_purge(townhall_id=old.townhall.pk)

    # then nothing changed
    assert "Nothing to purge" in output
    assert again.total == 0
    assert personal_scan.table_rows() == before


def test_town_halls_within_retention_and_live_ones_are_untouched(settings):
    # given a town hall closed 29 days ago and a live one, with a 30-day retention
    settings.RETENTION_DAYS = 30
    recent = _closed("recent", days_ago=29)
    live = town_session.make_session("live")
    before = personal_scan.table_rows()

    # when
    output = _purge()

    # then
    assert "Nothing to purge" in output
    assert personal_scan.table_rows() == before
    assert {value for value, _, _ in personal_scan.where_stored(*recent.strings, *live.strings)} == {
        *recent.strings,
        *live.strings,
    }


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(settings):
    # given an expired town hall
    settings.RETENTION_DAYS = 30
    _closed("old", days_ago=31)
    before = personal_scan.table_rows()

    # when
    output = _purge("--dry-run")

    # then
    assert output.startswith("[dry run] old (closed") and "questions" in output
    assert "would be purged" in output
    assert personal_scan.table_rows() == before


def test_the_retention_counts_from_closing_and_reopening_restarts_it(settings):
    # given a town hall closed now: closed_at is stamped
    settings.RETENTION_DAYS = 0
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="reopen")
    services.townhall_close(townhall_id=townhall.pk, moderator=moderator)
    townhall.refresh_from_db()
    assert townhall.closed_at is not None and townhall.closed_at <= timezone.now()
    assert list(services.townhalls_due_for_purge()) == [townhall]

    # when it is opened again
    services.townhall_set_status(townhall_id=townhall.pk, status="live")

    # then it is not due any more
    townhall.refresh_from_db()
    assert townhall.closed_at is None and list(services.townhalls_due_for_purge()) == []


def test_purging_a_town_hall_that_is_not_closed_is_refused():
    townhall = factories.make_townhall(slug="open")
    with pytest.raises(ValueError):
        services.townhall_purge(townhall_id=townhall.pk)


def test_the_public_record_is_the_same_after_the_purge_but_for_names_and_places(settings):
    # given an expired town hall and its public record
    settings.RETENTION_DAYS = 30
    old = _closed("old", days_ago=31)
    now = timezone.now()
    before = record.townhall_record(old.townhall, now=now)
    assert any(q["author"] for q in before["questions"])  # names were shown

    # when
    _purge()

    # then the record counts, times and texts are unchanged; names and places are gone
    old.townhall.refresh_from_db()
    after = record.townhall_record(old.townhall, now=now)
    anonymous = [{**q, "author": "", "place": ""} for q in before["questions"]]
    assert after["questions"] == anonymous
    assert {k: v for k, v in after.items() if k != "questions"} == {k: v for k, v in before.items() if k != "questions"}
