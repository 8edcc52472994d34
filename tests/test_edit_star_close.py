"""Editing name and place, personal-data flags, batch refusals, stars, queue order
and closing (moderation/services), on the real database."""

from __future__ import annotations

import uuid

import pytest

from moderation import services
from moderation.exceptions import BadRequest, TooLong, TownHallClosed
from moderation.models import Decision, Event, Question, TownHall
from moderation.presenters import Viewer, render_event
from moderation.scoring.base import ScoreResult
from tests.support import factories

pytestmark = pytest.mark.django_db

PHONE_PLACE = "Résidence Les Pins bât. B, tél 06 98 76 54 32"


@pytest.fixture
def moderator():
    return factories.make_user("alice")


@pytest.fixture
def townhall(moderator) -> TownHall:
    return factories.make_townhall(moderators=[moderator], slug="room")


def submit(townhall: TownHall, text: str = "When will the pool reopen?", **fields) -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk, participant=fields.pop("participant", "p-asker"), text=text,
        client_key=uuid.uuid4().hex, **fields,
    )  # fmt: skip
    return question


def kw(townhall: TownHall, moderator, **fields):
    return {"townhall_id": townhall.pk, "moderator": moderator, **fields}


# --- originals and personal data at submit -----------------------------------------


def test_submit_keeps_the_originals_and_flags_the_place_of_the_issue(townhall):
    # given / when
    question = submit(townhall, author="Élodie", place=PHONE_PLACE)

    # then
    assert (question.original_author, question.original_place) == ("Élodie", PHONE_PLACE)
    assert question.personal_data == [{"field": "place", "kind": "phone"}, {"field": "place", "kind": "address"}]
    assert question.edited is False


def test_a_phone_number_in_the_text_is_flagged_whatever_the_score(townhall):
    # given a question with a phone number, scored harmless
    question = submit(townhall, text="Appelez-moi au 06 98 76 54 32 pour le dossier")
    services.question_apply_score(question_id=question.pk, result=ScoreResult(labels={"toxicity": 0.02}, model="m"))

    # when / then
    assert Question.objects.get(pk=question.pk).personal_data == [{"field": "text", "kind": "phone"}]


# --- editing text, name and place ------------------------------------------------


def test_editing_name_and_place_keeps_the_originals_and_clears_the_flags(townhall, moderator):
    # given
    question = submit(townhall, author="Élodie", place=PHONE_PLACE)

    # when
    edited = services.question_edit(**kw(townhall, moderator, question_id=question.pk, place="Quartier Nord"))

    # then
    assert (edited.author, edited.place) == ("Élodie", "Quartier Nord")
    assert (edited.original_author, edited.original_place) == ("Élodie", PHONE_PLACE)
    assert edited.personal_data == [] and edited.edited is True
    assert edited.version == question.version + 1 and edited.status == "pending"
    row = Decision.objects.get(pk=edited.decision["id"])
    assert row.action == "edit" and row.undo_data["before"]["place"] == PHONE_PLACE


def test_an_edit_that_adds_personal_data_flags_it(townhall, moderator):
    # given
    question = submit(townhall)

    # when
    edited = services.question_edit(**kw(townhall, moderator, question_id=question.pk, author="marie@exemple.fr"))

    # then
    assert edited.personal_data == [{"field": "author", "kind": "email"}]


def test_name_and_place_may_be_emptied(townhall, moderator):
    # given
    question = submit(townhall, author="Élodie", place=PHONE_PLACE)

    # when
    edited = services.question_edit(**kw(townhall, moderator, question_id=question.pk, author="", place=""))

    # then
    assert (edited.author, edited.place, edited.edited) == ("", "", True)


@pytest.mark.parametrize("field", ["author", "place"])
def test_name_and_place_keep_the_limit_of_80(townhall, moderator, field):
    # given
    question = submit(townhall)

    # when / then
    services.question_edit(**kw(townhall, moderator, question_id=question.pk, **{field: "x" * 80}))
    with pytest.raises(TooLong):
        services.question_edit(**kw(townhall, moderator, question_id=question.pk, **{field: "x" * 81}))


def test_an_edit_needs_a_field_and_an_unchanged_edit_writes_nothing(townhall, moderator):
    # given
    question = submit(townhall, author="Élodie")

    # when / then
    with pytest.raises(BadRequest):
        services.question_edit(**kw(townhall, moderator, question_id=question.pk))
    same = services.question_edit(**kw(townhall, moderator, question_id=question.pk, author=" Élodie "))
    assert same.decision is None and same.version == question.version
    assert not Decision.objects.filter(action="edit").exists()


def test_editing_back_to_the_original_is_not_edited(townhall, moderator):
    # given
    question = submit(townhall, author="Élodie")
    services.question_edit(**kw(townhall, moderator, question_id=question.pk, author="E."))

    # when
    back = services.question_edit(**kw(townhall, moderator, question_id=question.pk, author="Élodie"))

    # then
    assert back.edited is False


def test_everyone_who_sees_the_question_gets_the_edited_name(townhall, moderator):
    # given an approved question
    question = submit(townhall, author="Élodie", place=PHONE_PLACE)
    services.question_approve(**kw(townhall, moderator, question_id=question.pk))

    # when the place is edited
    services.question_edit(**kw(townhall, moderator, question_id=question.pk, place="Les Pins"))

    # then the screen's frame carries the new place and the edited mark
    event = Event.objects.filter(townhall=townhall).order_by("-seq").first()
    frame = render_event(Viewer(role="screen"), event.seq, event.type, event.payload)
    assert frame["question"]["place"] == "Les Pins" and frame["question"]["edited"] is True


# --- batch approval -------------------------------------------------------------


def test_batch_approval_refuses_personal_data_and_held_questions(townhall, moderator):
    # given a clean question, one with a phone number as place, one held by a term
    clean = submit(townhall)
    flagged = submit(townhall, place=PHONE_PLACE)
    services.townhall_set_held_terms(**kw(townhall, moderator, terms=["voyou"]))
    held = submit(townhall, text="Le maire est un voyou")

    # when
    approved, refused = services.question_approve_many(
        **kw(townhall, moderator, items=[(clean.pk, None), (flagged.pk, None), (held.pk, None)])
    )

    # then
    assert [q.pk for q in approved] == [clean.pk]
    assert approved[0].decision["action"] == "approve"
    assert {qid: exc.code for qid, exc in refused} == {flagged.pk: "personal_data", held.pk: "conflict"}
    assert Question.objects.get(pk=flagged.pk).status == "pending"
    # and one by one, after reading, it can be approved
    assert services.question_approve(**kw(townhall, moderator, question_id=flagged.pk)).status == "approved"


# --- stars ----------------------------------------------------------------------


def test_a_star_changes_no_version_writes_no_decision_and_reaches_moderators_only(townhall, moderator):
    # given an approved question
    question = submit(townhall)
    question = services.question_approve(**kw(townhall, moderator, question_id=question.pk))
    decisions = Decision.objects.count()

    # when
    starred = services.question_star(**kw(townhall, moderator, question_id=question.pk, starred=True))

    # then
    assert starred.starred is True and starred.version == question.version and starred.decision is None
    assert Decision.objects.count() == decisions
    event = Event.objects.filter(townhall=townhall).order_by("-seq").first()
    assert event.type == "question.updated"
    for viewer in (Viewer(role="screen"), Viewer(role="citizen", participant="p-asker")):
        assert render_event(viewer, event.seq, event.type, event.payload) is None
    frame = render_event(Viewer(role="moderator"), event.seq, event.type, event.payload)
    assert frame["question"]["starred"] is True


def test_starring_twice_appends_one_event(townhall, moderator):
    # given
    question = submit(townhall)
    services.question_star(**kw(townhall, moderator, question_id=question.pk, starred=True))
    seq = TownHall.objects.get(pk=townhall.pk).last_seq

    # when / then
    services.question_star(**kw(townhall, moderator, question_id=question.pk, starred=True))
    assert TownHall.objects.get(pk=townhall.pk).last_seq == seq


# --- queue order ----------------------------------------------------------------


def _approved(townhall, moderator, text: str, votes: int) -> Question:
    question = submit(townhall, text=text)
    services.question_approve(**kw(townhall, moderator, question_id=question.pk))
    for index in range(votes):
        services.question_vote(townhall_id=townhall.pk, question_id=question.pk, participant=f"v{index}", up=True)
    return question


def test_next_takes_the_most_voted_question_until_the_queue_is_moved_by_hand(townhall, moderator):
    # given three approved questions, the third with the most votes
    a = _approved(townhall, moderator, "A?", 0)
    b = _approved(townhall, moderator, "B?", 1)
    c = _approved(townhall, moderator, "C?", 3)
    assert TownHall.objects.get(pk=townhall.pk).queue_order == "votes"

    # when next is pressed, the most voted comes first, then b (votes), then a
    shown = [services.screen_next(**kw(townhall, moderator)).screen_question_id for _ in range(3)]

    # then
    assert shown == [c.pk, b.pk, a.pk]
    assert Decision.objects.filter(action="next").count() == 3
    assert not Decision.objects.filter(action__in=("show", "answer")).exists()


def test_reorder_makes_the_queue_manual_and_sort_by_votes_brings_votes_back(townhall, moderator):
    # given
    a = _approved(townhall, moderator, "A?", 0)
    b = _approved(townhall, moderator, "B?", 2)

    # when a is moved first by hand
    queue = services.screen_reorder(**kw(townhall, moderator, question_ids=[a.pk]))

    # then the queue is manual, and next takes a
    assert [q.pk for q in queue] == [a.pk, b.pk] and queue.decision["action"] == "reorder"
    assert TownHall.objects.get(pk=townhall.pk).queue_order == "manual"
    order_event = Event.objects.filter(townhall=townhall, type="townhall.updated").order_by("-seq").first()
    assert order_event.payload["townhall"]["queue_order"] == "manual"

    # when sorted by votes again
    queue = services.screen_sort_by_votes(**kw(townhall, moderator))

    # then
    assert [q.pk for q in queue] == [b.pk, a.pk] and queue.decision["action"] == "sort"
    assert services.screen_next(**kw(townhall, moderator)).screen_question_id == b.pk


def test_showing_a_question_leaves_the_one_on_screen_approved_in_the_queue(townhall, moderator):
    # given a on screen
    a = _approved(townhall, moderator, "A?", 0)
    b = _approved(townhall, moderator, "B?", 0)
    services.screen_show(**kw(townhall, moderator, question_id=a.pk))

    # when b is shown directly
    services.screen_show(**kw(townhall, moderator, question_id=b.pk))

    # then a was not answered: it waits in the queue, and next (answering b) takes it
    assert Question.objects.get(pk=a.pk).status == "approved"
    assert services.screen_next(**kw(townhall, moderator)).screen_question_id == a.pk
    assert Question.objects.get(pk=b.pk).status == "answered"


# --- closing --------------------------------------------------------------------


def test_closing_makes_pending_questions_unhandled_and_clears_the_screen(townhall, moderator):
    # given a pending and an approved question on screen
    pending = submit(townhall)
    shown = _approved(townhall, moderator, "Shown?", 0)
    services.screen_show(**kw(townhall, moderator, question_id=shown.pk))
    seq = TownHall.objects.get(pk=townhall.pk).last_seq

    # when the console closes it
    closed = services.townhall_close(townhall_id=townhall.pk, moderator=moderator)

    # then
    assert closed.status == "closed" and closed.screen_question_id is None
    assert closed.decision["action"] == "close"
    assert Question.objects.get(pk=pending.pk).status == "unhandled"
    assert Question.objects.get(pk=shown.pk).status == "approved"
    types = list(Event.objects.filter(townhall=townhall, seq__gt=seq).order_by("seq").values_list("type", flat=True))
    assert types == ["townhall.updated", "screen.changed", "question.updated"]


def test_an_unhandled_question_reaches_its_asker_only(townhall, moderator):
    # given
    submit(townhall, participant="p-asker")

    # when
    services.townhall_close(townhall_id=townhall.pk, moderator=moderator)

    # then
    event = Event.objects.filter(townhall=townhall, type="question.updated").order_by("-seq").first()
    asker = render_event(Viewer(role="citizen", participant="p-asker"), event.seq, event.type, event.payload)
    assert asker["question"]["status"] == "unhandled" and asker["question"]["mine"] is True
    assert render_event(Viewer(role="citizen", participant="other"), event.seq, event.type, event.payload) is None
    assert render_event(Viewer(role="screen"), event.seq, event.type, event.payload) is None


def test_the_command_line_closes_through_the_same_service(townhall):
    # given
    pending = submit(townhall)

    # when
    services.townhall_set_status(townhall_id=townhall.pk, status="closed")

    # then
    assert Question.objects.get(pk=pending.pk).status == "unhandled"
    row = Decision.objects.get(action="close")
    assert row.moderator is None


def test_closing_twice_changes_nothing(townhall, moderator):
    # given
    services.townhall_close(townhall_id=townhall.pk, moderator=moderator)
    seq = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    again = services.townhall_close(townhall_id=townhall.pk, moderator=moderator)

    # then
    assert again.decision is None and TownHall.objects.get(pk=townhall.pk).last_seq == seq


def test_after_close_moderators_cannot_act_on_questions_or_the_screen(townhall, moderator):
    # given
    question = _approved(townhall, moderator, "A?", 0)
    services.townhall_close(townhall_id=townhall.pk, moderator=moderator)
    calls = [
        lambda: services.question_approve(**kw(townhall, moderator, question_id=question.pk)),
        lambda: services.question_reject(**kw(townhall, moderator, question_id=question.pk, reason="other")),
        lambda: services.question_answer(**kw(townhall, moderator, question_id=question.pk)),
        lambda: services.question_edit(**kw(townhall, moderator, question_id=question.pk, text="B?")),
        lambda: services.question_star(**kw(townhall, moderator, question_id=question.pk, starred=True)),
        lambda: services.screen_show(**kw(townhall, moderator, question_id=question.pk)),
        lambda: services.screen_next(**kw(townhall, moderator)),
        lambda: services.screen_clear(**kw(townhall, moderator)),
        lambda: services.screen_sort_by_votes(**kw(townhall, moderator)),
        lambda: services.question_approve_many(**kw(townhall, moderator, items=[(question.pk, None)])),
    ]

    # when / then
    for call in calls:
        with pytest.raises(TownHallClosed):
            call()
    assert Question.objects.get(pk=question.pk).status == "approved"
