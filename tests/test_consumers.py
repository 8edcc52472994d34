"""The sockets, driven through the full ASGI application."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from moderation.models import Decision, Question, TownHall
from tests.support import factories
from tests.support.ws import close_code, expect, request, until, until_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def setup_room(**fields):
    moderator = factories.make_user("alice", first_name="Alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room", **fields)
    return townhall, moderator, factories.login_session(moderator)


@database_sync_to_async
def citizen():
    return factories.citizen_session()


async def test_whole_loop_submit_score_approve_show_answer(connect):
    # given a moderator, a citizen and the screen on one town hall
    townhall, _, mod_session = await setup_room()
    citizen_session, _ = await citizen()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    snap = await expect(mod, "snapshot")
    assert snap["questions"] == [] and snap["screen"] == {"question": None}
    assert snap["townhall"]["screen_key"] == townhall.screen_key
    cit = await connect("/ws/t/room/", session=citizen_session)
    await expect(cit, "snapshot")
    screen = await connect(f"/ws/t/room/screen/?key={townhall.screen_key}")
    await expect(screen, "snapshot")

    # when the citizen asks
    reply = await request(
        cit,
        "question.submit",
        text="  Why was the tram contract awarded without a tender?  ",
        author="Marie",
        client_key="k1",
    )

    # then it is acknowledged, and moderators get it at once, then its score
    assert reply["type"] == "ok" and reply["duplicate"] is False
    question = reply["question"]
    assert question["text"] == "Why was the tram contract awarded without a tender?"
    assert question["status"] == "pending" and question["mine"] is True and question["author"] == "Marie"
    assert "toxicity" not in question and "held" not in question
    created = await expect(mod, "question.created")
    assert created["question"]["id"] == question["id"]
    assert created["question"]["toxicity"]["status"] == "pending"
    scored = await expect(mod, "question.scored")
    assert scored["seq"] > created["seq"]
    assert scored["question"]["toxicity"]["status"] == "scored"
    assert 0.0 <= scored["question"]["toxicity"]["score"] < 0.5
    assert "alt-profanity-check" in scored["question"]["toxicity"]["model"]
    assert scored["question"]["held"] is False
    assert await screen.receive_nothing(timeout=0.2)

    # when the moderator approves it
    reply = await request(mod, "question.approve", question_id=question["id"], version=question["version"])
    assert reply["type"] == "ok" and reply["question"]["status"] == "approved"

    # then everyone who may see it gets question.updated
    for comm in (mod, cit, screen):
        updated = await until_status(comm, "approved")
    # and the screen never learns who asked
    assert "mine" not in updated["question"] and "toxicity" not in updated["question"]

    # when it is shown, everyone gets screen.changed
    reply = await request(mod, "screen.show", question_id=question["id"])
    assert reply["screen"]["question"]["id"] == question["id"]
    for comm in (mod, cit, screen):
        changed = await until(comm, "screen.changed")
        assert changed["question"]["id"] == question["id"]

    # when it is marked answered, it leaves the screen
    reply = await request(mod, "question.answered", question_id=question["id"])
    assert reply["question"]["status"] == "answered"
    for comm in (cit, screen):
        await until_status(comm, "answered")
        assert (await until(comm, "screen.changed"))["question"] is None

    # and every moderator action is in the audit trail, attributed
    actions = await database_sync_to_async(
        lambda: list(Decision.objects.values_list("moderator__username", "action", "from_status", "to_status"))
    )()
    assert actions == [
        ("alice", "approve", "pending", "approved"),
        ("alice", "show", "approved", "approved"),
        ("alice", "answer", "approved", "answered"),
    ]


# --- who may connect ------------------------------------------------------


async def test_unknown_townhall_closes_4404(connect):
    comm = await connect("/ws/t/nowhere/", expect_snapshot=False)
    assert await close_code(comm) == 4404


async def test_moderator_socket_without_login_closes_4401(connect):
    await setup_room()
    comm = await connect("/ws/t/room/moderate/", expect_snapshot=False)
    assert await close_code(comm) == 4401


async def test_moderator_socket_for_non_moderator_closes_4403(connect):
    await setup_room()
    outsider_session = await database_sync_to_async(lambda: factories.login_session(factories.make_user("bob")))()
    comm = await connect("/ws/t/room/moderate/", session=outsider_session, expect_snapshot=False)
    assert await close_code(comm) == 4403


async def test_moderator_of_another_townhall_closes_4403(connect):
    await setup_room()
    other = await database_sync_to_async(
        lambda: factories.login_session(
            factories.make_townhall(moderators=[factories.make_user("carol")]).moderators.get()
        )
    )()
    comm = await connect("/ws/t/room/moderate/", session=other, expect_snapshot=False)
    assert await close_code(comm) == 4403


@pytest.mark.parametrize("query", ["", "?key=", "?key=wrong"])
async def test_screen_with_wrong_or_missing_key_closes_4403(connect, query):
    await setup_room()
    comm = await connect(f"/ws/t/room/screen/{query}", expect_snapshot=False)
    assert await close_code(comm) == 4403


async def test_citizen_socket_without_session_closes_4401(connect):
    await setup_room()
    comm = await connect("/ws/t/room/", expect_snapshot=False)
    assert await close_code(comm) == 4401


async def test_foreign_origin_is_refused_at_handshake(connect):
    await setup_room()
    session, _ = await citizen()
    comm = await connect("/ws/t/room/", session=session, origin=b"https://evil.example", expect_snapshot=False)
    assert comm.connected is False


# --- who may act ------------------------------------------------------------


async def test_citizen_cannot_approve_and_screen_cannot_act(connect):
    # given a pending question
    townhall, _, _ = await setup_room()
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")
    question = (await request(cit, "question.submit", text="A civil question?", client_key="k"))["question"]
    screen = await connect(f"/ws/t/room/screen/?key={townhall.screen_key}")
    await expect(screen, "snapshot")

    # when the citizen and the screen try moderator actions
    by_citizen = await request(cit, "question.approve", question_id=question["id"])
    by_screen = await request(screen, "screen.clear", request_id="s1")
    by_screen_submit = await request(screen, "question.submit", request_id="s2", text="x", client_key="k")

    # then they are refused and nothing changed
    assert by_citizen["code"] == "forbidden"
    assert by_screen["code"] == "forbidden" and by_screen_submit["code"] == "forbidden"
    status = await database_sync_to_async(lambda: Question.objects.get(pk=question["id"]).status)()
    assert status == "pending"


@pytest.mark.parametrize(
    "raw, code",
    [
        ("not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        ('{"type": "no.such.action", "id": "x"}', "bad_request"),
        ('{"type": "question.submit", "id": "x", "text": 5, "client_key": "k"}', "bad_request"),
        ('{"type": "question.vote", "id": "x", "question_id": true, "up": true}', "bad_request"),
        ('{"type": "question.submit", "id": "x", "text": "' + "a" * 501 + '", "client_key": "k"}', "too_long"),
        ('{"type": "question.submit", "id": "x", "text": "   ", "client_key": "k"}', "bad_request"),
        ('{"type": "question.withdraw", "id": "x", "question_id": 999999}', "not_found"),
    ],
)
async def test_bad_frames_get_error_frames_and_socket_stays_open(connect, raw, code):
    await setup_room()
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")

    await cit.send_to(text_data=raw)
    error = await expect(cit, "error")

    assert error["code"] == code and error["message"]
    # the socket still answers
    assert (await request(cit, "resync", request_id="again"))["type"] == "snapshot"


async def test_binary_frame_is_refused(connect):
    await setup_room()
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")
    await cit.send_to(bytes_data=b"\x00\x01")
    assert (await expect(cit, "error"))["code"] == "bad_request"


async def test_closed_townhall_refuses_submissions(connect):
    await setup_room(status=TownHall.Status.CLOSED)
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")
    reply = await request(cit, "question.submit", text="Is anyone there?", client_key="k")
    assert reply["code"] == "closed"


# --- idempotency, snapshot and seq ------------------------------------------


async def test_resubmitting_a_client_key_returns_the_same_question(connect):
    await setup_room()
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")

    first = await request(cit, "question.submit", text="Will the library open on Sundays?", client_key="same")
    again = await request(
        cit, "question.submit", request_id="r2", text="Will the library open on Sundays?", client_key="same"
    )

    assert again["duplicate"] is True and again["question"]["id"] == first["question"]["id"]
    assert await database_sync_to_async(Question.objects.count)() == 1


async def test_snapshot_holds_what_each_audience_may_see_and_the_current_seq(connect):
    # given one approved question, one pending from citizen A, one rejected from citizen B
    townhall, moderator, mod_session = await setup_room()
    session_a, participant_a = await citizen()

    @database_sync_to_async
    def seed():
        from moderation import services

        approved = factories.make_question(townhall, text="Approved one?")
        services.question_approve(townhall_id=townhall.pk, question_id=approved.pk, moderator=moderator)
        mine = factories.make_question(townhall, participant=participant_a, text="Mine, pending?")
        rejected = factories.make_question(townhall, text="Rejected one")
        services.question_reject(
            townhall_id=townhall.pk, question_id=rejected.pk, moderator=moderator, reason="off_topic"
        )
        services.screen_show(townhall_id=townhall.pk, question_id=approved.pk, moderator=moderator)
        townhall.refresh_from_db()
        return approved, mine, rejected, townhall.last_seq

    approved, mine, rejected, seq = await seed()

    # when each audience connects, one after the other (moderators' database
    # calls run on their own thread, so sockets opened at once may snapshot in
    # any order)
    cit_snap = await expect(await connect("/ws/t/room/", session=session_a), "snapshot")
    mod_snap = await expect(await connect("/ws/t/room/moderate/", session=mod_session), "snapshot")
    screen_snap = await expect(await connect(f"/ws/t/room/screen/?key={townhall.screen_key}"), "snapshot")

    # then each sees its share, at the current seq (the moderator's arrival is itself an event)
    assert cit_snap["seq"] == seq
    assert mod_snap["seq"] == screen_snap["seq"] == seq + 1
    assert mod_snap["presence"] == [{"username": "alice", "name": "Alice", "editing": None}]
    assert "presence" not in cit_snap and "presence" not in screen_snap
    assert [q["id"] for q in mod_snap["questions"]] == [approved.pk, mine.pk, rejected.pk]
    assert [(q["id"], q["mine"]) for q in cit_snap["questions"]] == [(approved.pk, False), (mine.pk, True)]
    assert [q["id"] for q in screen_snap["questions"]] == [approved.pk]
    assert screen_snap["screen"]["question"]["id"] == approved.pk
    assert "screen_key" not in cit_snap["townhall"] and "screen_key" not in screen_snap["townhall"]
    assert json.loads(json.dumps(mod_snap)) == mod_snap


async def test_events_after_the_snapshot_have_greater_seq_and_a_resync_catches_up(connect):
    townhall, moderator, mod_session = await setup_room()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    snap = await expect(mod, "snapshot")
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")

    await request(cit, "question.submit", text="First?", client_key="a")
    created = await expect(mod, "question.created")
    scored = await expect(mod, "question.scored")
    assert snap["seq"] < created["seq"] < scored["seq"]

    resync = await request(mod, "resync", request_id="rs")
    assert resync["type"] == "snapshot" and resync["seq"] == scored["seq"]
    assert [q["toxicity"]["status"] for q in resync["questions"]] == ["scored"]


async def test_rejected_question_shows_its_reason_to_its_asker_only(connect):
    townhall, _, mod_session = await setup_room()
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")
    other_session, _ = await citizen()
    other = await connect("/ws/t/room/", session=other_session)
    await expect(other, "snapshot")
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    await expect(mod, "snapshot")
    question = (await request(cit, "question.submit", text="Off topic?", client_key="k"))["question"]

    await request(mod, "question.reject", question_id=question["id"], reason="off_topic")

    mine = await until_status(cit, "rejected")
    assert mine["question"]["reason"] == "off_topic" and mine["question"]["mine"] is True
    assert await other.receive_nothing(timeout=0.3)


async def test_stale_version_gets_conflict(connect):
    townhall, _, mod_session = await setup_room()
    session, _ = await citizen()
    cit = await connect("/ws/t/room/", session=session)
    await expect(cit, "snapshot")
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    await expect(mod, "snapshot")
    question = (await request(cit, "question.submit", text="Version?", client_key="k"))["question"]
    await request(mod, "question.edit", question_id=question["id"], version=1, text="Version edited?")

    reply = await request(mod, "question.approve", request_id="stale", question_id=question["id"], version=1)

    assert reply["type"] == "error" and reply["code"] == "conflict"


async def test_approved_question_withdrawn_is_removed_for_the_public(connect):
    townhall, _, mod_session = await setup_room()
    session, _ = await citizen()
    asker = await connect("/ws/t/room/", session=session)
    await expect(asker, "snapshot")
    other_session, _ = await citizen()
    other = await connect("/ws/t/room/", session=other_session)
    await expect(other, "snapshot")
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    await expect(mod, "snapshot")
    question = (await request(asker, "question.submit", text="Withdraw me?", client_key="k"))["question"]
    await request(mod, "question.approve", question_id=question["id"])
    await until_status(other, "approved")
    vote = await request(other, "question.vote", request_id="v", question_id=question["id"], up=True)
    assert vote["question"]["votes"] == 1 and vote["question"]["voted"] is True

    await request(asker, "question.withdraw", request_id="w", question_id=question["id"])

    removed = await until(other, "question.removed")
    assert removed["question_id"] == question["id"]
    assert (await until_status(asker, "withdrawn"))["question"]["mine"] is True
