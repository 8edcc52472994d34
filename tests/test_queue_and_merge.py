"""Merging duplicates, batch approval, the screen queue (order and "next"), and the place field."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from moderation import services
from moderation.exceptions import BadRequest, Conflict, TooLong
from moderation.models import Decision, Question, TownHall, Vote
from tests.support import factories
from tests.support.ws import expect, request, until, until_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def room():
    moderator = factories.make_user("alice", first_name="Alice")
    return factories.make_townhall(moderators=[moderator], slug="room"), moderator


def approved(townhall, moderator, text, participant=None):
    question = factories.make_question(townhall, text=text, participant=participant)
    return services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)


def vote(townhall, question, participant):
    services.question_vote(townhall_id=townhall.pk, question_id=question.pk, participant=participant, up=True)


# --- merge ----------------------------------------------------------------------


def test_merging_moves_votes_once_per_participant_and_is_audited(room):
    # given two approved duplicates; p2 voted for both
    townhall, moderator = room
    keep = approved(townhall, moderator, "When will the tram reach the north?")
    duplicate = approved(townhall, moderator, "Tram to the north district, when?")
    for participant in ("p1", "p2"):
        vote(townhall, keep, participant)
    for participant in ("p2", "p3", "p4"):
        vote(townhall, duplicate, participant)

    # when the duplicate is merged into the other
    merged, target = services.question_merge(
        townhall_id=townhall.pk,
        question_id=duplicate.pk,
        into_id=keep.pk,
        moderator=moderator,
        version=duplicate.version,
    )

    # then the votes combine (p2 counted once) and the duplicate points to its target
    assert target.votes == 4 and Vote.objects.filter(question=keep).count() == 4
    assert merged.status == "merged" and merged.merged_into_id == keep.pk and merged.votes == 0
    assert not Vote.objects.filter(question=duplicate).exists()
    decision = Decision.objects.latest("id")
    assert (decision.action, decision.from_status, decision.to_status, decision.question_id) == (
        "merge",
        "approved",
        "merged",
        duplicate.pk,
    )


@pytest.mark.parametrize("target_status", ["rejected", "answered", "withdrawn"])
def test_merging_into_a_closed_question_is_refused(room, target_status):
    townhall, moderator = room
    source = factories.make_question(townhall, text="Duplicate?")
    target = factories.make_question(townhall, text="Original?")
    Question.objects.filter(pk=target.pk).update(status=target_status)

    with pytest.raises(Conflict):
        services.question_merge(townhall_id=townhall.pk, question_id=source.pk, into_id=target.pk, moderator=moderator)
    assert Question.objects.get(pk=source.pk).status == "pending"


def test_a_question_cannot_be_merged_into_itself_or_twice(room):
    townhall, moderator = room
    source = factories.make_question(townhall, text="Duplicate?")
    target = factories.make_question(townhall, text="Original?")
    with pytest.raises(BadRequest):
        services.question_merge(townhall_id=townhall.pk, question_id=source.pk, into_id=source.pk, moderator=moderator)
    services.question_merge(townhall_id=townhall.pk, question_id=source.pk, into_id=target.pk, moderator=moderator)
    with pytest.raises(Conflict):
        services.question_merge(townhall_id=townhall.pk, question_id=source.pk, into_id=target.pk, moderator=moderator)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_the_asker_sees_into_which_question_theirs_was_merged_and_others_lose_it(connect):
    # given an asker and another citizen, both watching; two approved questions
    @database_sync_to_async
    def setup():
        moderator = factories.make_user("alice")
        townhall = factories.make_townhall(moderators=[moderator], slug="room")
        asker_session, asker = factories.citizen_session()
        other_session, _ = factories.citizen_session()
        duplicate = approved(townhall, moderator, "Is the pool closing?", participant=asker)
        keep = approved(townhall, moderator, "Will the municipal pool close this winter?")
        return townhall, factories.login_session(moderator), asker_session, other_session, duplicate, keep

    townhall, mod_session, asker_session, other_session, duplicate, keep = await setup()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    asker = await connect("/ws/t/room/", session=asker_session)
    other = await connect("/ws/t/room/", session=other_session)
    for comm in (mod, asker, other):
        await expect(comm, "snapshot")

    # when the moderator merges the asker's question into the other
    reply = await request(mod, "question.merge", question_id=duplicate.pk, into_id=keep.pk)

    # then the reply and the asker's event say where it went, and the public no longer sees it
    assert reply["question"]["status"] == "merged" and reply["into"]["id"] == keep.pk
    mine = (await until_status(asker, "merged"))["question"]
    assert mine["mine"] is True and mine["merged_into"] == {"id": keep.pk, "text": keep.text}
    assert (await until(other, "question.removed"))["question_id"] == duplicate.pk
    # and moderators get the audit row with the event
    updated = await until_status(mod, "merged")
    assert updated["decision"]["action"] == "merge" and updated["decision"]["moderator"]["username"] == "alice"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_citizen_does_not_see_the_text_of_another_citizens_question_that_is_not_public(connect):
    # given the asker's question and another citizen's question, both pending
    @database_sync_to_async
    def setup():
        moderator = factories.make_user("alice")
        townhall = factories.make_townhall(moderators=[moderator], slug="room")
        asker_session, asker = factories.citizen_session()
        duplicate = factories.make_question(townhall, text="Is the pool closing?", participant=asker)
        target = factories.make_question(townhall, text="My neighbour Paul Martin says the pool closes")
        return townhall, factories.login_session(moderator), asker_session, duplicate, target

    townhall, mod_session, asker_session, duplicate, target = await setup()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    asker = await connect("/ws/t/room/", session=asker_session)
    await expect(mod, "snapshot")
    await expect(asker, "snapshot")

    # when the moderator merges the asker's question into the pending one
    reply = await request(mod, "question.merge", question_id=duplicate.pk, into_id=target.pk)

    # then moderators see where it went, the asker only that it was merged
    assert reply["question"]["merged_into"] == {"id": target.pk, "text": target.text}
    mine = (await until_status(asker, "merged"))["question"]
    assert mine["merged_into"] == {"id": target.pk, "text": None}

    # when the target is approved, the asker's next snapshot names it
    await request(mod, "question.approve", question_id=target.pk)
    snapshot = await request(asker, "resync")
    (mine,) = [q for q in snapshot["questions"] if q["id"] == duplicate.pk]
    assert mine["merged_into"] == {"id": target.pk, "text": target.text}

    # and once it is rejected, no longer
    await request(mod, "question.reject", question_id=target.pk, reason="personal_data")
    snapshot = await request(asker, "resync")
    (mine,) = [q for q in snapshot["questions"] if q["id"] == duplicate.pk]
    assert mine["merged_into"] == {"id": target.pk, "text": None}
    assert target.text not in json.dumps(snapshot)


# --- batch approval ---------------------------------------------------------------------


def test_batch_approval_approves_each_and_reports_conflicts(room):
    # given three pending questions, one of which another moderator changed meanwhile
    townhall, moderator = room
    first, second, third = (factories.make_question(townhall, text=f"Question {i}?") for i in range(3))
    services.question_edit(townhall_id=townhall.pk, question_id=second.pk, moderator=moderator, text="Edited?")

    # when the batch is approved with the versions the console saw
    done, refused = services.question_approve_many(
        townhall_id=townhall.pk,
        moderator=moderator,
        items=[(first.pk, first.version), (second.pk, second.version), (third.pk, None)],
    )

    # then the stale one is refused and the others approved, each audited
    assert [q.pk for q in done] == [first.pk, third.pk]
    assert [(qid, exc.code) for qid, exc in refused] == [(second.pk, "conflict")]
    assert Question.objects.get(pk=second.pk).status == "pending"
    assert Decision.objects.filter(action="approve").count() == 2


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_batch_approval_over_the_socket(connect):
    @database_sync_to_async
    def setup():
        moderator = factories.make_user("alice")
        townhall = factories.make_townhall(moderators=[moderator], slug="room")
        questions = [factories.make_question(townhall, text=f"Civil question {i}?") for i in range(3)]
        return factories.login_session(moderator), questions

    session, questions = await setup()
    mod = await connect("/ws/t/room/moderate/", session=session)
    await expect(mod, "snapshot")

    reply = await request(
        mod, "question.approve_many", items=[{"question_id": q.pk, "version": q.version} for q in questions]
    )
    bad = await request(mod, "question.approve_many", request_id="bad", items=[])

    assert reply["type"] == "ok" and [q["status"] for q in reply["approved"]] == ["approved"] * 3
    assert reply["refused"] == []
    assert bad["type"] == "error" and bad["code"] == "bad_request"


# --- the screen queue -------------------------------------------------------------------


def test_approved_questions_queue_in_approval_order_and_can_be_reordered(room):
    townhall, moderator = room
    a, b, c = (approved(townhall, moderator, f"Queue {name}?") for name in "abc")
    assert [q.position for q in (a, b, c)] == [1.0, 2.0, 3.0]

    ordered = services.screen_reorder(townhall_id=townhall.pk, moderator=moderator, question_ids=[c.pk, a.pk])

    assert [q.pk for q in ordered] == [c.pk, a.pk, b.pk]
    positions = dict(Question.objects.filter(townhall=townhall).values_list("id", "position"))
    assert positions[c.pk] < positions[a.pk] < positions[b.pk]
    assert Decision.objects.filter(action="reorder").count() == 1


def test_reordering_a_question_that_is_not_approved_is_refused(room):
    townhall, moderator = room
    a = approved(townhall, moderator, "Approved?")
    pending = factories.make_question(townhall, text="Pending?")
    with pytest.raises(Conflict):
        services.screen_reorder(townhall_id=townhall.pk, moderator=moderator, question_ids=[pending.pk, a.pk])
    with pytest.raises(BadRequest):
        services.screen_reorder(townhall_id=townhall.pk, moderator=moderator, question_ids=[a.pk, a.pk])


def test_next_answers_the_current_question_and_shows_the_first_of_the_queue(room):
    # given a queue of three, the first on screen
    townhall, moderator = room
    a, b, c = (approved(townhall, moderator, f"Next {name}?") for name in "abc")
    services.screen_reorder(townhall_id=townhall.pk, moderator=moderator, question_ids=[a.pk, c.pk, b.pk])
    services.screen_show(townhall_id=townhall.pk, question_id=a.pk, moderator=moderator)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when the officials move on
    services.screen_next(townhall_id=townhall.pk, moderator=moderator)

    # then the current one is answered and the queue's first is on screen, with no blank screen between
    assert Question.objects.get(pk=a.pk).status == "answered"
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id == c.pk
    changes = [e.payload["question"] for e in townhall.events.filter(seq__gt=seq_before, type="screen.changed")]
    assert [q["id"] if q else None for q in changes] == [c.pk]

    # and when the queue runs out, the screen is cleared
    services.screen_next(townhall_id=townhall.pk, moderator=moderator)
    services.screen_next(townhall_id=townhall.pk, moderator=moderator)
    services.screen_next(townhall_id=townhall.pk, moderator=moderator)
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id is None
    assert set(Question.objects.filter(townhall=townhall).values_list("status", flat=True)) == {"answered"}


# --- place ------------------------------------------------------------------------------


def test_the_citizen_may_give_a_place(room):
    townhall, _ = room
    question, _ = services.question_submit(
        townhall_id=townhall.pk,
        participant="p",
        text="Bus 12?",
        client_key="k",
        author=" Zoë ",
        place="  Quartier\nNord ",
    )
    assert (question.author, question.place) == ("Zoë", "Quartier Nord")
    with pytest.raises(TooLong):
        services.question_submit(townhall_id=townhall.pk, participant="p", text="x?", client_key="k2", place="x" * 81)
