"""The page views and /healthz, through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from moderation import participants
from moderation.models import TownHall
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return factories.make_user("alice")


@pytest.fixture
def townhall(moderator) -> TownHall:
    return factories.make_townhall(moderators=[moderator], slug="room", title="Tram line north")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_csp(response) -> None:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no CSP on {response.request['PATH_INFO']}"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


# --- index ------------------------------------------------------------------------


def test_index_lists_live_town_halls_only(townhall):
    # given a live, a draft and a closed town hall
    factories.make_townhall(slug="draft-one", title="Draft budget", status="draft")
    factories.make_townhall(slug="closed-one", title="Closed parks", status="closed")
    factories.make_townhall(slug="another", title="Another live one")

    # when
    response = Client().get("/")

    # then only the live ones are listed, by title
    assert response.status_code == 200
    assert [t.slug for t in response.context["townhalls"]] == ["another", "room"]
    html = response.content.decode()
    assert "Tram line north" in html and "/t/room/" in html
    assert "Draft budget" not in html and "Closed parks" not in html


# --- citizen page -------------------------------------------------------------------


def test_citizen_page_sets_a_session_with_a_participant(townhall):
    # given a visitor without a session
    client = Client()

    # when
    response = client.get("/t/room/")

    # then the page renders and a session holds a random participant id
    assert response.status_code == 200
    assert response.context["townhall"].pk == townhall.pk
    assert response.context["ws_path"] == "/ws/t/room/?v=2"
    assert "sessionid" in response.cookies
    participant = participants.participant_of(client.session, townhall.pk)
    assert re.fullmatch(r"[0-9a-f]{32}", participant)


def test_citizen_page_keeps_the_participant_across_visits(townhall):
    # given a visitor who already loaded the page
    client = Client()
    client.get("/t/room/")
    participant = participants.participant_of(client.session, townhall.pk)

    # when they load it again
    client.get("/t/room/")

    # then they are the same participant; another visitor is someone else
    assert participants.participant_of(client.session, townhall.pk) == participant
    other = Client()
    other.get("/t/room/")
    assert participants.participant_of(other.session, townhall.pk) != participant


def test_citizen_page_of_a_closed_town_hall_still_renders():
    # given (a draft is not found at all: tests/test_deploy_views.py)
    factories.make_townhall(slug="quiet", status="closed")

    # when
    response = Client().get("/t/quiet/")

    # then the page explains it; the socket refuses submissions
    assert response.status_code == 200


def test_citizen_page_is_not_cached(townhall):
    # given / when
    response = Client().get("/t/room/")

    # then
    assert "no-cache" in response.headers.get("Cache-Control", "") or "max-age=0" in response.headers.get(
        "Cache-Control", ""
    )


def test_citizen_page_of_unknown_slug_is_404(townhall):
    # given / when
    response = Client().get("/t/nowhere/")

    # then
    assert response.status_code == 404


# --- moderator page -------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["room", "nowhere"])
def test_moderator_page_redirects_anonymous_visitors_to_login(townhall, slug: str):
    # given / when
    response = Client().get(f"/t/{slug}/moderate/")

    # then
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/t/{slug}/moderate/"


def test_moderator_page_is_403_for_a_user_who_does_not_moderate_it(townhall):
    # given a logged-in user who moderates another town hall only
    user = factories.make_user("bob")
    factories.make_townhall(moderators=[user])

    # when
    response = logged_in(user).get("/t/room/moderate/")

    # then
    assert response.status_code == 403
    assert townhall.screen_key not in response.content.decode()


def test_moderator_page_is_200_for_a_moderator(townhall, moderator):
    # given / when
    response = logged_in(moderator).get("/t/room/moderate/")

    # then
    assert response.status_code == 200
    assert response.context["ws_path"] == "/ws/t/room/moderate/?v=2"
    assert response.context["screen_url"] == f"http://testserver/t/room/screen/?key={townhall.screen_key}"


def test_moderator_page_of_unknown_slug_is_404_for_a_logged_in_user(townhall, moderator):
    # given / when
    response = logged_in(moderator).get("/t/nowhere/moderate/")

    # then
    assert response.status_code == 404


def test_login_page_renders():
    # given / when
    response = Client().get("/accounts/login/?next=/t/room/moderate/")

    # then
    assert response.status_code == 200


# --- screen page ---------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?key=", "?key=wrong", "?other=1"], ids=["none", "empty", "wrong", "other"])
def test_screen_page_without_the_right_key_is_403(townhall, query: str):
    # given / when
    response = Client().get(f"/t/room/screen/{query}")

    # then
    assert response.status_code == 403


def test_screen_page_with_another_town_halls_key_is_403(townhall):
    # given
    other = factories.make_townhall()

    # when
    response = Client().get(f"/t/room/screen/?key={other.screen_key}")

    # then
    assert response.status_code == 403


def test_screen_page_with_the_key_is_200(townhall):
    # given / when
    response = Client().get(f"/t/room/screen/?key={townhall.screen_key}")

    # then
    assert response.status_code == 200
    assert response.context["ws_path"] == f"/ws/t/room/screen/?key={townhall.screen_key}&v=2"
    assert response.context["join_url"] == "http://testserver/t/room/"


def test_screen_page_of_unknown_slug_is_404(townhall):
    # given / when
    response = Client().get(f"/t/nowhere/screen/?key={townhall.screen_key}")

    # then
    assert response.status_code == 404


# --- Content-Security-Policy on every HTML response ------------------------------------

PAGES = {
    "index": ("/", None, 200),
    "citizen": ("/t/room/", None, 200),
    "citizen-404": ("/t/nowhere/", None, 404),
    "moderator": ("/t/room/moderate/", "alice", 200),
    "moderator-403": ("/t/room/moderate/", "bob", 403),
    "moderator-redirect": ("/t/room/moderate/", None, 302),
    "screen": ("/t/room/screen/?key={key}", None, 200),
    "screen-403": ("/t/room/screen/?key=wrong", None, 403),
    "login": ("/accounts/login/", None, 200),
}


def get_page(name: str, townhall: TownHall, moderator):
    path, who, status = PAGES[name]
    client = Client()
    if who == "alice":
        client = logged_in(moderator)
    elif who == "bob":
        client = logged_in(factories.make_user("bob"))
    response = client.get(path.format(key=townhall.screen_key))
    assert response.status_code == status
    return response


@pytest.mark.parametrize("name", list(PAGES))
def test_every_html_response_has_a_strict_csp(townhall, moderator, name: str):
    # given / when
    response = get_page(name, townhall, moderator)

    # then
    assert_csp(response)


@pytest.mark.parametrize("name", [n for n, (_, _, status) in PAGES.items() if status == 200])
def test_pages_have_no_inline_script_or_style_the_csp_would_block(townhall, moderator, name: str):
    # given / when
    html = get_page(name, townhall, moderator).content.decode()

    # then every script is a file, and there are no inline styles or handlers
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert all("src=" in tag for tag in scripts), scripts
    assert not re.search(r"<style\b", html, flags=re.IGNORECASE)
    assert not re.search(r"\sstyle\s*=", html, flags=re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.IGNORECASE)
    assert "javascript:" not in html.lower()


@pytest.mark.parametrize("name", ["index", "citizen", "login"])
def test_pages_cannot_be_framed(townhall, moderator, name: str):
    # given / when
    response = get_page(name, townhall, moderator)

    # then
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# --- /healthz ------------------------------------------------------------------------


def test_healthz_reports_database_channel_layer_and_scorer(settings):
    # given / when
    response = Client().get("/healthz")

    # then
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert {"database", "channel_layer", "scorer"} <= set(body)
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in ("sqlite", "postgresql")
    assert body["channel_layer"]["status"] == "ok"
    # the layer the settings configure (in-memory by default, Redis with REDIS_URL)
    assert body["channel_layer"]["backend"] == settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert {"name", "status"} <= set(body["scorer"])
    # ("loading": another test in this process imported asgi.py, which preloads the model)
    assert body["scorer"]["status"] in ("not_loaded", "loading", "ready", "fallback", "unavailable")


def test_healthz_shows_a_loaded_scorer(fake_scorer):
    # given a scorer in place
    # when
    body = Client().get("/healthz").json()

    # then
    assert body["scorer"]["name"] == "fake-scorer 1.0"
    assert body["scorer"]["status"] == "ready"


def test_healthz_is_not_cached():
    # given / when
    response = Client().get("/healthz")

    # then
    assert "no-cache" in response.headers.get("Cache-Control", "")
