"""Test data factories. Each makes valid data with overridable fields."""

from __future__ import annotations

import itertools
import uuid

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from moderation import participants, services
from moderation.models import Question, TownHall

_counter = itertools.count(1)


def make_user(username: str | None = None, **fields):
    User = get_user_model()
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(username=username, password="correct horse battery", **fields)
    return user


def make_townhall(*, moderators=(), slug: str | None = None, status: str = TownHall.Status.LIVE, **fields) -> TownHall:
    slug = slug or f"th-{next(_counter)}"
    return services.townhall_create(
        title=fields.pop("title", f"Town hall {slug}"), slug=slug, moderators=list(moderators), status=status, **fields
    )


def make_participant() -> str:
    return uuid.uuid4().hex


def make_question(
    townhall: TownHall,
    *,
    participant: str | None = None,
    text: str = "When will the tram reach the north district?",
    author: str = "",
) -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk,
        participant=participant or make_participant(),
        text=text,
        author=author,
        client_key=uuid.uuid4().hex,
    )
    return question


def citizen_session(townhall: TownHall | str = "room", participant: str | None = None) -> tuple[str, str]:
    """A stored Django session as the citizen page of ``townhall`` (a town hall
    or its slug, which must exist) creates it: (session key, participant).
    A participant id is per town hall (moderation/participants.py)."""
    if isinstance(townhall, str):
        townhall = TownHall.objects.get(slug=townhall)
    participant = participant or make_participant()
    store = SessionStore()
    participants.set_participant(store, townhall.pk, participant)
    store.create()
    return store.session_key, participant


def login_session(user) -> str:
    """The session key of a logged-in session for ``user``."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
