"""The sockets, driven through the full ASGI application."""
from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from moderation.models import Decision, Question, TownHall
from tests.support import factories
from tests.support.ws import close_code, expect, next_frame, request, until, until_status

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
    reply = await request(cit, "question.submit", text="  Why was the tram contract awarded without a tender?  ",
                          author="Marie", client_key="k1")

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
    assert scored["question"]["toxicity"]["model"].startswith("alt-profanity-check")
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
