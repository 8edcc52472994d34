"""Password guessing on the login form is throttled (django-axes, settings.py).

Through Django's ASGI handler, as Daphne runs it (AsyncClient), and through
the WSGI test client the other page tests use.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, Client

from tests.support import factories

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"  # tests/support/factories.make_user
LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_thirty_wrong_passwords_lock_the_username_even_for_the_right_one(settings):
    # given a moderator, and the documented defaults (5 failures, 15 minutes)
    assert settings.AXES_FAILURE_LIMIT == 5
    factories.make_user("alice")
    client = Client()

    # when a script guesses 30 passwords, then tries the right one
    answers = [sign_in(client, "alice", f"guess-{n}").status_code for n in range(30)]
    right = sign_in(client, "alice", PASSWORD)

    # then the first guesses get the form again, the later ones the lockout page
    assert answers[:4] == [200] * 4
    assert set(answers[5:]) == {429}
    # and the right password does not log in: a clear page, not a crash
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    page = right.content.decode()
    assert "Too many attempts" in page and "15 minutes" in page
    assert client.get("/t/nowhere/moderate/").status_code == 302  # still sent to the login page


def test_another_user_and_another_address_are_not_locked_out(settings):
    # given alice locked out from one address
    factories.make_user("alice")
    factories.make_user("bob")
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "alice", f"guess-{n}")
    assert sign_in(attacker, "alice", PASSWORD).status_code == 429

    # when bob logs in from the same address, and alice from her own
    bob, alice = Client(), Client()
    bob_answer = sign_in(bob, "bob", PASSWORD)
    alice_answer = sign_in(alice, "alice", PASSWORD, address="198.51.100.20")

    # then both are in
    assert bob_answer.status_code == 302 and bob.session["_auth_user_id"]
    assert alice_answer.status_code == 302 and alice.session["_auth_user_id"]


@pytest.mark.asyncio
async def test_the_lockout_page_comes_through_the_asgi_handler(settings):
    # given a moderator
    await sync_to_async(factories.make_user)("alice")
    client = AsyncClient()

    # when wrong guesses go past the limit through Daphne's handler
    for n in range(settings.AXES_FAILURE_LIMIT):
        await client.post(LOGIN, {"username": "alice", "password": f"guess-{n}"})
    right = await client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    # then the right password is refused with the lockout page
    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    # (the handler's database thread gives its connection back, or PostgreSQL
    # could not drop the test database)
    await sync_to_async(connections.close_all)()


def test_the_address_behind_the_proxy_is_the_one_locked_out(settings):
    # given nginx in front (TRUSTED_PROXY_COUNT=1): every request comes from 127.0.0.1
    settings.TRUSTED_PROXY_COUNT = 1
    factories.make_user("alice")
    attacker, owner = Client(), Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(
            LOGIN,
            {"username": "alice", "password": f"guess-{n}"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    # when alice signs in from her own address, through the same proxy
    answer = owner.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )

    # then she is in: the lockout is for the attacker's address, not the proxy's
    assert answer.status_code == 302
