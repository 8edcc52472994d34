"""Moderators who leave (issue 11): deactivation closes their consoles;
anonymisation removes their names from every table and keeps their decisions."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from moderation import services
from moderation.models import Decision, Event, ModeratorPresence, TownHall
from moderation.selectors import recent_decisions
from moderation.services.accounts import moderator_anonymise, pseudonym
from moderation.team import display_name, townhall_team
from tests.support import factories
from tests.support.leaks import copies_of

pytestmark = pytest.mark.django_db

USERNAME = "zqalice"
EMAIL = "zqalice.martin@example.org"
FIRST, LAST = "Zqalicia", "Zqmartinez"


@pytest.fixture
def leaver():
    return factories.make_user(USERNAME, first_name=FIRST, last_name=LAST, email=EMAIL)


@pytest.fixture
def colleague():
    return factories.make_user("bob", first_name="Bob")


@pytest.fixture
def townhall(leaver, colleague) -> TownHall:
    return factories.make_townhall(moderators=[leaver, colleague], slug="room")


def session_of(townhall: TownHall, leaver, colleague) -> None:
    """Decisions by both moderators, a console open (presence events), a
    redaction, an admin edit and a failed login: the leaver's names in many rows."""
    services.presence_join(townhall_id=townhall.pk, user=leaver, channel_name="console-1")
    first = factories.make_question(townhall, text="When will the pool reopen?")
    second = factories.make_question(townhall, text="Call me on 06 12 34 56 78 about the tram")
    third = factories.make_question(townhall, text="Why is the library closed on Mondays?")
    services.question_approve(townhall_id=townhall.pk, question_id=first.pk, moderator=leaver)
    services.question_reject(townhall_id=townhall.pk, question_id=second.pk, moderator=leaver, reason="personal_data")
    services.question_approve(townhall_id=townhall.pk, question_id=third.pk, moderator=colleague)
    services.screen_show(townhall_id=townhall.pk, question_id=first.pk, moderator=leaver)
    LogEntry.objects.create(
        user=colleague,
        content_type=ContentType.objects.get_for_model(type(leaver)),
        object_id=str(leaver.pk),
        object_repr=str(leaver),
        action_flag=CHANGE,
        change_message="[]",
    )
    AccessAttempt.objects.create(username=USERNAME, ip_address="203.0.113.9", failures_since_start=1)


def counts(townhall: TownHall) -> dict[int, int]:
    rows = Decision.objects.filter(townhall=townhall).values_list("moderator_id", flat=True)
    return {pk: list(rows).count(pk) for pk in set(rows)}


def test_deactivating_closes_the_consoles_and_keeps_the_decisions(townhall, leaver, colleague):
    # given a moderator with an open console and decisions
    session_of(townhall, leaver, colleague)
    before = counts(townhall)
    last_seq = TownHall.objects.get(pk=townhall.pk).last_seq

    # when the organiser deactivates the account from the command line
    call_command("moderator", "deactivate", USERNAME)

    # then it can no longer moderate: its console is revoked on every process
    leaver.refresh_from_db()
    assert leaver.is_active is False
    revoked = Event.objects.filter(townhall=townhall, seq__gt=last_seq, type="presence.changed").get()
    assert revoked.payload["revoked"] == {"user_id": leaver.pk, "session": None}
    assert not ModeratorPresence.objects.filter(user=leaver).exists()
    assert townhall_team(townhall) == ["Bob"]
    # and its decisions stay, under its name
    assert counts(townhall) == before
    assert display_name(leaver) == f"{FIRST} {LAST}"


def test_anonymising_removes_the_names_from_every_table_and_keeps_the_counts(townhall, leaver, colleague):
    # given a moderator whose names are stored in accounts, events, logs
    session_of(townhall, leaver, colleague)
    before = counts(townhall)
    for needle in (USERNAME, EMAIL, FIRST, LAST):
        assert copies_of(needle), needle

    # when the organiser anonymises the account
    call_command("moderator", "anonymise", USERNAME)

    # then none of its names is stored anywhere
    for needle in (USERNAME, EMAIL, FIRST, LAST):
        assert copies_of(needle) == [], needle
    leaver.refresh_from_db()
    assert (leaver.username, leaver.email, leaver.is_active) == (pseudonym(leaver), "", False)
    assert not leaver.has_usable_password()
    # and the record still counts its decisions, under the pseudonym
    assert counts(townhall) == before
    assert display_name(leaver) == f"moderator-{leaver.pk}"
    names = {d["moderator"]["name"] for d in recent_decisions(townhall.pk)}
    assert names == {f"moderator-{leaver.pk}", "Bob"}
    # and the colleague's names are untouched
    assert ("auth_user", "username") in copies_of("bob")


def test_anonymising_twice_changes_nothing_more(townhall, leaver, colleague):
    # given
    session_of(townhall, leaver, colleague)
    moderator_anonymise(user=leaver)
    payloads = list(Event.objects.order_by("pk").values_list("payload", flat=True))

    # when
    moderator_anonymise(user=leaver)

    # then
    assert list(Event.objects.order_by("pk").values_list("payload", flat=True)) == payloads
    assert leaver.username == pseudonym(leaver)


def test_the_command_refuses_an_unknown_account_and_a_taken_pseudonym(leaver):
    # given an account already called what the pseudonym would be
    factories.make_user(pseudonym(leaver))

    # when / then
    with pytest.raises(CommandError, match="No user"):
        call_command("moderator", "anonymise", "nobody")
    with pytest.raises(CommandError, match="Another account"):
        call_command("moderator", "anonymise", USERNAME)
    leaver.refresh_from_db()
    assert leaver.username == USERNAME and leaver.is_active is True
