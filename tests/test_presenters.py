"""Rendering questions and events per audience (moderation/presenters.py).

Records are literal dicts with the keys of ``selectors.question_record`` (a
database test checks the keys agree), so most tests need no database.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from moderation import events, selectors, services
from moderation.models import Event
from moderation.presenters import BASE_FIELDS, Viewer, can_see, render_event, render_question, render_townhall
from moderation.scoring.base import ScoreResult
from tests.support import factories

ASKER = "p-asker"
OTHER = "p-other"

STATUSES = ("pending", "approved", "rejected", "answered", "withdrawn", "unhandled")
PUBLIC = ("approved", "answered")


def record(status: str = "pending", **fields: Any) -> dict[str, Any]:
    """A question record as ``selectors.question_record`` builds it."""
    base = {
        "id": 7,
        "text": "When will the tram reach Nord?",
        "original_text": "when will the tram reach nord??",
        "author": "Marie",
        "place": "Quartier Nord",
        "original_author": "Marie D.",
        "original_place": "Quartier Nord",
        "edited": True,
        "personal_data": [{"field": "text", "kind": "phone"}],
        "starred": False,
        "participant": ASKER,
        "status": status,
        "reason": "off_topic" if status == "rejected" else "",
        "votes": 3,
        "created_at": "2026-11-26T09:00:00.123456+00:00",
        "version": 2,
        "decided_at": "2026-11-26T09:05:00+00:00",
        "position": 1.0,
        "merged_into": None,
        "held": True,
        "held_terms": ["voyou"],
        "toxicity": {"score": 0.72, "labels": {"profanity": 0.72}, "model": "fake-scorer 1.0", "status": "scored"},
        "redaction": None,
        "topic": "transport",
        "topic_source": "auto",
        "duplicate_suggestions": [],
    }
    base.update(fields)
    return base


TOWNHALL = {
    "slug": "demo",
    "title": "Demo town hall",
    "status": "live",
    "max_question_length": 500,
    "hold_threshold": 0.5,
    "held_terms": ["voyou"],
    "screen_key": "s3cret",
    "screen_url": "http://testserver/t/demo/screen/?key=s3cret",
    "scorer": {"name": "fake-scorer 1.0", "status": "ready"},
}

MODERATOR = Viewer(role="moderator")
SCREEN = Viewer(role="screen")


def asker(voted: set[int] | None = None) -> Viewer:
    return Viewer(role="citizen", participant=ASKER, voted=voted or set())


def other_citizen(voted: set[int] | None = None) -> Viewer:
    return Viewer(role="citizen", participant=OTHER, voted=voted or set())


VIEWERS = {"moderator": MODERATOR, "asker": asker(), "other": other_citizen(), "screen": SCREEN}


def updated(status: str, previous: str | None) -> dict[str, Any]:
    return {"question": record(status), "previous_status": previous}


# --- the record itself ---------------------------------------------------------


@pytest.mark.django_db
def test_literal_records_have_the_keys_of_question_record():
    # given a real saved question
    townhall = factories.make_townhall()
    question = factories.make_question(townhall)

    # when
    real = selectors.question_record(question)

    # then the literal records used in this file have the same shape
    assert set(real) == set(record())
    assert set(real["toxicity"]) == set(record()["toxicity"])


# --- can_see -----------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("who", ["moderator", "asker", "other", "screen"])
def test_can_see(who: str, status: str):
    # given a question of the asker in each status
    viewer = VIEWERS[who]
    rec = record(status)
    expected = who in ("moderator", "asker") or status in PUBLIC

    # when / then
    assert can_see(viewer, rec) is expected


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("who", ["moderator", "asker", "other", "screen"])
def test_can_see_with_an_explicit_status_ignores_the_record_status(who: str, status: str):
    # given a record now approved, asked about its previous status
    viewer = VIEWERS[who]
    rec = record("approved")
    expected = who in ("moderator", "asker") or status in PUBLIC

    # when / then
    assert can_see(viewer, rec, status) is expected


def test_citizen_without_participant_sees_only_public():
    # given a citizen viewer that somehow has no participant id
    viewer = Viewer(role="citizen", participant=None)

    # when / then
    assert can_see(viewer, record("pending")) is False
    assert can_see(viewer, record("approved")) is True


# --- render_question -------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_moderator_gets_everything_but_the_participant(status: str):
    # given
    rec = record(status)

    # when
    out = render_question(MODERATOR, rec)

    # then
    assert set(out) == set(BASE_FIELDS) | {
        "held",
        "held_terms",
        "toxicity",
        "original_text",
        "original_author",
        "original_place",
        "personal_data",
        "starred",
        "reason",
        "decided_at",
        "position",
        "actions",
        "redaction",
        "topic_source",
        "duplicate_suggestions",
    }
    assert out["held"] is True and out["held_terms"] == ["voyou"] and out["position"] == 1.0
    assert out["toxicity"] == rec["toxicity"]
    assert out["original_text"] == "when will the tram reach nord??"
    assert out["original_author"] == "Marie D." and out["original_place"] == "Quartier Nord"
    assert out["personal_data"] == [{"field": "text", "kind": "phone"}]
    assert out["starred"] is False and out["edited"] is True
    assert out["reason"] == rec["reason"]
    assert "participant" not in out


@pytest.mark.parametrize("who", ["asker", "other", "screen"])
def test_everyone_sees_edited_but_only_moderators_see_originals_personal_data_and_stars(who: str):
    # given / when
    out = render_question(VIEWERS[who], record("approved"))

    # then
    assert out["edited"] is True
    assert not {"original_text", "original_author", "original_place", "personal_data", "starred"} & set(out)


def test_the_personal_data_list_is_a_copy():
    # given
    rec = record()

    # when
    render_question(MODERATOR, rec)["personal_data"][0]["kind"] = "email"

    # then
    assert rec["personal_data"] == [{"field": "text", "kind": "phone"}]


@pytest.mark.parametrize("who", ["asker", "other", "screen"])
def test_a_moderators_only_update_reaches_moderators_only(who: str):
    # given a star: stored as question.updated, for moderators only
    payload = {"question": record("approved", starred=True), "previous_status": "approved", "audience": "moderators"}

    # when / then
    assert render_event(VIEWERS[who], 60, "question.updated", payload) is None
    frame = render_event(MODERATOR, 60, "question.updated", payload)
    assert frame["type"] == "question.updated" and frame["question"]["starred"] is True


def test_queue_order_goes_to_moderators_and_the_screen_only():
    # given
    townhall = {**TOWNHALL, "queue_order": "manual"}

    # when / then
    assert render_townhall(MODERATOR, townhall)["queue_order"] == "manual"
    assert render_townhall(SCREEN, townhall)["queue_order"] == "manual"
    assert "queue_order" not in render_townhall(asker(), townhall)


def test_moderator_toxicity_is_a_copy():
    # given
    rec = record()

    # when the rendered toxicity is changed
    out = render_question(MODERATOR, rec)
    out["toxicity"]["score"] = 0.0

    # then the stored record is untouched
    assert rec["toxicity"]["score"] == 0.72


@pytest.mark.parametrize("status", STATUSES)
def test_screen_gets_only_the_base_fields(status: str):
    # given / when
    out = render_question(SCREEN, record(status))

    # then nothing about the asker, moderation or scoring; the queue position for "next"
    assert set(BASE_FIELDS) == {
        "id", "text", "author", "place", "status", "votes", "created_at", "version", "edited", "topic"
    }  # fmt: skip
    assert set(out) == set(BASE_FIELDS) | {"position"}
    assert out == {**{k: record(status)[k] for k in BASE_FIELDS}, "position": 1.0}


@pytest.mark.parametrize("status", ["pending", "approved", "answered", "withdrawn"])
def test_asker_gets_mine_and_voted_and_no_reason_unless_rejected(status: str):
    # given / when
    out = render_question(asker(), record(status, reason="other"))

    # then
    assert set(out) == set(BASE_FIELDS) | {"mine", "voted", "actions"}
    assert out["mine"] is True and out["voted"] is False


def test_asker_gets_the_reason_of_their_rejected_question():
    # given / when
    out = render_question(asker(), record("rejected", reason="personal_data"))

    # then
    assert out["reason"] == "personal_data"
    assert set(out) == set(BASE_FIELDS) | {"mine", "voted", "reason", "actions"}


# What each viewer may do with a question: the server says, the pages follow.
MODERATOR_REQUESTS = {
    "pending": ["question.approve", "question.reject", "question.edit", "question.merge"],
    "approved": ["question.reject", "question.edit", "question.answered", "question.merge", "screen.show"],
    "rejected": ["question.approve"],
    "answered": ["question.restore"],
    "withdrawn": [],
    "merged": ["question.restore"],
    "unhandled": [],
}


@pytest.mark.parametrize("status", sorted(MODERATOR_REQUESTS))
def test_moderator_gets_the_requests_the_state_table_allows(status: str):
    # given / when
    out = render_question(MODERATOR, record(status))

    # then
    assert out["actions"] == MODERATOR_REQUESTS[status]


@pytest.mark.parametrize(
    ("status", "mine", "expected"),
    [
        ("pending", True, ["question.withdraw"]),
        ("approved", True, ["question.withdraw", "question.vote"]),
        ("approved", False, ["question.vote"]),
        ("answered", False, []),
        ("rejected", True, []),
        ("withdrawn", True, []),
        ("merged", True, []),
        ("unhandled", True, []),
    ],
)
def test_citizen_may_withdraw_only_their_own_and_vote_only_on_approved(status: str, mine: bool, expected: list[str]):
    # given
    viewer = asker() if mine else other_citizen()

    # when
    out = render_question(viewer, record(status))

    # then
    assert out["actions"] == expected


@pytest.mark.parametrize("status", STATUSES)
def test_other_citizen_never_gets_the_reason(status: str):
    # given / when
    out = render_question(other_citizen(), record(status))

    # then
    assert out["mine"] is False
    assert "reason" not in out
    assert not {"held", "held_terms", "toxicity", "original_text", "participant"} & set(out)


@pytest.mark.parametrize(("voted", "expected"), [(set(), False), ({7}, True), ({8}, False), ({7, 8}, True)])
def test_citizen_voted_follows_the_viewer_votes(voted: set[int], expected: bool):
    # given / when
    out = render_question(other_citizen(voted), record("approved"))

    # then
    assert out["voted"] is expected


# --- render_townhall -------------------------------------------------------------


def test_moderator_townhall_has_the_console_fields():
    # given / when
    out = render_townhall(MODERATOR, TOWNHALL)

    # then
    assert out == TOWNHALL


@pytest.mark.parametrize("viewer", [asker(), SCREEN], ids=["citizen", "screen"])
def test_public_townhall_has_no_secrets(viewer: Viewer):
    # given / when
    out = render_townhall(viewer, TOWNHALL)

    # then
    assert out == {"slug": "demo", "title": "Demo town hall", "status": "live", "max_question_length": 500}


# --- render_event ----------------------------------------------------------------


def test_created_goes_to_moderators_as_created():
    # given / when
    frame = render_event(MODERATOR, 43, events.QUESTION_CREATED, updated("pending", None))

    # then
    assert frame == {"type": "question.created", "seq": 43, "question": render_question(MODERATOR, record("pending"))}


def test_created_goes_to_the_asker_as_updated():
    # given the asker's other open pages
    # when
    frame = render_event(asker(), 43, events.QUESTION_CREATED, updated("pending", None))

    # then
    assert frame == {"type": "question.updated", "seq": 43, "question": render_question(asker(), record("pending"))}
    assert frame["question"]["mine"] is True


@pytest.mark.parametrize("viewer", [other_citizen(), SCREEN], ids=["other", "screen"])
def test_created_is_not_sent_to_the_public(viewer: Viewer):
    # given / when / then
    assert render_event(viewer, 43, events.QUESTION_CREATED, updated("pending", None)) is None


def test_scored_goes_to_moderators():
    # given / when
    frame = render_event(MODERATOR, 44, events.QUESTION_SCORED, updated("pending", "pending"))

    # then
    assert frame["type"] == "question.scored" and frame["seq"] == 44
    assert frame["question"]["toxicity"]["score"] == 0.72 and frame["question"]["held"] is True


@pytest.mark.parametrize("status", ["pending", "approved"])
@pytest.mark.parametrize("who", ["asker", "other", "screen"])
def test_scored_is_never_sent_to_citizens_or_the_screen(who: str, status: str):
    # given a score, even on a public question and even for the asker
    # when / then
    assert render_event(VIEWERS[who], 44, events.QUESTION_SCORED, updated(status, status)) is None


# (previous status, new status) -> what each audience gets: "updated", "removed" or None.
UPDATE_CASES = {
    ("pending", "approved"): {"moderator": "updated", "asker": "updated", "other": "updated", "screen": "updated"},
    ("rejected", "approved"): {"moderator": "updated", "asker": "updated", "other": "updated", "screen": "updated"},
    ("pending", "rejected"): {"moderator": "updated", "asker": "updated", "other": None, "screen": None},
    ("approved", "rejected"): {"moderator": "updated", "asker": "updated", "other": "removed", "screen": "removed"},
    ("pending", "pending"): {"moderator": "updated", "asker": "updated", "other": None, "screen": None},
    ("approved", "approved"): {"moderator": "updated", "asker": "updated", "other": "updated", "screen": "updated"},
    ("approved", "answered"): {"moderator": "updated", "asker": "updated", "other": "updated", "screen": "updated"},
    ("pending", "withdrawn"): {"moderator": "updated", "asker": "updated", "other": None, "screen": None},
    ("approved", "withdrawn"): {"moderator": "updated", "asker": "updated", "other": "removed", "screen": "removed"},
}
UPDATE_PARAMS = [
    (previous, status, who, outcome)
    for (previous, status), outcomes in UPDATE_CASES.items()
    for who, outcome in outcomes.items()
]


@pytest.mark.parametrize(
    ("previous", "status", "who", "outcome"),
    UPDATE_PARAMS,
    ids=[f"{p}->{s}-{w}" for p, s, w, _ in UPDATE_PARAMS],
)
def test_updated_per_audience(previous: str, status: str, who: str, outcome: str | None):
    # given a question that moved from previous to status
    viewer = VIEWERS[who]
    payload = updated(status, previous)

    # when
    frame = render_event(viewer, 45, events.QUESTION_UPDATED, payload)

    # then
    if outcome is None:
        assert frame is None
    elif outcome == "removed":
        assert frame == {"type": "question.removed", "seq": 45, "question_id": 7}
    else:
        assert frame == {
            "type": "question.updated",
            "seq": 45,
            "question": render_question(viewer, payload["question"]),
        }


@pytest.mark.parametrize("status", ["rejected", "withdrawn"])
@pytest.mark.parametrize("who", ["other", "screen"])
def test_approved_question_leaving_public_is_removed_without_its_text(who: str, status: str):
    # given an approved question that is rejected or withdrawn
    # when
    frame = render_event(VIEWERS[who], 46, events.QUESTION_UPDATED, updated(status, "approved"))

    # then the public only learns the id, never the text or the reason
    assert frame == {"type": "question.removed", "seq": 46, "question_id": 7}


def test_asker_sees_the_reason_in_the_rejection_event():
    # given / when
    frame = render_event(asker(), 47, events.QUESTION_UPDATED, updated("rejected", "pending"))

    # then
    assert frame["question"]["reason"] == "off_topic" and frame["question"]["mine"] is True


@pytest.mark.parametrize("who", ["moderator", "asker", "other", "screen"])
def test_screen_changed_goes_to_everyone(who: str):
    # given
    viewer = VIEWERS[who]
    rec = record("approved")

    # when
    shown = render_event(viewer, 48, events.SCREEN_CHANGED, {"question": rec})
    cleared = render_event(viewer, 49, events.SCREEN_CHANGED, {"question": None})

    # then each audience gets the question rendered for itself
    assert shown == {"type": "screen.changed", "seq": 48, "question": render_question(viewer, rec)}
    assert cleared == {"type": "screen.changed", "seq": 49, "question": None}


@pytest.mark.parametrize("who", ["moderator", "asker", "other", "screen"])
def test_townhall_updated_goes_to_everyone_rendered_for_them(who: str):
    # given
    viewer = VIEWERS[who]
    payload = {"townhall": dict(TOWNHALL, status="closed")}

    # when
    frame = render_event(viewer, 50, events.TOWNHALL_UPDATED, payload)

    # then
    assert frame == {"type": "townhall.updated", "seq": 50, "townhall": render_townhall(viewer, payload["townhall"])}
    assert frame["townhall"]["status"] == "closed"
    assert ("screen_key" in frame["townhall"]) is (who == "moderator")


@pytest.mark.parametrize("who", ["moderator", "asker", "screen"])
def test_unknown_event_type_is_an_error(who: str):
    # given / when / then
    with pytest.raises(ValueError):
        render_event(VIEWERS[who], 51, "question.deleted", {"question": record()})


# --- JSON round trip -------------------------------------------------------------

# Every event type with a payload that each audience receives something for.
ROUND_TRIP_EVENTS = {
    "question.created": updated("pending", None),
    "question.scored": updated("pending", "pending"),
    "question.updated": updated("approved", "pending"),
    "question.removed": updated("withdrawn", "approved"),  # stored as question.updated
    "screen.changed": {"question": record("approved")},
    "screen.cleared": {"question": None},  # stored as screen.changed
    "townhall.updated": {"townhall": TOWNHALL},
    "presence.changed": {"presence": [{"username": "alice", "name": "Alice Martin", "editing": 7}]},
    "question.votes": {"votes": [{"id": 7, "votes": 12}, {"id": 9, "votes": 0}]},
}
STORED_TYPE = {"question.removed": "question.updated", "screen.cleared": "screen.changed"}
# Who gets nothing for an event (documented above); everyone else gets a frame.
NO_FRAME = {
    ("question.created", "other"),
    ("question.created", "screen"),
    ("question.scored", "asker"),
    ("question.scored", "other"),
    ("question.scored", "screen"),
    ("presence.changed", "asker"),
    ("presence.changed", "other"),
    ("presence.changed", "screen"),
}
ROUND_TRIP_PARAMS = [(name, who) for name in ROUND_TRIP_EVENTS for who in VIEWERS]


@pytest.mark.parametrize(("name", "who"), ROUND_TRIP_PARAMS, ids=[f"{n}-{w}" for n, w in ROUND_TRIP_PARAMS])
def test_every_event_survives_a_json_round_trip(name: str, who: str):
    # given
    event_type = STORED_TYPE.get(name, name)
    payload = ROUND_TRIP_EVENTS[name]

    # when
    frame = render_event(VIEWERS[who], 52, event_type, payload)

    # then
    if (name, who) in NO_FRAME:
        assert frame is None
        return
    assert frame is not None
    if name == "question.removed" and who in ("other", "screen"):
        assert frame["type"] == "question.removed"
    assert json.loads(json.dumps(frame)) == frame


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["moderator", "asker", "other", "screen"])
def test_every_stored_event_renders_to_json_safe_frames(who: str, settings):
    # given a town hall where every kind of event happened, through the services
    settings.FLOOD_ALERT_MIN_SESSIONS = 1
    moderator = factories.make_user()
    townhall = factories.make_townhall(moderators=[moderator])
    question = factories.make_question(townhall, participant=ASKER, text="Why is the pool closed?", author="Zoé")
    services.question_apply_score(question_id=question.pk, result=ScoreResult(labels={"toxicity": 0.2}, model="m 1"))
    services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    services.question_vote(townhall_id=townhall.pk, question_id=question.pk, participant=OTHER, up=True)
    services.question_votes_publish(townhall_id=townhall.pk, question_ids=[question.pk])
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=ASKER)
    services.presence_join(townhall_id=townhall.pk, user=moderator, channel_name="test.console")
    services.citizen_session_start(townhall_id=townhall.pk, ip="203.0.113.9")  # a flood.alert
    services.townhall_set_status(townhall_id=townhall.pk, status="closed")
    stored = list(Event.objects.filter(townhall=townhall).order_by("seq"))
    assert {e.type for e in stored} == set(events.STORED_EVENT_TYPES)

    # when each stored event is rendered for the viewer
    frames = [render_event(VIEWERS[who], e.seq, e.type, e.payload) for e in stored]

    # then every frame survives JSON, and carries its event's seq
    sent = [f for f in frames if f is not None]
    assert sent
    for stored_event, frame in zip(stored, frames, strict=True):
        if frame is not None:
            assert frame["seq"] == stored_event.seq
            assert json.loads(json.dumps(frame)) == frame
    if who in ("other", "screen"):
        assert "question.removed" in {f["type"] for f in sent}


# --- merged_into -------------------------------------------------------------


@pytest.mark.parametrize(
    ("target_status", "citizen_text"),
    [
        ("pending", None),
        ("rejected", None),
        ("withdrawn", None),
        ("unhandled", None),
        ("approved", "Is the pool closing?"),
        ("answered", "Is the pool closing?"),
    ],
)
def test_a_citizen_sees_the_text_of_the_question_theirs_was_merged_into_only_while_it_is_public(
    target_status, citizen_text
):
    # given the asker's question merged into another citizen's question
    merged = record("merged", merged_into={"id": 9, "text": "Is the pool closing?", "status": target_status})

    # when it is rendered for the asker and for moderators
    mine = render_question(asker(), merged)
    theirs = render_question(MODERATOR, merged)

    # then the asker gets the other question's text only when the public may read it
    assert mine["merged_into"] == {"id": 9, "text": citizen_text}
    assert theirs["merged_into"] == {"id": 9, "text": "Is the pool closing?"}


def test_a_merged_record_stored_without_the_target_status_shows_no_text_to_citizens():
    merged = record("merged", merged_into={"id": 9, "text": "Is the pool closing?"})
    assert render_question(asker(), merged)["merged_into"] == {"id": 9, "text": None}
