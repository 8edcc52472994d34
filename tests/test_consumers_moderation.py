"""Issue 8 through the real sockets (full ASGI application): edit name and
place, personal data in batch approval, undo, restore, stars, queue order, close."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from moderation import services
from moderation.models import Decision, Question, TownHall, Vote
from tests.support import rooms
from tests.support.ws import request, until, until_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PHONE_PLACE = "Résidence Les Pins bât. B, tél 06 98 76 54 32"


async def open_room(connect):
    """A moderator, the asker and the screen on one town hall, snapshots read."""
    opened = await rooms.open_room(connect)
    return opened.room.townhall, opened.room.moderator, opened.mod, opened.cit, opened.screen


async def ask(cit, text: str = "When will the pool reopen?", key: str = "k1", **fields) -> dict:
    reply = await request(cit, "question.submit", request_id=key, text=text, client_key=key, **fields)
    assert reply["type"] == "ok", reply
    return reply["question"]


def db(func, *args, **kwargs):
    return database_sync_to_async(func)(*args, **kwargs)


async def test_the_moderator_sees_personal_data_in_the_place_and_edits_it_before_the_screen_does(connect):
    # given the place, typed by a citizen
    townhall, moderator, mod, cit, screen = await open_room(connect)
    question = await ask(cit, author="Élodie", place=PHONE_PLACE)
    created = await until(mod, "question.created")

    # then the moderator's card carries the flags and the originals
    assert created["question"]["place"] == PHONE_PLACE
    assert created["question"]["personal_data"] == [
        {"field": "place", "kind": "phone"},
        {"field": "place", "kind": "address"},
    ]
    assert created["question"]["original_place"] == PHONE_PLACE and created["question"]["edited"] is False

    # when the moderator edits the name and the place, then approves it
    reply = await request(
        mod, "question.edit", request_id="e1", question_id=question["id"], author="É.", place="Les Pins"
    )
    assert reply["type"] == "ok", reply
    assert reply["question"]["personal_data"] == [] and reply["question"]["edited"] is True
    assert reply["question"]["original_place"] == PHONE_PLACE
    assert reply["decision"]["action"] == "edit"
    approved = await request(mod, "question.approve", request_id="a1", question_id=question["id"])
    assert approved["decision"]["action"] == "approve"

    # then the screen and the asker get the edited name and place, marked edited, never the original
    for comm in (screen, cit):
        frame = await until_status(comm, "approved")
        assert (frame["question"]["author"], frame["question"]["place"]) == ("É.", "Les Pins")
        assert frame["question"]["edited"] is True
        assert "original_place" not in frame["question"] and "personal_data" not in frame["question"]


async def test_an_edit_of_the_question_on_screen_reaches_the_screen_socket(connect):
    # given a question on screen
    townhall, moderator, mod, cit, screen = await open_room(connect)
    question = await ask(cit, author="Élodie", place="Nord")
    await request(mod, "question.approve", request_id="a1", question_id=question["id"])
    await request(mod, "screen.show", request_id="s1", question_id=question["id"])
    await until(screen, "screen.changed")

    # when its name and place are edited
    await request(mod, "question.edit", request_id="e1", question_id=question["id"], author="", place="Sud")

    # then the screen gets it, edited
    frame = await until(screen, "question.updated")
    assert (frame["question"]["author"], frame["question"]["place"], frame["question"]["edited"]) == ("", "Sud", True)


async def test_edit_errors(connect):
    # given
    townhall, moderator, mod, cit, screen = await open_room(connect)
    question = await ask(cit)

    # when / then
    nothing = await request(mod, "question.edit", request_id="x1", question_id=question["id"])
    long = await request(mod, "question.edit", request_id="x2", question_id=question["id"], place="x" * 81)
    typed = await request(mod, "question.edit", request_id="x3", question_id=question["id"], author=5)
    assert (nothing["code"], long["code"], typed["code"]) == ("bad_request", "too_long", "bad_request")


async def test_batch_approval_refuses_a_question_with_personal_data(connect):
    # given a clean question and one with a phone number in its text
    townhall, moderator, mod, cit, screen = await open_room(connect)
    clean = await ask(cit, key="k1")
    flagged = await ask(cit, text="Rappelez-moi au 06 98 76 54 32", key="k2")

    # when both are batch-approved
    reply = await request(
        mod,
        "question.approve_many",
        request_id="b1",
        items=[{"question_id": clean["id"]}, {"question_id": flagged["id"]}],
    )

    # then only the clean one is approved, each approval with its decision
    assert [q["id"] for q in reply["approved"]] == [clean["id"]]
    assert [d["question_id"] for d in reply["decisions"]] == [clean["id"]]
    assert [(r["question_id"], r["code"]) for r in reply["refused"]] == [(flagged["id"], "personal_data")]
    assert await db(lambda: Question.objects.get(pk=flagged["id"]).status) == "pending"


async def test_undo_of_an_answer_puts_it_back_on_screen_and_writes_an_undo_decision(connect):
    # given a question on screen, marked answered by mistake
    townhall, moderator, mod, cit, screen = await open_room(connect)
    question = await ask(cit)
    await request(mod, "question.approve", request_id="a1", question_id=question["id"])
    await request(mod, "screen.show", request_id="s1", question_id=question["id"])
    answered = await request(mod, "question.answered", request_id="x1", question_id=question["id"])
    assert answered["decision"]["action"] == "answer"
    assert (await until(screen, "screen.changed"))["question"]["id"] == question["id"]
    assert (await until(screen, "screen.changed"))["question"] is None

    # when it is undone
    undone = await request(mod, "decision.undo", request_id="u1", decision_id=answered["decision"]["id"])

    # then it is approved again and back on the screen, and the undo is audited
    assert undone["type"] == "ok", undone
    assert undone["decision"]["action"] == "undo" and undone["decision"]["undoes"] == answered["decision"]["id"]
    assert undone["question"]["status"] == "approved"
    assert (await until(screen, "screen.changed"))["question"]["id"] == question["id"]
    assert (await until_status(cit, "approved"))["question"]["id"] == question["id"]
    rows = await db(lambda: list(Decision.objects.order_by("id").values_list("action", "undoes_id")))
    assert rows[-1] == ("undo", answered["decision"]["id"])
    # and a new snapshot shows the answer as undone
    snapshot = await request(mod, "resync", request_id="r1")
    by_id = {d["id"]: d for d in snapshot["decisions"]}
    assert by_id[answered["decision"]["id"]]["undone_by"] == undone["decision"]["id"]


async def test_undo_after_a_later_change_is_expired(connect):
    # given an approval, then an edit of the same question
    townhall, moderator, mod, cit, screen = await open_room(connect)
    question = await ask(cit)
    approved = await request(mod, "question.approve", request_id="a1", question_id=question["id"])
    await request(mod, "question.edit", request_id="e1", question_id=question["id"], text="Reworded?")

    # when the approval is undone
    reply = await request(mod, "decision.undo", request_id="u1", decision_id=approved["decision"]["id"])

    # then
    assert reply["type"] == "error" and reply["code"] == "expired"
    assert await db(lambda: Question.objects.get(pk=question["id"]).status) == "approved"


async def test_restoring_a_merged_question_moves_its_votes_back(connect):
    # given two approved questions with votes; the second merged into the first
    townhall, moderator, mod, cit, screen = await open_room(connect)
    first = await ask(cit, text="First?", key="k1")
    second = await ask(cit, text="Second?", key="k2")

    def approve_and_vote():
        for q in (first, second):
            services.question_approve(townhall_id=townhall.pk, question_id=q["id"], moderator=moderator)
        for voter in ("v1", "v2"):
            services.question_vote(townhall_id=townhall.pk, question_id=second["id"], participant=voter, up=True)
        services.question_vote(townhall_id=townhall.pk, question_id=first["id"], participant="v1", up=True)

    await db(approve_and_vote)
    merged = await request(mod, "question.merge", request_id="m1", question_id=second["id"], into_id=first["id"])
    assert merged["into"]["votes"] == 2 and merged["decision"]["action"] == "merge"
    assert "question.restore" in merged["question"]["actions"]

    # when it is restored from the archive
    restored = await request(mod, "question.restore", request_id="r1", question_id=second["id"])

    # then it is approved again, with its two votes, and the first has its own one back
    assert restored["type"] == "ok", restored
    assert (restored["question"]["status"], restored["question"]["votes"]) == ("approved", 2)
    assert restored["decision"]["action"] == "restore"
    votes = await db(lambda: {q: Vote.objects.filter(question_id=q).count() for q in (first["id"], second["id"])})
    assert votes == {first["id"]: 1, second["id"]: 2}
    # and the asker sees it approved again
    assert (await until_status(cit, "approved"))["question"]["id"] in (first["id"], second["id"])


async def test_a_star_reaches_the_moderators_only(connect):
    # given an approved question
    townhall, moderator, mod, cit, screen = await open_room(connect)
    question = await ask(cit)
    approved = await request(mod, "question.approve", request_id="a1", question_id=question["id"])
    await until_status(cit, "approved")
    await until_status(screen, "approved")

    # when a moderator stars it
    reply = await request(mod, "question.star", request_id="s1", question_id=question["id"], starred=True)

    # then the moderators get it, its version did not move, and nobody else gets a frame
    assert reply["question"]["starred"] is True and reply["decision"] is None
    assert reply["question"]["version"] == approved["question"]["version"]
    # (the approval's own question.updated may still be on its way: with Redis
    # it can arrive after the star's reply)
    frame = await until(mod, "question.updated")
    if not frame["question"]["starred"]:
        assert frame["question"]["version"] == approved["question"]["version"]
        frame = await until(mod, "question.updated")
    assert frame["question"]["starred"] is True
    assert await cit.receive_nothing(timeout=0.3)
    assert await screen.receive_nothing(timeout=0.1)


async def test_sort_by_votes_and_reorder_reply_with_the_queue_and_their_decision(connect):
    # given two approved questions, the second with a vote
    townhall, moderator, mod, cit, screen = await open_room(connect)
    first = await ask(cit, text="First?", key="k1")
    second = await ask(cit, text="Second?", key="k2")

    def approve_and_vote():
        for q in (first, second):
            services.question_approve(townhall_id=townhall.pk, question_id=q["id"], moderator=moderator)
        services.question_vote(townhall_id=townhall.pk, question_id=second["id"], participant="v1", up=True)

    await db(approve_and_vote)

    # when the first is moved up by hand, then the queue sorted by votes again
    moved = await request(mod, "screen.reorder", request_id="o1", question_ids=[first["id"]])
    order = await until(screen, "townhall.updated")
    sorted_ = await request(mod, "screen.sort_by_votes", request_id="o2")

    # then
    assert moved["queue"] == [first["id"], second["id"]] and moved["decision"]["action"] == "reorder"
    assert order["townhall"]["queue_order"] == "manual"
    assert sorted_["queue"] == [second["id"], first["id"]] and sorted_["decision"]["action"] == "sort"
    assert (await until(screen, "townhall.updated"))["townhall"]["queue_order"] == "votes"
    # and next takes the most voted
    shown = await request(mod, "screen.next", request_id="n1")
    assert shown["screen"]["question"]["id"] == second["id"] and shown["decision"]["action"] == "next"


async def test_closing_from_the_console(connect):
    # given a pending question of the citizen, and an approved one on screen
    townhall, moderator, mod, cit, screen = await open_room(connect)
    pending = await ask(cit, key="k1")
    shown = await ask(cit, text="Shown?", key="k2")
    await request(mod, "question.approve", request_id="a1", question_id=shown["id"])
    await request(mod, "screen.show", request_id="s1", question_id=shown["id"])
    await until(screen, "screen.changed")

    # when the moderator closes the town hall
    reply = await request(mod, "townhall.close", request_id="c1")

    # then
    assert reply["type"] == "ok", reply
    assert reply["townhall"]["status"] == "closed" and reply["decision"]["action"] == "close"
    for comm in (cit, screen):
        assert (await until(comm, "townhall.updated"))["townhall"]["status"] == "closed"
    assert (await until(screen, "screen.changed"))["question"] is None
    mine = await until_status(cit, "unhandled")
    assert mine["question"]["id"] == pending["id"] and mine["question"]["mine"] is True

    # and later actions are refused with closed
    approve = await request(mod, "question.approve", request_id="a2", question_id=pending["id"])
    show = await request(mod, "screen.show", request_id="s2", question_id=shown["id"])
    submit = await request(cit, "question.submit", request_id="q3", text="Too late?", client_key="k3")
    assert (approve["code"], show["code"], submit["code"]) == ("closed", "closed", "closed")
    undo = await request(mod, "decision.undo", request_id="u1", decision_id=reply["decision"]["id"])
    editing = await request(mod, "question.editing", request_id="e1", question_id=None)
    assert (undo["code"], editing["type"]) == ("closed", "ok")
    assert await db(lambda: TownHall.objects.get(pk=townhall.pk).status) == "closed"
