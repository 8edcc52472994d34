"""Joining: the short code at /join, the QR code drawn on the server, the pre-submit notice."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from moderation import services
from moderation.models import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, TownHall
from tests.support import factories
from tests.support.ws import expect, request

pytestmark = pytest.mark.django_db


def test_every_townhall_gets_a_distinct_readable_join_code():
    codes = {factories.make_townhall().join_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == JOIN_CODE_LENGTH and set(code) <= set(JOIN_CODE_ALPHABET) for code in codes)
    assert not set("01OIL") & set(JOIN_CODE_ALPHABET)


@pytest.mark.parametrize("typed", ["exact", "lower", "spaced"])
def test_join_with_the_code_leads_to_the_citizen_page(typed):
    townhall = factories.make_townhall(slug="budget-2027")
    code = {
        "exact": townhall.join_code,
        "lower": townhall.join_code.lower(),
        "spaced": f" {townhall.join_code[:3]}-{townhall.join_code[3:]} ",
    }[typed]

    response = Client().get("/join", {"code": code})

    assert response.status_code == 302 and response["Location"] == "/t/budget-2027/"


def test_join_with_an_unknown_code_says_so_and_keeps_the_form():
    # (the page is also checked in a browser, for accessibility, in tests/test_accessibility.py)
    response = Client().get("/join", {"code": "nope42"})
    assert response.status_code == 404
    assert b'data-testid="join-error"' in response.content and b'value="nope42"' in response.content
    assert "No town hall has this code" in response.content.decode()


def test_join_without_a_code_shows_the_form():
    response = Client().get("/join")
    assert response.status_code == 200 and b'data-testid="join-code"' in response.content
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_qr_code_is_an_svg_drawn_on_the_server():
    factories.make_townhall(slug="budget-2027")
    response = Client().get("/t/budget-2027/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and b"<script" not in response.content
    assert Client().get("/t/nowhere/qr.svg").status_code == 404


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_the_notice_warns_before_sending_a_draft_that_would_be_held(connect, fake_scorer):
    # given a town hall holding "voyou", and a scorer that finds one draft toxic
    @database_sync_to_async
    def setup():
        moderator = factories.make_user("alice")
        townhall = factories.make_townhall(moderators=[moderator], slug="room")
        services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderator, terms=["voyou"])
        return factories.citizen_session()[0]

    fake_scorer.scores = {"You are all useless idiots": 0.93}
    citizen = await connect("/ws/t/room/", session=await setup())
    await expect(citizen, "snapshot")

    # when the citizen pauses on three drafts
    civil = await request(citizen, "question.preview", request_id="a", text="When will the bus run on Sundays?")
    toxic = await request(citizen, "question.preview", request_id="b", text="You are all useless idiots")
    term = await request(citizen, "question.preview", request_id="c", text="Le maire est un v o y o u")

    # then only the last two get the notice, and nothing was stored
    assert (civil["may_be_held"], toxic["may_be_held"], term["may_be_held"]) == (False, True, True)
    assert await database_sync_to_async(lambda: TownHall.objects.get(slug="room").questions.count())() == 0
