"""Rights checked live, and sockets per session (issue 10; docs/security.md,
"Rights and sockets"), through the full ASGI application.

A moderator removed from a town hall, deactivated or logged out loses its
open consoles at once (4403) and receives nothing after; a rotated screen key
closes the screens open with the old one; one citizen session holds at most
``SOCKETS_PER_SESSION`` sockets, which share one frame budget.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import HASH_SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from moderation import rights, services
from moderation.models import Decision, Question, TownHall
from tests.support import factories
from tests.support.ws import close_code, expect, request, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def db(func, *args, **kwargs):
    return database_sync_to_async(func)(*args, **kwargs)


def _room():
    alice = factories.make_user("alice")
    bob = factories.make_user("bob")
    townhall = factories.make_townhall(moderators=[alice, bob], slug="room")
    question = factories.make_question(townhall)
    return townhall, alice, bob, question


def change_password(user, session_key: str) -> None:
    """As Django's password change view does: the current session keeps its
    login. In one transaction: between the two writes a poll would see that
    session with the old hash too (docs/security.md, "Rights and sockets")."""
    with transaction.atomic():
        user.set_password("another correct horse")
        user.save()
        store = SessionStore(session_key=session_key)
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()


async def console(connect, session: str, slug: str = "room"):
    comm = await connect(f"/ws/t/{slug}/moderate/", session=session)
    await expect(comm, "snapshot")
    return comm


async def quiet(comm) -> None:
    """Read what is already on its way (presence of the other consoles)."""
    while not await comm.receive_nothing(timeout=0.3):
        await comm.receive_from()


async def assert_closed_with_nothing_before(comm, code: int = 4403) -> None:
    output = await comm.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": code}, output


async def test_removing_a_moderator_closes_their_console_at_once_and_sends_nothing_after(connect):
    # given alice and bob moderating, each with a console open
    townhall, alice, bob, question = await db(_room)
    alice_console = await console(connect, await db(factories.login_session, alice))
    bob_console = await console(connect, await db(factories.login_session, bob))
    await quiet(alice_console)

    # when alice is removed from the town hall
    await db(services.townhall_moderator_remove, townhall_id=townhall.pk, user=alice)

    # then her console closes with 4403, before any other frame
    await assert_closed_with_nothing_before(alice_console)
    # and what bob does next is not sent to it, while bob still acts
    reply = await request(bob_console, "question.approve", question_id=question.pk)
    assert reply["type"] == "ok", reply
    assert await alice_console.receive_nothing(timeout=0.3)


async def test_the_admin_form_removing_a_moderator_closes_their_console(connect):
    # given alice's console open, and an admin
    townhall, alice, bob, _ = await db(_room)
    alice_console = await console(connect, await db(factories.login_session, alice))
    await quiet(alice_console)

    def remove_in_admin() -> tuple[int, bool, int]:
        admin = get_user_model().objects.create_superuser("root", password="correct horse battery")
        client = Client()
        client.force_login(admin)
        url = f"/admin/moderation/townhall/{townhall.pk}/change/"
        page = client.get(url)
        shows_key = townhall.screen_key in page.content.decode()
        return page.status_code, shows_key, client.post(url, {"moderators": [bob.pk]}).status_code

    # when the admin opens the town hall (its moderators editable, not its screen key) and keeps bob only
    assert await db(remove_in_admin) == (200, False, 302)

    # then alice's console closes with 4403, and bob alone moderates
    await assert_closed_with_nothing_before(alice_console)
    moderators = await db(
        lambda: list(TownHall.objects.get(pk=townhall.pk).moderators.values_list("username", flat=True))
    )
    assert moderators == ["bob"]


async def test_removing_through_the_m2m_in_code_closes_the_console(connect):
    # given alice's console open
    townhall, alice, _, _ = await db(_room)
    alice_console = await console(connect, await db(factories.login_session, alice))
    await quiet(alice_console)

    # when code (a shell) removes her through the relation, skipping the services
    await db(lambda: TownHall.objects.get(pk=townhall.pk).moderators.remove(alice))

    # then her console closes with 4403 at once
    await assert_closed_with_nothing_before(alice_console)


async def test_deactivating_a_moderator_closes_every_console_of_theirs(connect):
    # given alice moderating two town halls, a console open on each
    townhall, alice, _, _ = await db(_room)
    await db(factories.make_townhall, moderators=[alice], slug="other")
    session = await db(factories.login_session, alice)
    first = await console(connect, session)
    second = await console(connect, session, slug="other")
    await quiet(first)

    # when her account is deactivated (as the admin's user form does: a save)
    def deactivate() -> None:
        alice.is_active = False
        alice.save()

    await db(deactivate)

    # then both consoles close with 4403
    await assert_closed_with_nothing_before(first)
    await assert_closed_with_nothing_before(second)


async def test_a_logout_closes_the_consoles_of_that_session_only(connect):
    # given alice's two consoles in one browser (one session) and one in another browser
    townhall, alice, _, question = await db(_room)
    laptop = await db(factories.login_session, alice)
    phone = await db(factories.login_session, alice)
    laptop_tabs = [await console(connect, laptop), await console(connect, laptop)]
    phone_console = await console(connect, phone)
    for comm in (*laptop_tabs, phone_console):
        await quiet(comm)

    def logout(session_key: str) -> int:
        client = Client()
        client.cookies["sessionid"] = session_key
        return client.post("/accounts/logout/").status_code

    # when she logs out on the laptop
    assert await db(logout, laptop) in (200, 302)

    # then both laptop consoles close with 4403
    for comm in laptop_tabs:
        await assert_closed_with_nothing_before(comm)
    # and the phone's console stays and still acts
    reply = await request(phone_console, "question.approve", question_id=question.pk)
    assert reply["type"] == "ok", reply


async def test_resync_rechecks_the_rights_in_the_database(connect):
    # given alice's console, then her account deactivated where no signal is sent (a bulk update)
    townhall, alice, _, _ = await db(_room)
    alice_console = await console(connect, await db(factories.login_session, alice))
    await quiet(alice_console)
    await db(lambda: get_user_model().objects.filter(pk=alice.pk).update(is_active=False))

    # when the console asks for a resync
    reply = await request(alice_console, "resync", request_id="s1")

    # then it is refused, with no snapshot (no screen key), and the socket closes with 4403
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    assert await close_code(alice_console) == 4403


async def test_an_action_rechecks_the_login_session(connect):
    # given alice's console, then her session gone without a logout signal (deleted)
    townhall, alice, _, question = await db(_room)
    session = await db(factories.login_session, alice)
    alice_console = await console(connect, session)
    await quiet(alice_console)
    await db(lambda: Session.objects.filter(session_key=session).delete())

    # when the console approves
    reply = await request(alice_console, "question.approve", question_id=question.pk)

    # then it is refused and the socket closes with 4403; nothing was approved
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    assert await close_code(alice_console) == 4403
    assert await db(lambda: Question.objects.get(pk=question.pk).status) == "pending"


async def test_the_hubs_poll_closes_a_console_whose_rights_ended_without_a_signal(connect, settings):
    # given a short poll, and alice's console
    settings.SEQ_POLL_INTERVAL = 0.05
    townhall, alice, _, _ = await db(_room)
    alice_console = await console(connect, await db(factories.login_session, alice))
    await quiet(alice_console)

    # when her membership is deleted where no signal is sent (raw through-table delete)
    await db(lambda: TownHall.moderators.through.objects.filter(user_id=alice.pk).delete())

    # then the poll closes her console with 4403, although she sends nothing
    await assert_closed_with_nothing_before(alice_console)


async def test_a_password_change_ends_the_consoles_of_the_other_sessions_at_the_next_poll(connect, settings):
    # given a short poll, and alice's consoles in two browsers
    settings.SEQ_POLL_INTERVAL = 0.05
    townhall, alice, _, question = await db(_room)
    laptop = await db(factories.login_session, alice)
    phone = await db(factories.login_session, alice)
    laptop_console = await console(connect, laptop)
    phone_console = await console(connect, phone)
    for comm in (laptop_console, phone_console):
        await quiet(comm)

    # when she changes her password on the phone
    await db(change_password, alice, phone)

    # then the laptop's console closes (Django logs that session out), the phone's stays
    await assert_closed_with_nothing_before(laptop_console)
    reply = await request(phone_console, "question.approve", question_id=question.pk)
    assert reply["type"] == "ok", reply


async def test_rotating_the_screen_key_closes_the_old_screens_and_tells_the_moderators(connect):
    # given a screen open with the key and a moderator's console
    townhall, alice, _, _ = await db(_room)
    old_key = townhall.screen_key
    screen = await connect(f"/ws/t/room/screen/?key={old_key}")
    await expect(screen, "snapshot")
    alice_console = await console(connect, await db(factories.login_session, alice))

    # when the operator rotates the key
    await db(call_command, "townhall", "rotate-screen-key", "room")

    # then the moderators get the new key and URL
    updated = await until(alice_console, "townhall.updated")
    new_key = await db(lambda: TownHall.objects.get(pk=townhall.pk).screen_key)
    assert new_key != old_key
    assert updated["townhall"]["screen_key"] == new_key and new_key in updated["townhall"]["screen_url"]
    assert updated["decision"]["action"] == "screen_key" and old_key not in json.dumps(updated["decision"])
    # and the old screen closes with 4403 (the public townhall.updated may come first)
    assert await close_code(screen) == 4403
    # and the old key is refused, the new one opens
    refused = await connect(f"/ws/t/room/screen/?key={old_key}", expect_snapshot=False)
    assert await close_code(refused) == 4403
    fresh = await connect(f"/ws/t/room/screen/?key={new_key}")
    await expect(fresh, "snapshot")
    assert await db(lambda: Decision.objects.filter(townhall=townhall, action="screen_key").count()) == 1


async def test_one_session_holds_at_most_sockets_per_session(connect, settings):
    # given a cap of 3 and a citizen session
    settings.SOCKETS_PER_SESSION = 3
    await db(factories.make_townhall, slug="room")
    session, _ = await db(factories.citizen_session)
    sockets = [await connect("/ws/t/room/", session=session) for _ in range(3)]
    for comm in sockets:
        await expect(comm, "snapshot")

    # when the same session opens a fourth socket
    fourth = await connect("/ws/t/room/", session=session, expect_snapshot=False)

    # then it is closed with 4429, and another session is still welcome
    assert await close_code(fourth) == 4429
    other, _ = await db(factories.citizen_session)
    await expect(await connect("/ws/t/room/", session=other), "snapshot")
    # and once one closes, the session may open one again
    await sockets[0].disconnect()
    await expect(await connect("/ws/t/room/", session=session), "snapshot")


async def test_the_frame_budget_is_shared_by_the_sockets_of_a_session(connect):
    # given two sockets of one citizen session
    await db(factories.make_townhall, slug="room")
    session, _ = await db(factories.citizen_session)
    first = await connect("/ws/t/room/", session=session)
    second = await connect("/ws/t/room/", session=session)
    for comm in (first, second):
        await expect(comm, "snapshot")

    # when it sends 20 frames on one and 10 on the other (30 in all, the budget)
    for index in range(20):
        assert (await request(first, "nope", request_id=f"a{index}"))["code"] == "bad_request"
    for index in range(10):
        assert (await request(second, "nope", request_id=f"b{index}"))["code"] == "bad_request"

    # then the 31st, on either socket, is rate limited
    await second.send_to(text_data=json.dumps({"type": "nope", "id": "b-last"}))
    limited = await expect(second, "error")
    assert limited["code"] == "rate_limited", limited


async def test_a_password_change_committed_between_the_checks_reads_keeps_its_own_session(monkeypatch):
    # given alice's login sessions on the laptop and on the phone
    townhall, alice, _, _ = await db(_room)
    laptop = await db(factories.login_session, alice)
    phone = await db(factories.login_session, alice)
    read_session = rights._session_login
    changed = []

    def session_read_after_a_change(session_key: str):
        # the password change commits after the check read the user row, before it reads the session
        if not changed:
            changed.append(True)
            change_password(alice, phone)
        return read_session(session_key)

    monkeypatch.setattr(rights, "_session_login", session_read_after_a_change)

    # when the poll checks both consoles
    claims = [rights.ModeratorClaim(townhall.pk, alice.pk, phone), rights.ModeratorClaim(townhall.pk, alice.pk, laptop)]
    allowed = await db(rights.claims_allowed, claims)

    # then the phone, which changed the password, stays
    assert changed and allowed[0] is True
    # and the next poll logs the laptop out (this one read alice before the change)
    assert await db(rights.claims_allowed, claims) == [True, False]
