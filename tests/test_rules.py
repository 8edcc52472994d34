"""The rules have one source (moderation/states.py): the model, the sockets and
the contract follow it. Pure, no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consumers import protocol
from consumers.citizen import CitizenConsumer
from consumers.moderator import ModeratorConsumer
from consumers.screen import ScreenConsumer
from moderation import states
from moderation.models import Question

PROTOCOL = (Path(__file__).resolve().parents[1] / "docs" / "protocol.md").read_text()


def test_the_model_statuses_are_the_state_table_statuses():
    # given / when / then
    assert tuple(Question.Status.values) == states.STATUSES


@pytest.mark.parametrize("status", states.STATUSES)
def test_every_request_a_moderator_is_offered_is_handled_by_the_moderator_socket(status: str):
    # given
    handled = set(ModeratorConsumer().handlers())

    # when / then
    assert set(states.moderator_requests(status)) <= handled


@pytest.mark.parametrize("status", states.STATUSES)
@pytest.mark.parametrize("mine", [True, False])
def test_every_request_a_citizen_is_offered_is_handled_by_the_citizen_socket(status: str, mine: bool):
    # given
    handled = set(CitizenConsumer().handlers())

    # when / then
    assert set(states.citizen_requests(status, mine=mine)) <= handled


def test_every_handled_request_is_known_to_the_protocol_and_nothing_else_is():
    # given
    handled = set().union(*(set(c().handlers()) for c in (CitizenConsumer, ModeratorConsumer, ScreenConsumer)))

    # when / then: an action one socket does not handle is "forbidden" there, not unknown
    assert handled == set(protocol.ALL_ACTIONS)


def test_each_state_action_has_one_wire_name_and_each_wire_name_one_action():
    # given / when
    names = states.REQUEST_TYPES

    # then
    assert set(names) == set(states.ACTIONS) - states.TOWNHALL_ACTIONS
    assert len(set(names.values())) == len(names)
    assert set(names) == states.MODERATOR_ACTIONS | states.CITIZEN_ACTIONS


def _actions_table() -> dict[str, tuple[list[str], list[str], list[str]]]:
    section = PROTOCOL.split("| status | moderator `actions` |", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for line in section.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        listed = [re.findall(r"`([a-z_.]+)`", cell) for cell in cells[1:]]
        for status in re.findall(r"`([a-z]+)`", cells[0]):
            rows[status] = (listed[0], listed[1], listed[2])
    return rows


def test_the_contract_lists_the_actions_the_server_sends():
    # given
    table = _actions_table()

    # when / then: every status, and for each the same lists as the server
    assert set(table) == set(states.STATUSES)
    for status, (moderator, own, others) in table.items():
        assert moderator == states.moderator_requests(status), status
        assert own == states.citizen_requests(status, mine=True), status
        if status in states.PUBLIC_STATUSES:
            assert others == states.citizen_requests(status, mine=False), status


def test_the_contract_lists_the_audit_actions():
    # given
    listed = PROTOCOL.split("Actions: ", 1)[1].split(".", 1)[0]

    # when / then
    assert tuple(re.findall(r"`([a-z_]+)`", listed)) == states.AUDIT_ACTIONS


def test_the_contract_lists_the_reject_reasons():
    # given
    listed = PROTOCOL.split("Reject reasons: ", 1)[1].split("\n", 1)[0]

    # when / then
    assert tuple(re.findall(r"`([a-z_]+)`", listed)) == states.REJECT_REASONS
