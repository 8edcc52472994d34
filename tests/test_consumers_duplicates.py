"""Duplicate suggestions through the real sockets (full ASGI application):
moderators get them after ``question.created``, citizens and the screen never,
snapshots carry them, and the top one is a plain merge target."""

from __future__ import annotations

import json
import threading

import pytest
from channels.db import database_sync_to_async

from moderation import duplicates_runner, services
from moderation.models import Question
from tests.support import factories, rooms
from tests.support.ws import expect, next_frame, request, until, until_status

FIRST = "Why are the bins in Riverside only collected every two weeks?"
AGAIN = "why r the bins in riverside only emptied every 2 weeks??"
OTHER = "Can the library buy more books in Polish?"


async def open_room(connect):
    opened = await rooms.open_room(connect)
    room = opened.room
    return room.townhall, room.moderator, room.mod_session, opened.mod, opened.cit, opened.screen


async def ask(cit, text: str, key: str) -> dict:
    reply = await request(cit, "question.submit", request_id=key, text=text, client_key=key)
    assert reply["type"] == "ok", reply
    return reply["question"]


async def frames_about(comm, question_id: int) -> list[dict]:
    """Every frame about ``question_id`` until the socket stays quiet."""
    found = []
    while not await comm.receive_nothing(timeout=0.5):
        frame = await next_frame(comm)
        if (frame.get("question") or {}).get("id") == question_id:
            found.append(frame)
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_moderators_get_the_suggestion_after_the_created_event_and_nobody_else_does(connect):
    # given an approved question everyone sees, and one on another subject
    townhall, moderator, mod_session, mod, cit, screen = await open_room(connect)
    first = await ask(cit, FIRST, "k1")
    await ask(cit, OTHER, "k2")
    await request(mod, "question.approve", request_id="a1", question_id=first["id"])
    await until_status(screen, "approved")

    # when the same question is asked again, in SMS spelling
    again = await ask(cit, AGAIN, "k3")
    await duplicates_runner.drain()

    # then the moderators get question.created first, then the suggestion, moderators only
    frames = await frames_about(mod, again["id"])
    types = [f["type"] for f in frames]
    assert types.index("question.created") < len(types) - 1, types
    assert frames[types.index("question.created")]["question"]["duplicate_suggestions"] == []
    suggested = [f for f in frames if f["type"] == "question.updated" and f["question"]["duplicate_suggestions"]]
    assert len(suggested) == 1 and types.index("question.created") < frames.index(suggested[0])
    [suggestion] = suggested[0]["question"]["duplicate_suggestions"]
    assert suggestion["id"] == first["id"] and 0.6 <= suggestion["similarity"] <= 1
    assert json.loads(json.dumps(suggested[0])) == suggested[0]
    # and no version change: it is not a decision
    assert suggested[0]["question"]["version"] == again["version"]
    for comm in (cit, screen):
        assert all("duplicate_suggestions" not in f.get("question", {}) for f in await frames_about(comm, again["id"]))

    # then a new moderator snapshot carries it, a citizen's does not
    late = await connect("/ws/t/room/moderate/", session=mod_session)
    snapshot = await expect(late, "snapshot")
    card = next(q for q in snapshot["questions"] if q["id"] == again["id"])
    assert card["duplicate_suggestions"] == [suggestion]
    cit_again = await connect("/ws/t/room/", session=(await database_sync_to_async(factories.citizen_session)())[0])
    citizen_view = await expect(cit_again, "snapshot")
    assert all("duplicate_suggestions" not in q for q in citizen_view["questions"])

    # and merging into the top suggestion is an ordinary question.merge
    merged = await request(mod, "question.merge", request_id="m1", question_id=again["id"], into_id=suggestion["id"])
    assert merged["type"] == "ok" and merged["question"]["status"] == "merged"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_nothing_is_suggested_for_a_different_question_nor_against_closed_ones(connect):
    # given a question that was then answered (closed) and an unrelated open one
    townhall, moderator, mod_session, mod, cit, screen = await open_room(connect)
    first = await ask(cit, FIRST, "k1")
    await ask(cit, OTHER, "k2")

    def answer_first():
        services.question_approve(townhall_id=townhall.pk, question_id=first["id"], moderator=moderator)
        services.question_answer(townhall_id=townhall.pk, question_id=first["id"], moderator=moderator)

    await database_sync_to_async(answer_first)()
    await until_status(mod, "answered")

    # when the answered question is asked again
    again = await ask(cit, AGAIN, "k3")
    await duplicates_runner.drain()

    # then nothing is suggested: its only match is closed, the open one is different
    stored = await database_sync_to_async(lambda: Question.objects.get(pk=again["id"]).duplicate_suggestions)()
    assert stored == []
    frames = await frames_about(mod, again["id"])
    assert "question.created" in [f["type"] for f in frames]
    assert not [f for f in frames if f["type"] == "question.updated"], frames


@pytest.mark.django_db
def test_the_service_drops_targets_closed_meanwhile_and_ignores_closed_questions():
    from moderation.duplicates import Suggestion

    moderator = factories.make_user("bob")
    townhall = factories.make_townhall(moderators=[moderator], slug="svc")
    first, second, third = (
        services.question_submit(townhall_id=townhall.pk, participant="p", text=t, client_key=f"k{i}")[0]
        for i, t in enumerate((FIRST, OTHER, AGAIN))
    )
    services.question_reject(townhall_id=townhall.pk, question_id=second.pk, moderator=moderator, reason="off_topic")
    seq = townhall.__class__.objects.get(pk=townhall.pk).last_seq

    stored = services.question_suggest_duplicates(
        question_id=third.pk, suggestions=[Suggestion(second.pk, 0.9), Suggestion(first.pk, 0.7)]
    )

    assert stored.duplicate_suggestions == [{"id": first.pk, "similarity": 0.7}]
    event = townhall.events.order_by("-seq").first()
    assert (event.seq, event.type, event.payload["audience"]) == (seq + 1, "question.updated", "moderators")
    assert event.payload["question"]["duplicate_suggestions"] == [{"id": first.pk, "similarity": 0.7}]
    # the rejected question gets none
    assert services.question_suggest_duplicates(question_id=second.pk, suggestions=[Suggestion(first.pk, 0.9)])
    assert Question.objects.get(pk=second.pk).duplicate_suggestions == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_slow_suggestion_delays_neither_the_ack_nor_question_created(connect, monkeypatch):
    # given an engine that will not answer until released
    gate = threading.Event()
    real = duplicates_runner._suggest

    def held(text, candidates):
        assert gate.wait(timeout=10)
        return real(text, candidates)

    monkeypatch.setattr(duplicates_runner, "_suggest", held)
    townhall, moderator, mod_session, mod, cit, screen = await open_room(connect)
    first = await ask(cit, FIRST, "k1")
    await until(mod, "question.created")

    # when the same question is asked again while the engine is stuck
    try:
        again = await ask(cit, AGAIN, "k2")
        created = await until(mod, "question.created")
        # then the citizen's ack and the moderators' created frame came anyway
        assert created["question"]["id"] == again["id"]
        assert created["question"]["duplicate_suggestions"] == []
    finally:
        gate.set()
    # and once released, the suggestion follows
    await duplicates_runner.drain()
    frames = await frames_about(mod, again["id"])
    assert [f["question"]["duplicate_suggestions"][0]["id"] for f in frames if f["type"] == "question.updated"] == [
        first["id"]
    ]
