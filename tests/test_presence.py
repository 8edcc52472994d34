"""Who is in the moderator console, and which question each one is editing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from moderation import selectors
from moderation.models import ModeratorPresence
from tests.support import factories
from tests.support.ws import expect, request, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def setup():
    alice = factories.make_user("alice", first_name="Alice", last_name="Martin")
    bob = factories.make_user("bob", first_name="Bob")
    townhall = factories.make_townhall(moderators=[alice, bob], slug="room")
    question = factories.make_question(townhall, text="Who repairs the bridge?")
    return townhall, question, factories.login_session(alice), factories.login_session(bob)


async def test_moderators_see_who_is_in_the_console_and_what_they_edit(connect):
    townhall, question, alice_session, bob_session = await setup()
    session, _ = await database_sync_to_async(factories.citizen_session)()
    citizen = await connect("/ws/t/room/", session=session)
    await expect(citizen, "snapshot")

    # given Alice in the console
    alice = await connect("/ws/t/room/moderate/", session=alice_session)
    assert (await expect(alice, "snapshot"))["presence"] == [
        {"username": "alice", "name": "Alice Martin", "editing": None}
    ]

    # when Bob arrives, Alice sees him
    bob = await connect("/ws/t/room/moderate/", session=bob_session)
    assert [p["username"] for p in (await expect(bob, "snapshot"))["presence"]] == ["alice", "bob"]
    assert [p["username"] for p in (await until(alice, "presence.changed"))["presence"]] == ["alice", "bob"]

    # when Bob opens the editor on the question, Alice sees it taken
    assert (await request(bob, "question.editing", question_id=question.pk))["type"] == "ok"
    changed = await until(alice, "presence.changed")
    assert {p["username"]: p["editing"] for p in changed["presence"]} == {"alice": None, "bob": question.pk}

    # when Bob closes the editor, then leaves, Alice sees both
    await request(bob, "question.editing", request_id="close", question_id=None)
    assert {p["username"]: p["editing"] for p in (await until(alice, "presence.changed"))["presence"]}["bob"] is None
    await bob.disconnect()
    assert [p["username"] for p in (await until(alice, "presence.changed"))["presence"]] == ["alice"]

    # and citizens never hear about any of it
    assert await citizen.receive_nothing(timeout=0.2)


async def test_editing_a_question_of_another_townhall_is_refused(connect):
    townhall, question, alice_session, _ = await setup()
    other = await database_sync_to_async(
        lambda: factories.make_question(factories.make_townhall(), text="Elsewhere?")
    )()
    alice = await connect("/ws/t/room/moderate/", session=alice_session)
    await expect(alice, "snapshot")

    reply = await request(alice, "question.editing", question_id=other.pk)

    assert reply["type"] == "error" and reply["code"] == "not_found"


async def test_a_console_silent_for_too_long_is_no_longer_listed(connect):
    townhall, _, alice_session, bob_session = await setup()
    alice = await connect("/ws/t/room/moderate/", session=alice_session)
    await expect(alice, "snapshot")
    bob = await connect("/ws/t/room/moderate/", session=bob_session)
    await expect(bob, "snapshot")

    # when Alice's process died without saying goodbye (her row is old), and Bob pings
    old = timezone.now() - timedelta(seconds=selectors.PRESENCE_TTL + 5)
    await database_sync_to_async(
        lambda: ModeratorPresence.objects.filter(user__username="alice").update(last_seen=old)
    )()
    assert (await request(bob, "presence.ping"))["type"] == "ok"

    # then only Bob is listed
    names = await database_sync_to_async(lambda: [p["username"] for p in selectors.presence_list(townhall.pk)])()
    assert names == ["bob"]
