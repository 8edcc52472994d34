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
}

ALL_PAIRS = list(itertools.product(states.STATUSES, states.ACTIONS))
ALLOWED = [pair for pair in ALL_PAIRS if pair in EXPECTED]
REFUSED = [pair for pair in ALL_PAIRS if pair not in EXPECTED]


def test_statuses_and_actions_are_the_documented_ones():
    # given / when / then
    assert states.STATUSES == ("pending", "approved", "rejected", "answered", "withdrawn", "merged")
    assert states.ACTIONS == ("approve", "reject", "edit", "answer", "withdraw", "merge")
    assert len(ALL_PAIRS) == 36 and len(ALLOWED) == 11 and len(REFUSED) == 25


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
    result = next_status(status, action)

    # then
    assert result == expected
    assert result in states.STATUSES


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
        ("pending", ["approve", "reject", "edit", "withdraw", "merge"]),
        ("approved", ["reject", "edit", "answer", "withdraw", "merge"]),
        ("rejected", ["approve"]),
        ("answered", []),
        ("withdrawn", []),
        ("merged", []),
    ],
)
def test_allowed_actions(status: str, expected: list[str]):
    # given / when
    actions = allowed_actions(status)

    # then they are in ACTIONS order, and each one really is allowed
    assert actions == expected
    for action in actions:
        next_status(status, action)


@pytest.mark.parametrize("status", states.STATUSES)
def test_allowed_actions_agree_with_next_status(status: str):
    # given every action
    # when each is tried
    accepted = []
    for action in states.ACTIONS:
        try:
            next_status(status, action)
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
