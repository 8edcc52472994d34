"""The shared snapshots (consumers/snapshots.py) are the frames ``selectors.snapshot``
builds, for every kind of citizen and for the screen: read once per process and
seq, assembled per socket from pre-encoded questions."""

from __future__ import annotations

import json

import pytest

from consumers.snapshots import citizen_snapshot, public_state, screen_snapshot
from moderation import services
from moderation.presenters import Viewer
from moderation.selectors import snapshot
from tests.support import factories

pytestmark = pytest.mark.django_db

ASKER = "asker-participant"
VOTER = "voter-participant"


@pytest.fixture
def townhall():
    """Questions in every status a citizen may or may not see, votes, and one on screen."""
    moderator = factories.make_user()
    townhall = factories.make_townhall(moderators=[moderator])
    ids = {}
    for name, participant in [
        ("approved", ASKER),
        ("pending", ASKER),
        ("rejected", ASKER),
        ("other approved", "someone"),
        ("other pending", "someone"),
        ("shown", VOTER),
        ("answered", "someone"),
    ]:
        ids[name] = factories.make_question(townhall, participant=participant, text=f"Question « {name} » ?").pk
    for name in ("approved", "other approved", "shown", "answered"):
        services.question_approve(townhall_id=townhall.pk, question_id=ids[name], moderator=moderator)
    services.question_reject(townhall_id=townhall.pk, question_id=ids["rejected"], moderator=moderator, reason="other")
    services.question_answer(townhall_id=townhall.pk, question_id=ids["answered"], moderator=moderator)
    for name in ("approved", "shown"):
        services.question_vote(townhall_id=townhall.pk, question_id=ids[name], participant=VOTER, up=True)
    services.screen_show(townhall_id=townhall.pk, question_id=ids["shown"], moderator=moderator)
    townhall.ids = ids
    return townhall


CITIZENS = {
    "a newcomer": lambda th: Viewer(role="citizen", participant="newcomer"),
    "the asker": lambda th: Viewer(role="citizen", participant=ASKER),
    "a voter (on the screen's question too)": lambda th: Viewer(
        role="citizen", participant=VOTER, voted={th.ids["approved"], th.ids["shown"]}
    ),
    "a voter on a question gone": lambda th: Viewer(role="citizen", participant="x", voted={th.ids["rejected"]}),
}


@pytest.mark.parametrize("who", list(CITIZENS))
def test_a_citizens_shared_snapshot_is_their_own_snapshot(townhall, who):
    # given
    viewer = CITIZENS[who](townhall)
    state = public_state(townhall.pk)

    # when
    frame = json.loads(citizen_snapshot(state, viewer))

    # then
    assert frame == snapshot(viewer, townhall.pk)
    assert frame["protocol"] == 2


def test_the_screens_shared_snapshot_is_its_snapshot(townhall):
    state = public_state(townhall.pk)
    assert json.loads(screen_snapshot(state)) == snapshot(Viewer(role="screen"), townhall.pk)


def test_a_resync_reply_carries_its_request_id(townhall):
    # given
    state = public_state(townhall.pk)
    viewer = CITIZENS["the asker"](townhall)

    # when
    citizen = json.loads(citizen_snapshot(state, viewer, 'r-"1'))
    screen = json.loads(screen_snapshot(state, "r2"))

    # then
    assert citizen["id"] == 'r-"1' and screen["id"] == "r2"
    assert {k: v for k, v in citizen.items() if k != "id"} == snapshot(viewer, townhall.pk)


def test_one_state_serves_different_citizens_without_mixing_them(townhall):
    # given one state shared by two citizens
    state = public_state(townhall.pk)

    # when both take their snapshot from it
    asker = json.loads(citizen_snapshot(state, CITIZENS["the asker"](townhall)))
    newcomer = json.loads(citizen_snapshot(state, CITIZENS["a newcomer"](townhall)))

    # then each sees only their own private questions
    mine = {q["id"] for q in asker["questions"] if q["mine"]}
    assert mine == {townhall.ids[n] for n in ("approved", "pending", "rejected")}
    assert not any(q["mine"] for q in newcomer["questions"])
    assert townhall.ids["pending"] not in {q["id"] for q in newcomer["questions"]}
    assert state.seq == asker["seq"] == newcomer["seq"]
