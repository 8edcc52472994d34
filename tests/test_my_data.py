"""A citizen's own data: one participant id per town hall, download and
erase from the citizen page (townhall/my_data.py, services.citizen_erase)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from consumers.entries import read_entries
from moderation import participants, services
from moderation.models import CitizenSession, Decision, Event, Question, TownHall, Vote
from tests.support import factories, personal_scan, town_session

pytestmark = pytest.mark.django_db


def _citizen(client: Client, townhall: TownHall) -> str:
    """Load the citizen page: the browser's participant id there."""
    assert client.get(f"/t/{townhall.slug}/").status_code == 200
    participant = participants.participant_of(client.session, townhall.pk)
    assert participant
    return participant


def test_two_town_halls_in_one_browser_get_different_participant_ids():
    # given two town halls
    first, second = factories.make_townhall(slug="first"), factories.make_townhall(slug="second")
    browser = Client()

    # when one browser opens both, then the first again
    one, two = _citizen(browser, first), _citizen(browser, second)
    again = _citizen(browser, first)

    # then each town hall has its own id, which stays
    assert one != two and again == one
    assert CitizenSession.objects.get(participant=one).townhall == first
    assert CitizenSession.objects.get(participant=two).townhall == second


def test_a_socket_reads_the_id_of_its_own_town_hall_only_and_a_legacy_id_where_it_was_drawn():
    # given a session with an id in "first" only, and a legacy session drawn in "first"
    first = factories.make_townhall(slug="first")
    factories.make_townhall(slug="second")
    key, participant = factories.citizen_session(first)
    legacy_id = services.citizen_session_start(townhall_id=first.pk, ip="")
    legacy = SessionStore()
    legacy[participants.LEGACY_KEY] = legacy_id
    legacy.create()

    # when sockets of both sessions enter both town halls (one batch)
    sessions = [SessionStore(session_key=key), SessionStore(session_key=legacy.session_key)]
    entries = read_entries(
        [("first", sessions[0]), ("second", sessions[0]), ("first", sessions[1]), ("second", sessions[1])]
    )

    # then each id counts only in its town hall
    assert [entry.participant for entry in entries] == [participant, None, legacy_id, None]


def test_a_legacy_session_keeps_its_id_in_its_town_hall_and_gets_a_new_one_elsewhere():
    # given a browser whose session predates per-town-hall ids
    first, second = factories.make_townhall(slug="first"), factories.make_townhall(slug="second")
    legacy_id = services.citizen_session_start(townhall_id=first.pk, ip="")
    browser = Client()
    session = browser.session
    session[participants.LEGACY_KEY] = legacy_id
    session.save()
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key

    # when it opens the other town hall, then its own
    elsewhere = _citizen(browser, second)
    home = _citizen(browser, first)

    # then its old id stays in its own town hall only, and the shared key is gone
    assert home == legacy_id and elsewhere != legacy_id
    assert participants.LEGACY_KEY not in browser.session


def test_a_citizens_cookie_lives_citizen_session_age(settings):
    settings.CITIZEN_SESSION_AGE = 3600
    townhall = factories.make_townhall(slug="room")
    response = Client().get("/t/room/")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 3600
    assert townhall.pk


def _browser_of(participant: str, townhall: TownHall) -> Client:
    browser = Client(enforce_csrf_checks=True)
    key, _ = factories.citizen_session(townhall, participant)
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = key
    return browser


def _csrf(browser: Client, townhall: TownHall) -> str:
    browser.get(f"/t/{townhall.slug}/")
    return browser.cookies[django_settings.CSRF_COOKIE_NAME].value


def test_a_citizen_downloads_their_own_questions_and_no_one_elses():
    # given Zoé's session in a town hall where others asked too
    scene = town_session.make_session("room")
    browser = _browser_of(scene.zoe, scene.townhall)

    # when
    response = browser.get("/t/room/my-data.json")

    # then it is a file of her questions as she typed them, and her vote
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="room-my-data.json"'
    data = json.loads(response.content)
    mine = {scene.approved.pk, scene.rejected.pk, scene.pending.pk, scene.merged.pk}
    assert {q["id"] for q in data["questions"]} == mine
    approved = next(q for q in data["questions"] if q["id"] == scene.approved.pk)
    assert town_session.PHONE in approved["original_text"] and approved["original_author"] == town_session.NAME
    assert [v["question_id"] for v in data["votes"]] == [scene.public.pk]
    assert town_session.WITHDRAWN_TEXT not in response.content.decode()
    # and a browser that never asked there gets empty lists
    empty = json.loads(Client().get("/t/room/my-data.json").content)
    assert (empty["questions"], empty["votes"]) == ([], [])


def test_erasing_needs_a_post_with_the_csrf_token_and_the_box_ticked():
    # given Zoé's session
    scene = town_session.make_session("room")
    browser = _browser_of(scene.zoe, scene.townhall)
    token = _csrf(browser, scene.townhall)

    # when she posts without the token, with GET, or without ticking the box
    no_token = browser.post("/t/room/my-data/erase", {"confirm": "yes"})
    by_get = browser.get("/t/room/my-data/erase")
    unticked = browser.post("/t/room/my-data/erase", {"csrfmiddlewaretoken": token})

    # then nothing was erased
    assert (no_token.status_code, by_get.status_code, unticked.status_code) == (403, 405, 302)
    assert Question.objects.get(pk=scene.pending.pk).author == town_session.NAME


def test_a_citizens_erase_leaves_no_copy_of_their_data_and_keeps_the_counts():
    # given Zoé's questions (answered, rejected, merged, pending), her vote, and others' data
    scene = town_session.make_session("room")
    browser = _browser_of(scene.zoe, scene.townhall)
    token = _csrf(browser, scene.townhall)
    zoe_strings = [town_session.PHONE, town_session.NAME, town_session.PLACE, town_session.EDITED_NAME]
    zoe_strings += [town_session.REJECTED_TEXT, scene.zoe, scene.approved.text]
    assert {value for value, _, _ in personal_scan.where_stored(*zoe_strings)} == set(zoe_strings)
    questions = Question.objects.filter(townhall=scene.townhall).count()
    votes = dict(Question.objects.filter(townhall=scene.townhall).values_list("pk", "votes"))
    decisions = Decision.objects.filter(townhall=scene.townhall).count()
    scene.townhall.refresh_from_db()
    last_seq = scene.townhall.last_seq

    # when she erases her data
    response = browser.post("/t/room/my-data/erase", {"confirm": "yes", "csrfmiddlewaretoken": token})

    # then she is back on the page, told so, with a new id there
    assert response.status_code == 302 and response["Location"] == "/t/room/?erased=1#my-data"
    page = browser.get(response["Location"])
    assert b'data-testid="my-data-erased"' in page.content
    assert participants.participant_of(browser.session, scene.townhall.pk) not in (None, scene.zoe)
    # no text, JSON or character column of any table holds her data
    assert personal_scan.where_stored(*zoe_strings) == []
    # her pending question was withdrawn; the rows and counts stay
    assert Question.objects.get(pk=scene.pending.pk).status == "withdrawn"
    assert Question.objects.filter(townhall=scene.townhall).count() == questions
    assert dict(Question.objects.filter(townhall=scene.townhall).values_list("pk", "votes")) == votes
    assert Decision.objects.filter(townhall=scene.townhall).count() == decisions
    assert Vote.objects.filter(question=scene.public).count() == scene.public.votes
    # the others' data is untouched
    assert Question.objects.get(pk=scene.withdrawn.pk).text == town_session.WITHDRAWN_TEXT
    assert Vote.objects.filter(participant=scene.others[0]).exists()
    # and every changed question was told to the room, without her text
    told = Event.objects.filter(townhall=scene.townhall, seq__gt=last_seq, type="question.updated")
    assert {e.payload["question"]["id"] for e in told} == {
        scene.approved.pk,
        scene.rejected.pk,
        scene.pending.pk,
        scene.merged.pk,
    }


def test_an_erased_question_on_screen_leaves_the_screen():
    # given Zoé's approved question on the screen
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    zoe = services.citizen_session_start(townhall_id=townhall.pk, ip="")
    question = factories.make_question(townhall, participant=zoe, text="Où en est le marché couvert ?")
    services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)

    # when she erases her data
    done = services.citizen_erase(townhall_id=townhall.pk, participant=zoe)

    # then it is withdrawn, off the screen, without text
    townhall.refresh_from_db()
    question.refresh_from_db()
    assert done.withdrawn == [question.pk]
    assert townhall.screen_question_id is None
    assert (question.status, question.text) == ("withdrawn", "")


def test_an_erase_after_closing_changes_no_status_and_a_later_purge_finds_nothing_more_of_hers(settings):
    # given a closed town hall where Zoé asked
    settings.RETENTION_DAYS = 0
    scene = town_session.make_session("room")
    services.townhall_close(townhall_id=scene.townhall.pk, moderator=scene.moderator)
    statuses = dict(Question.objects.filter(townhall=scene.townhall).values_list("pk", "status"))

    # when she erases her data, then the purge runs
    done = services.citizen_erase(townhall_id=scene.townhall.pk, participant=scene.zoe)
    services.townhall_purge(townhall_id=scene.townhall.pk)

    # then no status changed, and none of her data is left anywhere
    assert done.withdrawn == [] and done.questions == 4
    assert dict(Question.objects.filter(townhall=scene.townhall).values_list("pk", "status")) == statuses
    assert personal_scan.where_stored(town_session.NAME, town_session.PHONE, scene.zoe) == []
