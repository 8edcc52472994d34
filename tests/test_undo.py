"""Undo and restore (moderation/services/undo.py, merges.py), on the real database.

The generic check: for every undoable action, the room before the action ==
the room after the action and its undo (every question's visible fields and
votes, the screen, the queue order), and the undo is an ``undo`` Decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from moderation import services
from moderation.exceptions import Conflict, Expired, NotFound, TownHallClosed
from moderation.models import Decision, Event, Question, TownHall, Vote
from moderation.selectors import recent_decisions
from tests.support import factories

pytestmark = pytest.mark.django_db


class Room:
    def __init__(self) -> None:
        self.moderator = factories.make_user("alice")
        self.townhall = factories.make_townhall(moderators=[self.moderator], slug="room")
        self.pending = factories.make_question(self.townhall, text="Pending question?", author="Paul")
        self.a = self._approved("First approved?", voters=["v1", "v2"])
        self.b = self._approved("Second approved?", voters=["v2", "v3", "v4"])
        self.c = self._approved("Third approved?", voters=[])
        services.screen_show(townhall_id=self.townhall.pk, question_id=self.a.pk, moderator=self.moderator)

    def _approved(self, text: str, voters: list[str]) -> Question:
        question = factories.make_question(self.townhall, text=text)
        services.question_approve(townhall_id=self.townhall.pk, question_id=question.pk, moderator=self.moderator)
        for voter in voters:
            services.question_vote(townhall_id=self.townhall.pk, question_id=question.pk, participant=voter, up=True)
        return question

    def kw(self, **fields: Any) -> dict[str, Any]:
        return {"townhall_id": self.townhall.pk, "moderator": self.moderator, **fields}

    def state(self) -> dict[str, Any]:
        """Everything an action may change and an undo must put back."""
        townhall = TownHall.objects.get(pk=self.townhall.pk)
        questions = {
            q.pk: {
                "status": q.status,
                "reason": q.reason,
                "position": q.position,
                "text": q.text,
                "author": q.author,
                "place": q.place,
                "merged_into": q.merged_into_id,
                "votes": q.votes,
                "voters": sorted(Vote.objects.filter(question=q).values_list("participant", flat=True)),
                "decided_at": q.decided_at,
                "held": q.held,
                "personal_data": q.personal_data,
            }
            for q in Question.objects.filter(townhall=townhall)
        }
        return {"questions": questions, "screen": townhall.screen_question_id, "queue_order": townhall.queue_order}


@pytest.fixture
def room() -> Room:
    return Room()


def _answered(room: Room) -> Question:
    return services.question_answer(**room.kw(question_id=room.c.pk))


def _merged(room: Room) -> Question:
    return services.question_merge(**room.kw(question_id=room.b.pk, into_id=room.a.pk))[0]


# Each action, from the room fixture (after an optional setup): returns its decision record.
ACTIONS: dict[str, tuple[Callable[[Room], Any] | None, Callable[[Room], dict[str, Any]]]] = {
    "approve": (None, lambda r: services.question_approve(**r.kw(question_id=r.pending.pk)).decision),
    "reject pending": (
        None,
        lambda r: services.question_reject(**r.kw(question_id=r.pending.pk, reason="off_topic")).decision,
    ),
    "reject on screen": (
        None,
        lambda r: services.question_reject(**r.kw(question_id=r.a.pk, reason="abusive")).decision,
    ),
    "approve a rejected one": (
        lambda r: services.question_reject(**r.kw(question_id=r.pending.pk, reason="other")),
        lambda r: services.question_approve(**r.kw(question_id=r.pending.pk)).decision,
    ),
    "edit text, name and place": (
        None,
        lambda r: (
            services.question_edit(
                **r.kw(question_id=r.b.pk, text="Reworded?", author="", place="Tél 06 98 76 54 32")
            ).decision
        ),
    ),
    "answer on screen": (None, lambda r: services.question_answer(**r.kw(question_id=r.a.pk)).decision),
    "merge with shared voters": (None, lambda r: _merged(r).decision),
    "merge a pending one": (
        None,
        lambda r: services.question_merge(**r.kw(question_id=r.pending.pk, into_id=r.c.pk))[0].decision,
    ),
    "restore answered": (_answered, lambda r: services.question_restore(**r.kw(question_id=r.c.pk)).decision),
    "restore merged": (_merged, lambda r: services.question_restore(**r.kw(question_id=r.b.pk)).decision),
    "show over another": (None, lambda r: services.screen_show(**r.kw(question_id=r.c.pk)).decision),
    "clear": (None, lambda r: services.screen_clear(**r.kw()).decision),
    "next": (None, lambda r: services.screen_next(**r.kw()).decision),
    "next from an empty screen": (
        lambda r: services.screen_clear(**r.kw()),
        lambda r: services.screen_next(**r.kw()).decision,
    ),
    "reorder": (None, lambda r: services.screen_reorder(**r.kw(question_ids=[r.c.pk, r.a.pk])).decision),
    "sort by votes": (
        lambda r: services.screen_reorder(**r.kw(question_ids=[r.c.pk])),
        lambda r: services.screen_sort_by_votes(**r.kw()).decision,
    ),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_undo_puts_back_exactly_the_room_before_the_action(room: Room, name: str):
    # given the room, and the action's setup
    setup, act = ACTIONS[name]
    if setup is not None:
        setup(room)
    before = room.state()

    # when the action is taken, then undone
    decision = act(room)
    assert decision is not None and room.state() != before
    undone = services.decision_undo(**room.kw(decision_id=decision["id"]))

    # then the room is as it was, and the undo is a decision of its own
    assert room.state() == before
    assert undone.decision["action"] == "undo" and undone.decision["undoes"] == decision["id"]
    row = Decision.objects.get(pk=undone.decision["id"])
    assert row.undoes_id == decision["id"] and row.moderator == room.moderator
    # and the audit trail says the decision was undone
    listed = {d["id"]: d for d in recent_decisions(room.townhall.pk)}
    assert listed[decision["id"]]["undone_by"] == undone.decision["id"]
    assert listed[undone.decision["id"]]["undoes"] == decision["id"]


@pytest.mark.parametrize("name", list(ACTIONS))
def test_an_undo_is_told_to_the_moderators_with_its_decision(room: Room, name: str):
    # given an action
    setup, act = ACTIONS[name]
    if setup is not None:
        setup(room)
    decision = act(room)
    last = room.townhall.__class__.objects.get(pk=room.townhall.pk).last_seq

    # when it is undone
    undone = services.decision_undo(**room.kw(decision_id=decision["id"]))

    # then exactly one of the events it appended carries the undo decision
    appended = Event.objects.filter(townhall=room.townhall, seq__gt=last)
    carried = [e for e in appended if e.payload.get("decision")]
    assert [e.payload["decision"]["id"] for e in carried] == [undone.decision["id"]]


def test_undo_of_an_edit_after_another_edit_is_expired(room: Room):
    # given an edit, then another change to the same question
    first = services.question_edit(**room.kw(question_id=room.b.pk, author="Someone"))
    services.question_edit(**room.kw(question_id=room.b.pk, place="Nord"))
    before = room.state()

    # when / then
    with pytest.raises(Expired):
        services.decision_undo(**room.kw(decision_id=first.decision["id"]))
    assert room.state() == before
    assert not Decision.objects.filter(action="undo").exists()


def test_undo_of_an_approval_after_the_question_was_answered_is_expired(room: Room):
    # given
    approved = services.question_approve(**room.kw(question_id=room.pending.pk))
    services.question_answer(**room.kw(question_id=room.pending.pk))

    # when / then
    with pytest.raises(Expired):
        services.decision_undo(**room.kw(decision_id=approved.decision["id"]))


def test_undo_of_a_show_after_the_screen_changed_is_expired(room: Room):
    # given a show, then another one
    shown = services.screen_show(**room.kw(question_id=room.b.pk))
    services.screen_show(**room.kw(question_id=room.c.pk))

    # when / then
    with pytest.raises(Expired):
        services.decision_undo(**room.kw(decision_id=shown.decision["id"]))
    assert TownHall.objects.get(pk=room.townhall.pk).screen_question_id == room.c.pk


def test_undo_of_a_reorder_after_another_reorder_is_expired(room: Room):
    # given
    first = services.screen_reorder(**room.kw(question_ids=[room.c.pk]))
    services.screen_reorder(**room.kw(question_ids=[room.b.pk]))

    # when / then
    with pytest.raises(Expired):
        services.decision_undo(**room.kw(decision_id=first.decision["id"]))


def test_a_decision_is_undone_once(room: Room):
    # given
    approved = services.question_approve(**room.kw(question_id=room.pending.pk))
    services.decision_undo(**room.kw(decision_id=approved.decision["id"]))

    # when / then
    with pytest.raises(Expired):
        services.decision_undo(**room.kw(decision_id=approved.decision["id"]))


def test_undo_after_the_window_is_expired(room: Room, settings):
    # given a decision older than the window
    settings.UNDO_WINDOW = 300
    approved = services.question_approve(**room.kw(question_id=room.pending.pk))
    Decision.objects.filter(pk=approved.decision["id"]).update(created_at=timezone.now() - timedelta(seconds=301))

    # when / then
    with pytest.raises(Expired):
        services.decision_undo(**room.kw(decision_id=approved.decision["id"]))
    assert Question.objects.get(pk=room.pending.pk).status == "approved"


def test_undo_just_inside_the_window_works(room: Room, settings):
    # given
    settings.UNDO_WINDOW = 300
    approved = services.question_approve(**room.kw(question_id=room.pending.pk))
    Decision.objects.filter(pk=approved.decision["id"]).update(created_at=timezone.now() - timedelta(seconds=290))

    # when
    services.decision_undo(**room.kw(decision_id=approved.decision["id"]))

    # then
    assert Question.objects.get(pk=room.pending.pk).status == "pending"


@pytest.mark.parametrize("action", ["held_terms", "close", "undo"])
def test_what_cannot_be_undone_is_refused(room: Room, action: str):
    # given a decision that is not undoable
    if action == "held_terms":
        decision = services.townhall_set_held_terms(**room.kw(terms=["voyou"])).decision
    elif action == "undo":
        approved = services.question_approve(**room.kw(question_id=room.pending.pk))
        decision = services.decision_undo(**room.kw(decision_id=approved.decision["id"])).decision
    else:
        other = factories.make_townhall(moderators=[room.moderator])
        decision = services.townhall_close(townhall_id=other.pk, moderator=room.moderator).decision
        with pytest.raises(NotFound):  # another town hall's decision
            services.decision_undo(**room.kw(decision_id=decision["id"]))
        decision = Decision.objects.create(townhall=room.townhall, moderator=room.moderator, action="close")
        decision = {"id": decision.pk}

    # when / then
    with pytest.raises(Conflict):
        services.decision_undo(**room.kw(decision_id=decision["id"]))


def test_undo_after_close_is_refused(room: Room):
    # given
    approved = services.question_approve(**room.kw(question_id=room.pending.pk))
    services.townhall_close(townhall_id=room.townhall.pk, moderator=room.moderator)

    # when / then
    with pytest.raises(TownHallClosed):
        services.decision_undo(**room.kw(decision_id=approved.decision["id"]))


def test_undo_of_next_puts_both_questions_back(room: Room):
    # given a on screen; b has the most votes
    decision = services.screen_next(**room.kw()).decision
    assert Question.objects.get(pk=room.a.pk).status == "answered"
    assert TownHall.objects.get(pk=room.townhall.pk).screen_question_id == room.b.pk

    # when
    undone = services.decision_undo(**room.kw(decision_id=decision["id"]))

    # then
    assert Question.objects.get(pk=room.a.pk).status == "approved"
    assert undone.screen.screen_question_id == room.a.pk
    assert undone.question.pk == room.a.pk


# --- restore from the archive -----------------------------------------------------


def test_restoring_an_answered_question_puts_it_at_the_end_of_the_queue(room: Room):
    # given
    _answered(room)

    # when
    restored = services.question_restore(**room.kw(question_id=room.c.pk))

    # then
    assert restored.status == "approved"
    assert restored.position > max(Question.objects.get(pk=q.pk).position for q in (room.a, room.b))
    assert restored.decision["action"] == "restore"
    assert (restored.decision["from_status"], restored.decision["to_status"]) == ("answered", "approved")


def test_restoring_a_merged_question_moves_its_votes_back(room: Room):
    # given b (voters v2 v3 v4) merged into a (v1 v2): v3, v4 moved, v2 counted once
    _merged(room)
    assert Question.objects.get(pk=room.a.pk).votes == 4

    # when
    restored = services.question_restore(**room.kw(question_id=room.b.pk))

    # then b has its three voters back, a its own two
    a, b = Question.objects.get(pk=room.a.pk), Question.objects.get(pk=room.b.pk)
    assert (b.status, b.merged_into_id, b.votes) == ("approved", None, 3)
    assert sorted(Vote.objects.filter(question=b).values_list("participant", flat=True)) == ["v2", "v3", "v4"]
    assert sorted(Vote.objects.filter(question=a).values_list("participant", flat=True)) == ["v1", "v2"]
    assert a.votes == 2 and restored.votes == 3


def test_restoring_a_merged_pending_question_makes_it_pending_again(room: Room):
    # given
    services.question_merge(**room.kw(question_id=room.pending.pk, into_id=room.c.pk))

    # when
    restored = services.question_restore(**room.kw(question_id=room.pending.pk))

    # then
    assert (restored.status, restored.position, restored.merged_into_id) == ("pending", None, None)


def test_restore_then_undo_then_restore_again_keeps_the_votes_right(room: Room):
    # given b merged into a, restored, and the restore undone (merged again)
    _merged(room)
    restored = services.question_restore(**room.kw(question_id=room.b.pk))
    services.decision_undo(**room.kw(decision_id=restored.decision["id"]))
    assert Question.objects.get(pk=room.b.pk).status == "merged"
    assert Question.objects.get(pk=room.a.pk).votes == 4

    # when it is restored again
    services.question_restore(**room.kw(question_id=room.b.pk))

    # then the votes are back where they came from
    assert Question.objects.get(pk=room.b.pk).votes == 3
    assert Question.objects.get(pk=room.a.pk).votes == 2


@pytest.mark.parametrize("status", ["pending", "approved", "rejected"])
def test_restore_is_only_for_answered_and_merged(room: Room, status: str):
    # given
    question = {"pending": room.pending, "approved": room.b}.get(status)
    if question is None:
        question = services.question_reject(**room.kw(question_id=room.pending.pk, reason="other"))

    # when / then
    with pytest.raises(Conflict):
        services.question_restore(**room.kw(question_id=question.pk))
