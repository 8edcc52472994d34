"""The question state table: every (status, action) pair. Pure, no database."""

from __future__ import annotations

import itertools

import pytest

from moderation import states
from moderation.states import InvalidTransition, allowed_actions, next_status

# The protocol's transition table (docs/protocol.md), written out independently
# of states.TRANSITIONS so that a change to the table has to be deliberate.
EXPECTED = {
    ("pending", "approve"): "approved",
    ("rejected", "approve"): "approved",
    ("pending", "reject"): "rejected",
    ("approved", "reject"): "rejected",
    ("pending", "edit"): "pending",
    ("approved", "edit"): "approved",
    ("approved", "answer"): "answered",
    ("pending", "withdraw"): "withdrawn",
    ("approved", "withdraw"): "withdrawn",
    ("pending", "merge"): "merged",
    ("approved", "merge"): "merged",
    ("answered", "restore"): "approved",
    ("merged", "restore"): states.BEFORE,  # the status it had before the merge
    ("pending", "close"): "unhandled",
}

ALL_PAIRS = list(itertools.product(states.STATUSES, states.ACTIONS))
ALLOWED = [pair for pair in ALL_PAIRS if pair in EXPECTED]
REFUSED = [pair for pair in ALL_PAIRS if pair not in EXPECTED]


def test_statuses_and_actions_are_the_documented_ones():
    # given / when / then
    assert states.STATUSES == ("pending", "approved", "rejected", "answered", "withdrawn", "merged", "unhandled")
    assert states.ACTIONS == ("approve", "reject", "edit", "answer", "withdraw", "merge", "restore", "close")
    assert len(ALL_PAIRS) == 56 and len(ALLOWED) == 14 and len(REFUSED) == 42


def test_table_matches_the_protocol():
    # given the table in code
    table = dict(states.TRANSITIONS)

    # when / then it is exactly the documented one
    assert table == EXPECTED


@pytest.mark.parametrize(("status", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_allowed_pair_leads_to_the_table_target(status: str, action: str):
    # given an allowed move
    expected = EXPECTED[(status, action)]

    # when
    if expected == states.BEFORE:
        results = {before: next_status(status, action, before=before) for before in ("pending", "approved")}
        # then a move back goes to the status the question had before
        assert results == {"pending": "pending", "approved": "approved"}
        return
    result = next_status(status, action)

    # then
    assert result == expected
    assert result in states.STATUSES


@pytest.mark.parametrize("before", [None, "rejected", "answered", "withdrawn", "merged", "unhandled"])
def test_a_merged_question_is_restored_only_to_pending_or_approved(before):
    # given / when / then: a merge starts from pending or approved, so restoring goes back there only
    with pytest.raises(InvalidTransition):
        next_status("merged", "restore", before=before)


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_refused_pair_raises_invalid_transition(status: str, action: str):
    # given a move that is not in the table
    # when
    with pytest.raises(InvalidTransition) as info:
        next_status(status, action)

    # then the error says which move was refused
    assert info.value.status == status
    assert info.value.action == action
    assert status in str(info.value) and action in str(info.value)


@pytest.mark.parametrize("status", ["", "deleted", "PENDING", "draft", None])
@pytest.mark.parametrize("action", states.ACTIONS)
def test_unknown_status_is_a_value_error(status, action: str):
    # given a status that does not exist
    # when / then it is a programming error, not a refused move
    with pytest.raises(ValueError) as info:
        next_status(status, action)
    assert not isinstance(info.value, InvalidTransition)


@pytest.mark.parametrize("action", ["", "delete", "APPROVE", "show", "answered", None])
@pytest.mark.parametrize("status", states.STATUSES)
def test_unknown_action_is_a_value_error(status: str, action):
    # given an action that does not exist
    # when / then
    with pytest.raises(ValueError):
        next_status(status, action)


def test_invalid_transition_is_not_a_value_error():
    # given / when / then: callers can tell a refused move from a bug
    assert not issubclass(InvalidTransition, ValueError)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", ["approve", "reject", "edit", "withdraw", "merge", "close"]),
        ("approved", ["reject", "edit", "answer", "withdraw", "merge"]),
        ("rejected", ["approve"]),
        ("answered", ["restore"]),
        ("withdrawn", []),
        ("merged", ["restore"]),
        ("unhandled", []),
    ],
)
def test_allowed_actions(status: str, expected: list[str]):
    # given / when
    actions = allowed_actions(status)

    # then they are in ACTIONS order, and each one really is allowed
    assert actions == expected
    for action in actions:
        next_status(status, action, before="pending")


@pytest.mark.parametrize("status", states.STATUSES)
def test_allowed_actions_agree_with_next_status(status: str):
    # given every action
    # when each is tried
    accepted = []
    for action in states.ACTIONS:
        try:
            next_status(status, action, before="approved")
        except InvalidTransition:
            continue
        accepted.append(action)

    # then allowed_actions lists exactly the accepted ones
    assert allowed_actions(status) == accepted


def test_reject_reasons_are_the_documented_ones():
    # given / when / then
    assert states.REJECT_REASONS == ("off_topic", "duplicate", "abusive", "personal_data", "other")


def test_public_statuses():
    # given / when / then: the public sees approved and answered only
    assert states.PUBLIC_STATUSES == {"approved", "answered"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", ["question.approve", "question.reject", "question.edit", "question.merge"]),
        ("approved", ["question.reject", "question.edit", "question.answered", "question.merge", "screen.show"]),
        ("rejected", ["question.approve"]),
        ("answered", ["question.restore"]),
        ("merged", ["question.restore"]),
        ("withdrawn", []),
        ("unhandled", []),
    ],
)
def test_moderator_requests_offer_restore_from_the_archive_and_nothing_for_unhandled(status, expected):
    # given / when / then: closing is not a request on one question
    assert states.moderator_requests(status) == expected


def test_unhandled_is_not_public_and_offers_the_asker_nothing():
    # given / when / then: the asker sees it as theirs, nobody else does
    assert "unhandled" not in states.PUBLIC_STATUSES
    assert states.citizen_requests("unhandled", mine=True) == []


@pytest.mark.parametrize(
    ("order", "expected"),
    [("votes", ["b", "c", "a", "d"]), ("manual", ["a", "b", "c", "d"])],
)
def test_queue_key_sorts_by_votes_then_position_or_by_position_only(order, expected):
    # given approved questions with positions and votes
    queue = {"a": (0, 1.0), "b": (5, 2.0), "c": (5, 3.0), "d": (0, None)}

    # when
    ordered = sorted(queue, key=lambda k: states.queue_key(votes=queue[k][0], position=queue[k][1], order=order))

    # then
    assert ordered == expected


def test_every_undoable_action_is_an_audit_action_and_close_held_terms_undo_are_not_undoable():
    # given / when / then
    assert states.UNDOABLE_ACTIONS <= set(states.AUDIT_ACTIONS)
    assert not {"close", "held_terms", "undo"} & states.UNDOABLE_ACTIONS
