"""The charter page, its moderators' form, and the charter, team and privacy
notice on the citizen page and the screen (issue 11), through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from moderation import states
from moderation.models import Decision, Event, TownHall
from tests.support import factories
from tests.test_views import assert_csp

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def moderator():
    return factories.make_user("alice", first_name="Alice", last_name="Martin")


@pytest.fixture
def townhall(moderator) -> TownHall:
    return factories.make_townhall(moderators=[moderator, factories.make_user("bob")], slug="room", title="Tram")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_charter_page_shows_the_team_reasons_threshold_and_privacy(townhall, settings):
    # given a deployment's controller and contact, and a town hall holding at 70%
    settings.PRIVACY_CONTROLLER = "Ville de Lyon"
    settings.PRIVACY_CONTACT = "dpo@lyon.example"
    settings.RETENTION_DAYS = 45
    TownHall.objects.filter(pk=townhall.pk).update(hold_threshold=0.7, held_terms=["voyou", "escroc"])

    # when anyone opens the charter
    response = Client().get("/t/room/charter/")

    # then it names the team, every reject reason, the threshold, the terms' count and the privacy notice
    assert response.status_code == 200
    assert_csp(response)
    html = response.content.decode()
    assert "Alice Martin" in html and "bob" in html
    assert len(re.findall(r'data-reason="', html)) == len(states.REJECT_REASONS)
    assert "70%" in html and "2 terms" in html and "voyou" not in html
    assert "Ville de Lyon" in html and 'href="mailto:dpo@lyon.example"' in html
    assert "45 days" in html


def test_the_charter_page_escapes_what_moderators_and_names_hold(townhall, moderator):
    # given texts and a public name holding markup
    townhall.charter_scope = f"Budget {SCRIPT}"
    townhall.charter_contest = "Line one\nLine <b>two</b>"
    townhall.charter_contact = 'x" onmouseover="alert(1)'
    townhall.save()
    moderator.first_name, moderator.last_name = SCRIPT, ""
    moderator.save()

    # when the charter is read
    html = Client().get("/t/room/charter/").content.decode()

    # then nothing of it is markup, and newlines are kept as line breaks
    assert SCRIPT not in html and "<b>two</b>" not in html
    assert "Budget &lt;script&gt;" in html and "Line one<br>Line &lt;b&gt;two&lt;/b&gt;" in html
    assert 'onmouseover="alert(1)' not in html


def test_a_drafts_charter_is_404_as_its_other_pages(moderator):
    factories.make_townhall(moderators=[moderator], slug="draft", status=TownHall.Status.DRAFT)
    assert Client().get("/t/draft/charter/").status_code == 404


def test_the_charter_page_is_in_french_for_french_readers(townhall):
    html = Client(headers={"accept-language": "fr"}).get("/t/room/charter/").content.decode()
    assert "Charte de modération" in html and "Pourquoi une question peut être refusée" in html


def test_the_citizen_page_shows_team_charter_and_privacy_by_the_send_button(townhall, settings):
    # given a deployment's privacy settings
    settings.PRIVACY_CONTROLLER = "Mairie de Test"
    settings.RETENTION_DAYS = 30

    # when a citizen opens the page
    html = Client().get("/t/room/").content.decode()

    # then the team, the charter's link and the privacy notice are in the ask box, by the Send
    # button, before the questions' list
    box = html[html.index('data-testid="ask-panel"') : html.index('id="questions"')]
    submit = box.index('data-testid="ask-submit"')
    for marker in ('data-testid="team-names"', 'href="/t/room/charter/"', 'data-testid="privacy-notice"'):
        assert submit < box.index(marker), marker
    assert "Alice Martin, bob" in html
    assert "Mairie de Test" in html and "30 days" in html


def test_the_screen_shows_who_moderates(townhall):
    html = Client().get(f"/t/room/screen/?key={townhall.screen_key}").content.decode()
    team = re.search(r'data-testid="screen-team-names">([^<]*)<', html)
    assert team and team.group(1) == "Alice Martin, bob"
    assert 'id="team" hidden' not in html


def test_the_console_links_to_the_charter_form(townhall, moderator):
    html = logged_in(moderator).get("/t/room/moderate/").content.decode()
    assert 'href="/t/room/charter/edit/"' in html


# --- the moderators' form -------------------------------------------------------------


def test_the_charter_form_is_for_the_town_halls_moderators_only(townhall):
    assert Client().get("/t/room/charter/edit/").status_code == 302
    eve = logged_in(factories.make_user("eve"))
    assert eve.get("/t/room/charter/edit/").status_code == 403
    refused = eve.post("/t/room/charter/edit/", {"form": "charter", "scope": "x"})
    assert refused.status_code == 403
    assert TownHall.objects.get(pk=townhall.pk).charter_scope == ""


def test_a_moderator_saves_the_charter_through_the_audited_service(townhall, moderator):
    # given the form
    client = logged_in(moderator)
    page = client.get("/t/room/charter/edit/")
    assert page.status_code == 200
    assert_csp(page)

    # when the moderator saves new texts
    response = client.post(
        "/t/room/charter/edit/", {"form": "charter", "scope": "Budget only.", "contest": "", "contact": "m@ex.org"}
    )

    # then they are stored with a charter decision and an event, and the public page shows them
    assert response.status_code == 302 and response["Location"].endswith("?saved=charter")
    stored = TownHall.objects.get(pk=townhall.pk)
    assert (stored.charter_scope, stored.charter_contact) == ("Budget only.", "m@ex.org")
    assert Decision.objects.filter(townhall=townhall, action=states.CHARTER, moderator=moderator).count() == 1
    assert Event.objects.filter(townhall=townhall, type="townhall.updated").exists()
    assert "Budget only." in Client().get("/t/room/charter/").content.decode()


def test_a_too_long_charter_is_refused_with_the_form_again(townhall, moderator):
    response = logged_in(moderator).post("/t/room/charter/edit/", {"form": "charter", "scope": "x" * 4001})
    assert response.status_code == 400
    assert 'data-testid="field-scope"' in response.content.decode()
    assert TownHall.objects.get(pk=townhall.pk).charter_scope == ""


def test_a_moderator_sets_the_name_the_public_sees(townhall, moderator):
    # when the moderator saves a public name
    response = logged_in(moderator).post("/t/room/charter/edit/", {"form": "name", "name": "A. Martin"})

    # then the citizen page and the charter show it, audited in the town hall
    assert response.status_code == 302
    assert "A. Martin, bob" in Client().get("/t/room/").content.decode()
    assert Decision.objects.filter(townhall=townhall, action=states.DISPLAY_NAME).count() == 1
