"""Which stored events end a socket's rights (``moderation.rights.revokes``),
and that the revoking event tells clients nothing more than presence. Pure."""

from __future__ import annotations

import json

import pytest

from moderation.presenters import Viewer, render_event
from moderation.rights import ModeratorClaim, ScreenClaim, revokes, session_tag


@pytest.mark.parametrize(
    ("claim", "event_type", "payload", "ends"),
    [
        (
            ModeratorClaim(1, 7, "s"),
            "presence.changed",
            {"presence": [], "revoked": {"user_id": 7, "session": None}},
            True,
        ),
        (
            ModeratorClaim(1, 7, "s"),
            "presence.changed",
            {"presence": [], "revoked": {"user_id": 8, "session": None}},
            False,
        ),
        (ModeratorClaim(1, 7, "s"), "presence.changed", {"presence": []}, False),
        (ModeratorClaim(1, 7, "s"), "presence.changed", {"revoked": {"user_id": 7, "session": session_tag("s")}}, True),
        (
            ModeratorClaim(1, 7, "s"),
            "presence.changed",
            {"revoked": {"user_id": 7, "session": session_tag("x")}},
            False,
        ),
        (ScreenClaim(1, "old"), "townhall.updated", {"townhall": {"screen_key": "new"}}, True),
        (ScreenClaim(1, "old"), "townhall.updated", {"townhall": {"screen_key": "old"}}, False),
        (ScreenClaim(1, "old"), "presence.changed", {"revoked": {"user_id": 7, "session": None}}, False),
        (None, "townhall.updated", {"townhall": {"screen_key": "new"}}, False),
    ],
)
def test_which_stored_events_end_a_sockets_rights(claim, event_type, payload, ends):
    # given / when / then
    assert revokes(claim, event_type, payload) is ends


def test_the_revoking_event_renders_to_moderators_without_who_or_the_session():
    # given the revoking presence event of a logout
    payload = {"presence": [], "revoked": {"user_id": 7, "session": session_tag("secret-session")}}

    # when it is rendered for a moderator (after a JSON round trip, as stored)
    frame = render_event(Viewer(role="moderator"), 5, "presence.changed", json.loads(json.dumps(payload)))

    # then it is the documented presence frame only
    assert frame == {"type": "presence.changed", "seq": 5, "presence": []}
    assert "secret-session" not in json.dumps(payload)
