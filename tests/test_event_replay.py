"""Snapshot before + the events applied = a fresh snapshot after, for every
moderator action of issue 8 and its undo, for every audience.

The events are the stored ones, rendered per viewer (``render_event``), and
applied as docs/protocol.md tells a client to: so a service that forgets an
event (or a presenter that hides one from someone who needed it) fails here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from moderation import services
from moderation.duplicates import Suggestion
from moderation.models import Event
from moderation.presenters import Viewer, render_event
from moderation.selectors import snapshot
from tests.support.client_state import apply, picture
from tests.test_undo import ACTIONS, Room

pytestmark = pytest.mark.django_db

VIEWERS = {
    "moderator": lambda room: Viewer(role="moderator"),
    "asker": lambda room: Viewer(role="citizen", participant=room.b.participant),
    "asker of the pending one": lambda room: Viewer(role="citizen", participant=room.pending.participant),
    "other": lambda room: Viewer(role="citizen", participant="someone-else"),
    "screen": lambda room: Viewer(role="screen"),
}


def _replayed(room: Room, viewer: Viewer, act: Callable[[], Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = snapshot(viewer, room.townhall.pk)
    state = picture(copy.deepcopy(before))
    act()
    for event in Event.objects.filter(townhall=room.townhall, seq__gt=before["seq"]).order_by("seq"):
        frame = render_event(viewer, event.seq, event.type, event.payload)
        if frame is not None:
            assert json.loads(json.dumps(frame)) == frame
            apply(state, frame)
    return state, picture(snapshot(viewer, room.townhall.pk))


@pytest.fixture
def room() -> Room:
    return Room()


@pytest.mark.parametrize("who", list(VIEWERS))
@pytest.mark.parametrize("name", list(ACTIONS))
def test_an_action_and_its_undo_replay_to_the_fresh_snapshot(room: Room, name: str, who: str):
    # given the room after the action's setup, as a client of this audience holds it
    setup, act = ACTIONS[name]
    if setup is not None:
        setup(room)

    def action_and_undo() -> None:
        decision = act(room)
        services.decision_undo(**room.kw(decision_id=decision["id"]))

    # when the action and its undo happen, and the client applies the events
    replayed, fresh = _replayed(room, VIEWERS[who](room), action_and_undo)

    # then it holds what a fresh snapshot holds
    assert replayed == fresh


@pytest.mark.parametrize("who", list(VIEWERS))
@pytest.mark.parametrize("name", list(ACTIONS))
def test_an_action_replays_to_the_fresh_snapshot(room: Room, name: str, who: str):
    # given
    setup, act = ACTIONS[name]
    if setup is not None:
        setup(room)

    # when / then
    replayed, fresh = _replayed(room, VIEWERS[who](room), lambda: act(room))
    assert replayed == fresh


OTHER_ACTIONS: dict[str, Callable[[Room], Any]] = {
    "star": lambda r: services.question_star(**r.kw(question_id=r.b.pk, starred=True)),
    "close": lambda r: services.townhall_close(townhall_id=r.townhall.pk, moderator=r.moderator),
    "close from the command line": lambda r: services.townhall_set_status(townhall_id=r.townhall.pk, status="closed"),
    "batch approval": lambda r: services.question_approve_many(**r.kw(items=[(r.pending.pk, None)])),
    "duplicate suggestions": lambda r: services.question_suggest_duplicates(
        question_id=r.pending.pk, suggestions=[Suggestion(r.a.pk, 0.8)]
    ),
}


@pytest.mark.parametrize("who", list(VIEWERS))
@pytest.mark.parametrize("name", list(OTHER_ACTIONS))
def test_stars_close_and_batches_replay_to_the_fresh_snapshot(room: Room, name: str, who: str):
    # given / when / then
    replayed, fresh = _replayed(room, VIEWERS[who](room), lambda: OTHER_ACTIONS[name](room))
    assert replayed == fresh
