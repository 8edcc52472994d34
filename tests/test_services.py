"""The one write path (moderation/services.py), on the real database.

Each test runs in a rolled-back transaction; the after-commit publishing
runs when the test ends (tests/conftest.py). The tests that go through
``database_sync_to_async`` (another thread) commit for real.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from moderation import events, services
from moderation.exceptions import BadRequest, Conflict, Forbidden, NotFound, RateLimited, TooLong, TownHallClosed
from moderation.models import Decision, Event, Question, TownHall, Vote
from moderation.scoring.base import ScoreResult
from tests.support import factories

pytestmark = pytest.mark.django_db

ASKER = "p-asker"
OTHER = "p-other"


# --- helpers -------------------------------------------------------------------


@pytest.fixture
def moderator():
    return factories.make_user("alice")


@pytest.fixture
def townhall(moderator) -> TownHall:
    return factories.make_townhall(moderators=[moderator], slug="room", max_question_length=60)


def submit(
    townhall: TownHall,
    text: str = "When will the tram reach Nord?",
    *,
    participant: str = ASKER,
    client_key: str | None = None,
    author: str = "",
) -> tuple[Question, bool]:
    return services.question_submit(
        townhall_id=townhall.pk,
        participant=participant,
        text=text,
        client_key=client_key or uuid.uuid4().hex,
        author=author,
    )


def ask(townhall: TownHall, text: str = "When will the tram reach Nord?", participant: str = ASKER) -> Question:
    return submit(townhall, text, participant=participant)[0]


def fresh(question: Question) -> Question:
    return Question.objects.get(pk=question.pk)


def act(action: str, townhall: TownHall, question: Question, moderator, **extra: Any) -> Question:
    """Run one moderator action by name."""
    common = {"townhall_id": townhall.pk, "question_id": question.pk, "moderator": moderator, **extra}
    if action == "approve":
        return services.question_approve(**common)
    if action == "reject":
        return services.question_reject(**{"reason": "off_topic", **common})
    if action == "edit":
        return services.question_edit(**{"text": "An edited question?", **common})
    if action == "answer":
        return services.question_answer(**common)
    raise AssertionError(action)


def in_status(townhall: TownHall, moderator, status: str, participant: str = ASKER) -> Question:
    """A question of ``participant`` brought to ``status`` through the services."""
    question = ask(townhall, participant=participant)
    if status in ("approved", "answered"):
        services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    if status == "answered":
        services.question_answer(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    if status == "rejected":
        services.question_reject(
            townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, reason="duplicate"
        )
    if status == "withdrawn":
        services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=participant)
    question = fresh(question)
    assert question.status == status
    return question


def event_types(townhall: TownHall, after_seq: int = 0) -> list[str]:
    return list(
        Event.objects.filter(townhall=townhall, seq__gt=after_seq).order_by("seq").values_list("type", flat=True)
    )


def counts(townhall: TownHall) -> tuple[int, int, int]:
    return (
        Decision.objects.filter(townhall=townhall).count(),
        Event.objects.filter(townhall=townhall).count(),
        Vote.objects.filter(question__townhall=townhall).count(),
    )


def snapshot_of(question: Question) -> tuple:
    q = fresh(question)
    return q.status, q.version, q.text, q.reason, q.votes, q.decided_at


# --- question_submit ---------------------------------------------------------------


def test_submit_stores_the_trimmed_text_and_tells_moderators(townhall):
    # given a live town hall
    # when a citizen asks with surrounding space
    question, created = submit(townhall, "  \n Why was the tram contract awarded?\t ", author="  Marie  ")

    # then it is stored trimmed, pending, unscored, version 1
    assert created is True
    question = fresh(question)
    assert question.text == question.original_text == "Why was the tram contract awarded?"
    assert question.author == "Marie" and question.participant == ASKER
    assert (question.status, question.version, question.votes, question.held) == ("pending", 1, 0, False)
    assert question.scoring_status == "pending" and question.toxicity_score is None
    # and one question.created event is stored, with no previous status
    (event,) = Event.objects.filter(townhall=townhall)
    assert (event.seq, event.type) == (1, events.QUESTION_CREATED)
    assert event.payload["question"]["id"] == question.pk and event.payload["previous_status"] is None
    # and a citizen's question is not a moderator decision
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Why\x00 now?", "Why now?"),
        ("\x07Why\x1b now?\x7f", "Why now?"),
        ("Why\x85 now\x9f?", "Why now?"),
        ("Line one\r\nline two\rline three", "Line one\nline two\nline three"),
        ("Keep\ttabs and\nnewlines", "Keep\ttabs and\nnewlines"),
        ("Pourquoi le tram ? 🚋 ça", "Pourquoi le tram ? 🚋 ça"),
    ],
    ids=["nul", "c0-and-del", "c1", "crlf", "tabs-newlines", "unicode"],
)
def test_submit_removes_control_characters(townhall, typed: str, stored: str):
    # given / when
    question, _ = submit(townhall, typed)

    # then what is stored (and read back from the database) is clean
    question = fresh(question)
    assert question.text == stored and question.original_text == stored


def test_submit_removes_control_characters_from_the_author(townhall):
    # given / when
    question, _ = submit(townhall, author="Ma\x00rie\n Curie\x1b")

    # then
    assert fresh(question).author == "Marie Curie"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\x00\x01\x02", " \x00 "])
def test_submit_empty_text_is_a_bad_request(townhall, text: str):
    # given / when / then
    with pytest.raises(BadRequest):
        submit(townhall, text)
    assert not Question.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize("field", ["text", "author"])
def test_submit_with_a_lone_surrogate_is_stored_clean_or_refused(townhall, field: str):
    # given a field decoded from a JSON frame holding the escape "\ud800":
    # valid JSON, but a character that cannot be encoded as UTF-8 for the database
    fields = {
        "text": "Why is the pool closed?",
        "author": "Marie",
        field: "Marie\ud800" if field == "author" else "Why is the pool closed?\ud800",
    }

    # when / then it is either refused as a bad request or stored without it,
    # never a UnicodeEncodeError from the database driver
    try:
        question, _ = submit(townhall, fields["text"], author=fields["author"])
    except BadRequest:
        assert not Question.objects.exists()
    else:
        stored = fresh(question)
        assert (stored.text, stored.author) == ("Why is the pool closed?", "Marie")


def test_edit_with_a_lone_surrogate_is_stored_clean_or_refused(townhall, moderator):
    # given
    question = ask(townhall)

    # when / then
    try:
        services.question_edit(
            townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, text="Why so late?\ud800"
        )
    except BadRequest:
        assert fresh(question).version == 1
    else:
        assert fresh(question).text == "Why so late?"


def test_submit_at_the_length_limit_is_accepted(townhall):
    # given a town hall with max_question_length=60
    text = "a" * 60

    # when
    question, created = submit(townhall, f"  {text}  ")

    # then surrounding space does not count
    assert created and fresh(question).text == text


def test_submit_over_the_length_limit_is_too_long(townhall):
    # given / when / then
    with pytest.raises(TooLong) as info:
        submit(townhall, "a" * 61)
    assert "60" in info.value.message
    assert not Question.objects.exists()


def test_author_up_to_80_characters_is_accepted(townhall):
    # given / when
    question, _ = submit(townhall, author="M" * 80)

    # then
    assert fresh(question).author == "M" * 80


def test_author_over_80_characters_is_too_long(townhall):
    # given / when / then
    with pytest.raises(TooLong):
        submit(townhall, author="M" * 81)
    assert not Question.objects.exists()


@pytest.mark.parametrize("client_key", ["", "k" * 65, None, 42, ["k"]], ids=["empty", "65", "none", "int", "list"])
def test_submit_with_a_bad_client_key_is_a_bad_request(townhall, client_key):
    # given / when / then
    with pytest.raises(BadRequest):
        services.question_submit(townhall_id=townhall.pk, participant=ASKER, text="Why?", client_key=client_key)
    assert not Question.objects.exists()


def test_submit_client_key_of_64_characters_is_accepted(townhall):
    # given / when
    _, created = submit(townhall, client_key="k" * 64)

    # then
    assert created is True


def test_submit_client_key_with_a_nul_is_refused_or_stored(townhall):
    # given a client key with a NUL (PostgreSQL refuses NUL in text columns)
    key = "k\x00-1"

    # when / then it is a bad request or it works (and stays idempotent),
    # never a database error
    try:
        first, created = submit(townhall, client_key=key)
    except BadRequest:
        assert not Question.objects.exists()
    else:
        again, created_again = submit(townhall, client_key=key)
        assert created and not created_again and again.pk == first.pk


@pytest.mark.parametrize("status", [TownHall.Status.DRAFT, TownHall.Status.CLOSED])
def test_submit_to_a_town_hall_that_is_not_live_is_refused(status: str):
    # given
    townhall = factories.make_townhall(status=status)

    # when / then
    with pytest.raises(TownHallClosed):
        submit(townhall)
    assert not Question.objects.exists() and not Event.objects.exists()


def test_submit_to_an_unknown_town_hall_is_not_found(townhall):
    # given / when / then
    with pytest.raises(NotFound):
        services.question_submit(townhall_id=townhall.pk + 1000, participant=ASKER, text="Why?", client_key="k")


def test_submit_is_rate_limited_per_participant(townhall, settings):
    # given a limit of 2 questions per window
    settings.QUESTION_RATE_COUNT = 2
    settings.QUESTION_RATE_WINDOW = 60
    submit(townhall, "First?")
    submit(townhall, "Second?")

    # when the same citizen asks a third time
    with pytest.raises(RateLimited):
        submit(townhall, "Third?")

    # then nothing was stored for it, and other citizens are not affected
    assert Question.objects.filter(participant=ASKER).count() == 2
    _, created = submit(townhall, "Someone else?", participant=OTHER)
    assert created is True


def test_rate_limit_does_not_refuse_a_repeated_client_key(townhall, settings):
    # given a citizen at the limit
    settings.QUESTION_RATE_COUNT = 2
    first, _ = submit(townhall, "First?", client_key="k-1")
    submit(townhall, "Second?", client_key="k-2")

    # when their first request is sent again (a retry after a lost reply)
    again, created = submit(townhall, "First?", client_key="k-1")

    # then it still gets its question back
    assert (again.pk, created) == (first.pk, False)


def test_repeated_client_key_returns_the_first_question(townhall):
    # given
    first, created = submit(townhall, "Why?", client_key="k-1")
    assert created is True

    # when the same participant sends the same key again, even with other text
    again, created_again = submit(townhall, "Something else?", client_key="k-1")

    # then nothing new is stored or announced
    assert created_again is False
    assert again.pk == first.pk and again.text == "Why?"
    assert Question.objects.count() == 1
    assert event_types(townhall) == [events.QUESTION_CREATED]


def test_same_client_key_from_another_participant_is_a_new_question(townhall):
    # given
    first, _ = submit(townhall, "Why?", client_key="k-1", participant=ASKER)

    # when
    second, created = submit(townhall, "Why?", client_key="k-1", participant=OTHER)

    # then
    assert created is True and second.pk != first.pk
    assert Question.objects.count() == 2


def test_same_client_key_in_another_town_hall_is_a_new_question(townhall):
    # given
    other_hall = factories.make_townhall()
    first, _ = submit(townhall, client_key="k-1")

    # when
    second, created = submit(other_hall, client_key="k-1")

    # then
    assert created is True and second.pk != first.pk and second.townhall_id == other_hall.pk


# --- moderator actions -------------------------------------------------------------

# (action, from status, to status, the Decision's reason)
MODERATOR_MOVES = [
    ("approve", "pending", "approved", ""),
    ("approve", "rejected", "approved", ""),
    ("reject", "pending", "rejected", "off_topic"),
    ("reject", "approved", "rejected", "off_topic"),
    ("edit", "pending", "pending", ""),
    ("edit", "approved", "approved", ""),
    ("answer", "approved", "answered", ""),
]


@pytest.mark.parametrize(
    ("action", "from_status", "to_status", "reason"),
    MODERATOR_MOVES,
    ids=[f"{a}-{f}" for a, f, _, _ in MODERATOR_MOVES],
)
def test_moderator_action_writes_one_decision_and_bumps_the_version(
    townhall, moderator, action: str, from_status: str, to_status: str, reason: str
):
    # given a question in from_status
    question = in_status(townhall, moderator, from_status)
    decisions_before = Decision.objects.count()
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when the moderator acts, naming the version they saw
    result = act(action, townhall, question, moderator, version=question.version)

    # then the question moved and its version went up by one
    stored = fresh(question)
    assert stored.status == result.status == to_status
    assert stored.version == result.version == question.version + 1
    # and exactly one Decision says who did what
    assert Decision.objects.count() == decisions_before + 1
    decision = Decision.objects.latest("id")
    assert decision.moderator == moderator and decision.townhall_id == townhall.pk
    assert decision.question_id == question.pk
    assert (decision.action, decision.from_status, decision.to_status, decision.reason) == (
        action,
        from_status,
        to_status,
        reason,
    )
    # and one question.updated event carries the new record and the old status
    (event,) = Event.objects.filter(townhall=townhall, seq__gt=seq_before)
    assert event.type == events.QUESTION_UPDATED
    assert event.payload["previous_status"] == from_status
    assert event.payload["question"]["status"] == to_status
    assert event.payload["question"]["version"] == stored.version


@pytest.mark.parametrize("action", ["approve", "reject", "edit", "answer"])
def test_action_without_a_version_is_applied(townhall, moderator, action: str):
    # given a question that allows the action
    question = in_status(townhall, moderator, "approved" if action in ("answer", "reject", "edit") else "pending")

    # when the moderator does not name a version
    act(action, townhall, question, moderator)

    # then it is applied all the same
    assert fresh(question).version == question.version + 1


@pytest.mark.parametrize(
    ("action", "status"), [("approve", "pending"), ("reject", "approved"), ("edit", "pending"), ("answer", "approved")]
)
@pytest.mark.parametrize("stale", [-1, 1], ids=["older", "newer"])
def test_stale_version_is_a_conflict_and_changes_nothing(townhall, moderator, action: str, status: str, stale: int):
    # given a question whose version the moderator does not have
    question = in_status(townhall, moderator, status)
    version = question.version + stale
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(Conflict) as info:
        act(action, townhall, question, moderator, version=version)
    assert str(question.version) in info.value.message
    # and nothing changed: no Decision, no Event
    assert snapshot_of(question) == before
    assert counts(townhall) == rows_before


def test_two_moderators_with_the_same_version_second_gets_conflict(townhall, moderator):
    # given two moderators looking at version 1 of a pending question
    bob = factories.make_user("bob")
    townhall.moderators.add(bob)
    question = ask(townhall)

    # when alice approves, then bob rejects what he saw
    services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, version=1)
    with pytest.raises(Conflict):
        services.question_reject(
            townhall_id=townhall.pk, question_id=question.pk, moderator=bob, reason="other", version=1
        )

    # then alice's decision stands, and only it is audited
    assert fresh(question).status == "approved"
    assert list(Decision.objects.values_list("moderator__username", "action")) == [("alice", "approve")]


INVALID_MOVES = [
    ("approve", "approved"),
    ("approve", "answered"),
    ("approve", "withdrawn"),
    ("reject", "rejected"),
    ("reject", "answered"),
    ("reject", "withdrawn"),
    ("edit", "rejected"),
    ("edit", "answered"),
    ("edit", "withdrawn"),
    ("answer", "pending"),
    ("answer", "rejected"),
    ("answer", "answered"),
    ("answer", "withdrawn"),
]


@pytest.mark.parametrize(("action", "status"), INVALID_MOVES, ids=[f"{a}-{s}" for a, s in INVALID_MOVES])
def test_invalid_transition_is_a_conflict_and_changes_nothing(townhall, moderator, action: str, status: str):
    # given a question whose status does not allow the action
    question = in_status(townhall, moderator, status)
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(Conflict):
        act(action, townhall, question, moderator, version=question.version)
    assert snapshot_of(question) == before
    assert counts(townhall) == rows_before


@pytest.mark.parametrize("action", ["approve", "reject", "edit", "answer", "show", "clear"])
@pytest.mark.parametrize("who", ["stranger", "other-hall-moderator", "superuser"])
def test_a_user_who_is_not_a_moderator_of_this_town_hall_is_forbidden(townhall, moderator, action: str, who: str):
    # given an approved question, and a user who does not moderate this town hall
    question = in_status(townhall, moderator, "approved")
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    if who == "superuser":
        user = factories.make_user(is_superuser=True, is_staff=True)
    else:
        user = factories.make_user()
    if who == "other-hall-moderator":
        factories.make_townhall(moderators=[user])
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(Forbidden):
        if action == "show":
            services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=user)
        elif action == "clear":
            services.screen_clear(townhall_id=townhall.pk, moderator=user)
        else:
            act(action, townhall, question, user)
    assert snapshot_of(question) == before
    assert counts(townhall) == rows_before
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id == question.pk


@pytest.mark.parametrize("action", ["approve", "reject", "edit", "answer", "show"])
@pytest.mark.parametrize("change", ["removed", "deactivated"])
def test_a_moderator_who_lost_access_is_forbidden(townhall, moderator, action: str, change: str):
    # given a moderator who was removed from the town hall, or whose account was
    # deactivated, after opening the console (their socket may still be open)
    question = in_status(townhall, moderator, "approved")
    if change == "removed":
        townhall.moderators.remove(moderator)
    else:
        moderator.is_active = False
        moderator.save(update_fields=["is_active"])
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then they can no longer act (selectors.is_moderator refuses both)
    with pytest.raises(Forbidden):
        if action == "show":
            services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
        else:
            act(action, townhall, question, moderator)
    assert snapshot_of(question) == before and counts(townhall) == rows_before


@pytest.mark.parametrize("action", ["approve", "reject", "edit", "answer"])
def test_question_of_another_town_hall_is_not_found(townhall, moderator, action: str):
    # given a question in another town hall that alice also moderates
    other_hall = factories.make_townhall(moderators=[moderator])
    question = in_status(other_hall, moderator, "approved")
    before = snapshot_of(question)

    # when alice acts on it through this town hall
    with pytest.raises(NotFound):
        act(action, townhall, question, moderator)

    # then
    assert snapshot_of(question) == before


@pytest.mark.parametrize("reason", ["off_topic", "duplicate", "abusive", "personal_data", "other"])
def test_reject_with_each_known_reason(townhall, moderator, reason: str):
    # given
    question = ask(townhall)

    # when
    services.question_reject(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, reason=reason)

    # then the question and the audit row carry it
    assert fresh(question).reason == reason
    assert Decision.objects.get().reason == reason


@pytest.mark.parametrize("reason", ["", "rude", "OFF_TOPIC", None])
def test_reject_needs_a_known_reason(townhall, moderator, reason):
    # given
    question = ask(townhall)
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(BadRequest):
        services.question_reject(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, reason=reason)
    assert snapshot_of(question) == before and counts(townhall) == rows_before


def test_approving_a_rejected_question_clears_its_reason(townhall, moderator):
    # given a rejected question
    question = in_status(townhall, moderator, "rejected")
    assert question.reason == "duplicate"

    # when a moderator reconsiders
    services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)

    # then
    assert fresh(question).reason == ""


def test_decided_at_is_set_when_the_status_changes(townhall, moderator):
    # given
    question = ask(townhall)
    assert question.decided_at is None

    # when
    services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)

    # then
    assert fresh(question).decided_at is not None


def test_edit_keeps_the_original_text_and_audits_the_previous_text(townhall, moderator):
    # given a question the citizen typed, already edited once
    question = ask(townhall, "Why teh tram is late???")
    services.question_edit(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, text="Why is the tram late?"
    )

    # when a moderator edits it again
    services.question_edit(
        townhall_id=townhall.pk,
        question_id=question.pk,
        moderator=moderator,
        text="  Why is the tram late so often?  ",
        version=2,
    )

    # then the citizen's text is kept, and each Decision holds the text before it
    stored = fresh(question)
    assert stored.text == "Why is the tram late so often?"
    assert stored.original_text == "Why teh tram is late???"
    assert stored.status == "pending" and stored.version == 3
    assert list(Decision.objects.order_by("id").values_list("action", "previous_text")) == [
        ("edit", "Why teh tram is late???"),
        ("edit", "Why is the tram late?"),
    ]
    assert Event.objects.filter(townhall=townhall).latest("seq").payload["question"]["original_text"] == (
        "Why teh tram is late???"
    )


@pytest.mark.parametrize("text", ["When will the tram reach Nord?", "  When will the tram reach Nord?\n"])
def test_edit_to_the_same_text_is_a_no_op(townhall, moderator, text: str):
    # given
    question = ask(townhall, "When will the tram reach Nord?")
    before, rows_before = snapshot_of(question), counts(townhall)

    # when
    result = services.question_edit(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, text=text, version=1
    )

    # then nothing is written, and the version is unchanged
    assert result.version == 1
    assert snapshot_of(question) == before
    assert counts(townhall) == rows_before


@pytest.mark.parametrize(("text", "error"), [("", BadRequest), ("  \x00 ", BadRequest), ("a" * 61, TooLong)])
def test_edit_validates_the_text_like_a_submission(townhall, moderator, text: str, error: type[Exception]):
    # given
    question = ask(townhall)
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(error):
        services.question_edit(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, text=text)
    assert snapshot_of(question) == before and counts(townhall) == rows_before


def test_edit_removes_control_characters(townhall, moderator):
    # given
    question = ask(townhall)

    # when
    services.question_edit(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, text="Why\x00 so\x1b late?"
    )

    # then
    assert fresh(question).text == "Why so late?"


# --- question_withdraw -------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_asker_withdraws_their_question(townhall, moderator, status: str):
    # given
    question = in_status(townhall, moderator, status)
    decisions_before = Decision.objects.count()
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    result = services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=ASKER)

    # then
    assert result.status == fresh(question).status == "withdrawn"
    assert fresh(question).version == question.version + 1
    (event,) = Event.objects.filter(townhall=townhall, seq__gt=seq_before)
    assert event.type == events.QUESTION_UPDATED and event.payload["previous_status"] == status
    # and a citizen's withdrawal is not a moderator decision
    assert Decision.objects.count() == decisions_before


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("approved", Forbidden),
        ("answered", Forbidden),
        ("pending", NotFound),
        ("rejected", NotFound),
        ("withdrawn", NotFound),
    ],
)
def test_withdraw_by_another_participant_is_refused(townhall, moderator, status: str, error: type[Exception]):
    # given someone else's question: Forbidden when they can see it, NotFound when they cannot
    question = in_status(townhall, moderator, status)
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(error):
        services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=OTHER)
    assert snapshot_of(question) == before and counts(townhall) == rows_before


@pytest.mark.parametrize("status", ["rejected", "answered", "withdrawn"])
def test_withdraw_from_a_final_status_is_a_conflict(townhall, moderator, status: str):
    # given the asker's own question
    question = in_status(townhall, moderator, status)
    before = snapshot_of(question)

    # when / then
    with pytest.raises(Conflict):
        services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=ASKER)
    assert snapshot_of(question) == before


def test_withdraw_in_a_closed_town_hall_is_refused(townhall, moderator):
    # given
    question = ask(townhall)
    services.townhall_set_status(townhall_id=townhall.pk, status="closed")

    # when / then
    with pytest.raises(TownHallClosed):
        services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=ASKER)
    assert fresh(question).status == "unhandled"  # closing gave it its final status


def test_withdraw_unknown_question_is_not_found(townhall):
    # given / when / then
    with pytest.raises(NotFound):
        services.question_withdraw(townhall_id=townhall.pk, question_id=999999, participant=ASKER)


# --- question_vote -----------------------------------------------------------------


def vote(townhall: TownHall, question: Question, participant: str, up: bool = True) -> tuple[Question, bool]:
    return services.question_vote(townhall_id=townhall.pk, question_id=question.pk, participant=participant, up=up)


def test_votes_count_one_per_participant(townhall, moderator):
    # given an approved question
    question = in_status(townhall, moderator, "approved")

    # when three citizens vote, one of them twice
    vote(townhall, question, "p1")
    vote(townhall, question, "p2")
    vote(townhall, question, "p3")
    result, voted = vote(townhall, question, "p2")

    # then
    assert voted is True
    assert result.votes == fresh(question).votes == 3
    assert Vote.objects.filter(question=question).count() == 3


def test_voting_up_twice_counts_once_and_stores_no_event(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    vote(townhall, question, OTHER)
    vote(townhall, question, OTHER)

    # then the count is stored, and told to nobody yet (votes are coalesced)
    assert fresh(question).votes == 1
    assert event_types(townhall, seq_before) == []


def test_publishing_votes_stores_one_event_with_the_latest_public_counts(townhall, moderator):
    # given votes on two approved questions, and one on a question rejected since
    first = in_status(townhall, moderator, "approved")
    second = in_status(townhall, moderator, "approved")
    rejected = in_status(townhall, moderator, "approved")
    for participant in ("p1", "p2", "p3"):
        vote(townhall, first, participant)
    vote(townhall, second, "p1")
    vote(townhall, rejected, "p1")
    services.question_reject(townhall_id=townhall.pk, question_id=rejected.pk, moderator=moderator, reason="other")
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    event = services.question_votes_publish(
        townhall_id=townhall.pk, question_ids={second.pk, first.pk, rejected.pk, 999_999}
    )

    # then one event carries the counts everyone may see, and nothing else
    assert event_types(townhall, seq_before) == [events.QUESTION_VOTES]
    assert event.payload == {"votes": [{"id": first.pk, "votes": 3}, {"id": second.pk, "votes": 1}]}


def test_votes_reports_are_spaced_across_processes(townhall, moderator):
    # given a report just stored (by any server process)
    question = in_status(townhall, moderator, "approved")
    vote(townhall, question, "p1")
    assert services.question_votes_publish(townhall_id=townhall.pk, question_ids=[question.pk], spacing=30)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when another report comes within the spacing
    vote(townhall, question, "p2")
    with pytest.raises(services.ReportTooSoon) as too_soon:
        services.question_votes_publish(townhall_id=townhall.pk, question_ids=[question.pk], spacing=30)

    # then it stores nothing and says how long to wait
    assert event_types(townhall, seq_before) == []
    assert 29 < too_soon.value.wait <= 30

    # and once the spacing has passed it goes
    TownHall.objects.filter(pk=townhall.pk).update(votes_reported_at=timezone.now() - timedelta(seconds=31))
    event = services.question_votes_publish(townhall_id=townhall.pk, question_ids=[question.pk], spacing=30)
    assert event.payload == {"votes": [{"id": question.pk, "votes": 2}]}


def test_publishing_votes_of_questions_nobody_may_see_stores_nothing(townhall, moderator):
    # given a question rejected after a vote
    question = in_status(townhall, moderator, "approved")
    vote(townhall, question, "p1")
    services.question_reject(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, reason="other")
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when / then
    assert services.question_votes_publish(townhall_id=townhall.pk, question_ids=[question.pk]) is None
    assert event_types(townhall, seq_before) == []


def test_vote_up_false_takes_the_vote_back(townhall, moderator):
    # given a vote
    question = in_status(townhall, moderator, "approved")
    vote(townhall, question, OTHER)
    vote(townhall, question, "p2")

    # when
    result, voted = vote(townhall, question, OTHER, up=False)

    # then
    assert voted is False
    assert result.votes == fresh(question).votes == 1
    assert not Vote.objects.filter(question=question, participant=OTHER).exists()


def test_vote_up_false_without_a_vote_changes_nothing(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")
    rows_before = counts(townhall)

    # when
    result, voted = vote(townhall, question, OTHER, up=False)

    # then
    assert voted is False and result.votes == 0
    assert counts(townhall) == rows_before


def test_votes_do_not_change_the_version(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")

    # when
    vote(townhall, question, OTHER)

    # then
    assert fresh(question).version == question.version


@pytest.mark.parametrize(
    ("status", "participant", "error"),
    [
        ("pending", ASKER, Conflict),
        ("pending", OTHER, NotFound),
        ("rejected", ASKER, Conflict),
        ("rejected", OTHER, NotFound),
        ("withdrawn", OTHER, NotFound),
        ("answered", OTHER, Conflict),
    ],
)
def test_vote_only_on_approved_questions(townhall, moderator, status: str, participant: str, error):
    # given
    question = in_status(townhall, moderator, status)
    before, rows_before = snapshot_of(question), counts(townhall)

    # when / then
    with pytest.raises(error):
        vote(townhall, question, participant)
    assert snapshot_of(question) == before and counts(townhall) == rows_before


def test_vote_in_a_closed_town_hall_is_refused(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")
    services.townhall_set_status(townhall_id=townhall.pk, status="closed")

    # when / then
    with pytest.raises(TownHallClosed):
        vote(townhall, question, OTHER)
    assert fresh(question).votes == 0


# --- the screen ---------------------------------------------------------------------


def test_screen_show_puts_an_approved_question_on_screen(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    result = services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)

    # then
    assert result.screen_question_id == question.pk
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id == question.pk
    (event,) = Event.objects.filter(townhall=townhall, seq__gt=seq_before)
    assert event.type == events.SCREEN_CHANGED and event.payload["question"]["id"] == question.pk
    decision = Decision.objects.latest("id")
    assert (decision.moderator, decision.action, decision.question_id) == (moderator, "show", question.pk)


def test_screen_show_twice_is_announced_once(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    rows_before = counts(townhall)

    # when
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)

    # then
    assert counts(townhall) == rows_before


def test_screen_show_replaces_the_question_on_screen(townhall, moderator):
    # given
    first = in_status(townhall, moderator, "approved")
    second = in_status(townhall, moderator, "approved", participant=OTHER)
    services.screen_show(townhall_id=townhall.pk, question_id=first.pk, moderator=moderator)

    # when
    services.screen_show(townhall_id=townhall.pk, question_id=second.pk, moderator=moderator)

    # then
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id == second.pk
    assert Event.objects.filter(townhall=townhall).latest("seq").payload["question"]["id"] == second.pk


@pytest.mark.parametrize("status", ["pending", "rejected", "answered", "withdrawn"])
def test_screen_show_needs_an_approved_question(townhall, moderator, status: str):
    # given
    question = in_status(townhall, moderator, status)
    rows_before = counts(townhall)

    # when / then
    with pytest.raises(Conflict):
        services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id is None
    assert counts(townhall) == rows_before


def test_screen_show_unknown_question_is_not_found(townhall, moderator):
    # given / when / then
    with pytest.raises(NotFound):
        services.screen_show(townhall_id=townhall.pk, question_id=999999, moderator=moderator)


def test_screen_clear(townhall, moderator):
    # given a question on screen
    question = in_status(townhall, moderator, "approved")
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    result = services.screen_clear(townhall_id=townhall.pk, moderator=moderator)

    # then
    assert result.screen_question_id is None
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id is None
    (event,) = Event.objects.filter(townhall=townhall, seq__gt=seq_before)
    decision = Decision.objects.latest("id")
    assert decision.action == "clear" and decision.moderator == moderator
    # the event carries the audit row, for the moderators' audit panel
    assert event.type == events.SCREEN_CHANGED
    assert event.payload["question"] is None and event.payload["decision"]["id"] == decision.pk
    assert event.payload["decision"]["moderator"]["username"] == moderator.username
    # and the question itself is untouched
    assert fresh(question).status == "approved"


def test_screen_clear_of_an_empty_screen_changes_nothing(townhall, moderator):
    # given
    rows_before = counts(townhall)

    # when
    services.screen_clear(townhall_id=townhall.pk, moderator=moderator)

    # then
    assert counts(townhall) == rows_before


@pytest.mark.parametrize("leave", ["answer", "reject", "withdraw"])
def test_question_leaving_approved_is_taken_off_screen(townhall, moderator, leave: str):
    # given a question on screen
    question = in_status(townhall, moderator, "approved")
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when it leaves the approved status
    if leave == "withdraw":
        services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=ASKER)
    else:
        act(leave, townhall, question, moderator)

    # then the screen is cleared, and that is announced after the update
    townhall.refresh_from_db()
    assert townhall.screen_question_id is None
    stored = list(Event.objects.filter(townhall=townhall, seq__gt=seq_before).order_by("seq"))
    assert [e.type for e in stored] == [events.QUESTION_UPDATED, events.SCREEN_CHANGED]
    assert stored[1].payload == {"question": None}
    assert [e.seq for e in stored] == [seq_before + 1, seq_before + 2]
    assert townhall.last_seq == seq_before + 2


def test_other_questions_leaving_approved_do_not_touch_the_screen(townhall, moderator):
    # given one question on screen and another approved one
    shown = in_status(townhall, moderator, "approved")
    other = in_status(townhall, moderator, "approved", participant=OTHER)
    services.screen_show(townhall_id=townhall.pk, question_id=shown.pk, moderator=moderator)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when the other one is answered
    services.question_answer(townhall_id=townhall.pk, question_id=other.pk, moderator=moderator)

    # then
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id == shown.pk
    assert event_types(townhall, seq_before) == [events.QUESTION_UPDATED]


def test_editing_the_question_on_screen_keeps_it_on_screen(townhall, moderator):
    # given
    question = in_status(townhall, moderator, "approved")
    services.screen_show(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)

    # when
    services.question_edit(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, text="Shorter?")

    # then
    assert TownHall.objects.get(pk=townhall.pk).screen_question_id == question.pk


# --- scoring ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "threshold", "score", "held"),
    [
        ({"toxicity": 0.02}, 0.5, 0.02, False),
        ({"toxicity": 0.49}, 0.5, 0.49, False),
        ({"toxicity": 0.5}, 0.5, 0.5, True),
        ({"toxicity": 0.9}, 0.5, 0.9, True),
        ({"toxicity": 0.9}, 0.95, 0.9, False),
        ({"toxicity": 0.1, "insult": 0.7, "threat": 0.3}, 0.6, 0.7, True),
        ({"toxicity": 0.0}, 0.0, 0.0, True),
    ],
)
def test_apply_score_stores_the_max_label_and_holds_at_the_threshold(labels, threshold, score, held):
    # given a question in a town hall with this hold threshold
    townhall = factories.make_townhall(hold_threshold=threshold)
    question = ask(townhall)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    services.question_apply_score(question_id=question.pk, result=ScoreResult(labels=labels, model="fake-scorer 1.0"))

    # then
    stored = fresh(question)
    assert stored.toxicity_score == pytest.approx(score)
    assert stored.toxicity_labels == labels
    assert stored.held is held
    assert stored.toxicity_model == "fake-scorer 1.0"
    assert stored.scoring_status == "scored" and stored.scoring_attempts == 1
    # and scores do not change the version
    assert stored.version == question.version
    (event,) = Event.objects.filter(townhall=townhall, seq__gt=seq_before)
    assert event.type == events.QUESTION_SCORED
    assert event.payload["question"]["toxicity"] == {
        "score": pytest.approx(score),
        "labels": labels,
        "model": "fake-scorer 1.0",
        "status": "scored",
    }
    assert event.payload["question"]["held"] is held


def test_apply_score_is_idempotent(townhall):
    # given a scored question
    question = ask(townhall)
    services.question_apply_score(question_id=question.pk, result=ScoreResult({"toxicity": 0.1}, "m 1"))
    rows_before = counts(townhall)

    # when a second score arrives
    result = services.question_apply_score(question_id=question.pk, result=ScoreResult({"toxicity": 0.9}, "m 2"))

    # then the first one stands and nothing is announced
    stored = fresh(question)
    assert result.pk == question.pk
    assert (stored.toxicity_score, stored.held, stored.toxicity_model, stored.scoring_attempts) == (
        pytest.approx(0.1),
        False,
        "m 1",
        1,
    )
    assert counts(townhall) == rows_before


def test_apply_score_of_a_deleted_question_is_none(townhall):
    # given
    question = ask(townhall)
    Question.objects.filter(pk=question.pk).delete()

    # when / then
    assert services.question_apply_score(question_id=question.pk, result=ScoreResult({"t": 0.1}, "m")) is None


def test_apply_score_truncates_a_long_model_name(townhall):
    # given
    question = ask(townhall)

    # when
    services.question_apply_score(question_id=question.pk, result=ScoreResult({"t": 0.1}, "m" * 200))

    # then
    assert fresh(question).toxicity_model == "m" * 120


def test_scoring_failed_leaves_the_question_pending_and_unscored(townhall):
    # given
    question = ask(townhall)
    seq_before = TownHall.objects.get(pk=townhall.pk).last_seq

    # when
    services.question_scoring_failed(question_id=question.pk, error="timeout")

    # then
    stored = fresh(question)
    assert stored.scoring_status == "failed" and stored.scoring_attempts == 1
    assert stored.toxicity_score is None and stored.held is False
    assert stored.status == "pending" and stored.version == question.version
    (event,) = Event.objects.filter(townhall=townhall, seq__gt=seq_before)
    assert event.type == events.QUESTION_SCORED
    assert event.payload["question"]["toxicity"]["status"] == "failed"


def test_a_failed_question_can_still_be_scored(townhall):
    # given
    question = ask(townhall)
    services.question_scoring_failed(question_id=question.pk, error="timeout")

    # when a later attempt succeeds
    services.question_apply_score(question_id=question.pk, result=ScoreResult({"toxicity": 0.7}, "m"))

    # then
    stored = fresh(question)
    assert stored.scoring_status == "scored" and stored.held is True and stored.scoring_attempts == 2


def test_scoring_failed_after_a_score_keeps_the_score(townhall):
    # given
    question = ask(townhall)
    services.question_apply_score(question_id=question.pk, result=ScoreResult({"toxicity": 0.7}, "m"))
    rows_before = counts(townhall)

    # when
    services.question_scoring_failed(question_id=question.pk, error="late timeout")

    # then
    assert fresh(question).scoring_status == "scored"
    assert counts(townhall) == rows_before


# --- the event log ---------------------------------------------------------------------


def test_event_seq_is_1_to_n_in_order_for_a_town_hall(townhall, moderator):
    # given a busy town hall
    first = ask(townhall)
    second = ask(townhall, "Second?", participant=OTHER)
    services.question_apply_score(question_id=first.pk, result=ScoreResult({"toxicity": 0.1}, "m"))
    services.question_approve(townhall_id=townhall.pk, question_id=first.pk, moderator=moderator)
    services.question_reject(townhall_id=townhall.pk, question_id=second.pk, moderator=moderator, reason="other")
    vote(townhall, first, OTHER)
    services.question_votes_publish(townhall_id=townhall.pk, question_ids=[first.pk])
    services.screen_show(townhall_id=townhall.pk, question_id=first.pk, moderator=moderator)
    services.question_answer(townhall_id=townhall.pk, question_id=first.pk, moderator=moderator)
    services.townhall_set_status(townhall_id=townhall.pk, status="closed")

    # when
    seqs = list(Event.objects.filter(townhall=townhall).order_by("id").values_list("seq", flat=True))

    # then seq is 1..N in the order the events were written, and matches the counter
    assert seqs == list(range(1, 11))
    assert TownHall.objects.get(pk=townhall.pk).last_seq == 10


def test_event_seq_is_independent_between_town_halls(moderator):
    # given two town halls
    hall_a = factories.make_townhall(moderators=[moderator])
    hall_b = factories.make_townhall(moderators=[moderator])

    # when their events interleave
    qa = ask(hall_a)
    qb = ask(hall_b)
    services.question_approve(townhall_id=hall_a.pk, question_id=qa.pk, moderator=moderator)
    ask(hall_a, "Another?", participant=OTHER)
    services.question_approve(townhall_id=hall_b.pk, question_id=qb.pk, moderator=moderator)

    # then each counts from 1 on its own
    assert list(Event.objects.filter(townhall=hall_a).values_list("seq", flat=True)) == [1, 2, 3]
    assert list(Event.objects.filter(townhall=hall_b).values_list("seq", flat=True)) == [1, 2]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_events_are_published_after_commit_with_their_seq(townhall, moderator):
    # given a channel listening to the town hall's group
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.group_name(townhall.pk), channel)

    # when a question is submitted and approved
    question, _ = await database_sync_to_async(submit)(townhall)
    await database_sync_to_async(services.question_approve)(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator
    )

    # then both stored events arrive, in order, carrying what is stored
    first = await asyncio.wait_for(layer.receive(channel), 5)
    second = await asyncio.wait_for(layer.receive(channel), 5)
    assert (first["type"], first["seq"], first["event"]) == (events.LAYER_MESSAGE_TYPE, 1, events.QUESTION_CREATED)
    assert (second["seq"], second["event"]) == (2, events.QUESTION_UPDATED)
    stored = await database_sync_to_async(lambda: Event.objects.get(townhall=townhall, seq=2).payload)()
    assert second["payload"] == stored


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_a_refused_action_publishes_nothing(townhall, moderator):
    # given a channel listening to the town hall's group, and a pending question
    question, _ = await database_sync_to_async(submit)(townhall)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.group_name(townhall.pk), channel)

    # when an action is refused (stale version), then a valid one is made
    with pytest.raises(Conflict):
        await database_sync_to_async(services.question_approve)(
            townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, version=7
        )
    await database_sync_to_async(services.question_approve)(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, version=1
    )

    # then the layer carries the valid action's event with the next seq, and
    # nothing for the refused one (signals leave after the call returns: the
    # submission's own may come first)
    message = await asyncio.wait_for(layer.receive(channel), 5)
    if message["seq"] == 1:
        assert message["event"] == events.QUESTION_CREATED
        message = await asyncio.wait_for(layer.receive(channel), 5)
    assert (message["seq"], message["event"]) == (2, events.QUESTION_UPDATED)
    assert message["payload"]["question"]["status"] == "approved"


# --- town halls ------------------------------------------------------------------------


def test_townhall_set_status_emits_townhall_updated(townhall):
    # given a live town hall
    # when it is closed
    result = services.townhall_set_status(townhall_id=townhall.pk, status="closed")

    # then
    assert result.status == TownHall.objects.get(pk=townhall.pk).status == "closed"
    (event,) = Event.objects.filter(townhall=townhall)
    assert event.type == events.TOWNHALL_UPDATED
    assert event.payload["townhall"]["status"] == "closed"
    assert event.payload["townhall"]["slug"] == "room"


def test_townhall_set_status_to_the_same_status_emits_nothing(townhall):
    # given / when
    services.townhall_set_status(townhall_id=townhall.pk, status="live")

    # then
    assert not Event.objects.exists()


def test_townhall_set_unknown_status_is_a_bad_request(townhall):
    # given / when / then
    with pytest.raises(BadRequest):
        services.townhall_set_status(townhall_id=townhall.pk, status="paused")
    assert TownHall.objects.get(pk=townhall.pk).status == "live"


def test_townhall_create(moderator):
    # given / when
    townhall = services.townhall_create(
        title="Budget 2027", slug="budget", moderators=[moderator], max_question_length=300, hold_threshold=0.7
    )

    # then
    stored = TownHall.objects.get(slug="budget")
    assert stored.pk == townhall.pk
    assert (stored.title, stored.status, stored.max_question_length, stored.hold_threshold) == (
        "Budget 2027",
        "draft",
        300,
        0.7,
    )
    assert list(stored.moderators.all()) == [moderator]
    assert len(stored.screen_key) >= 24


def test_townhall_create_gives_each_town_hall_its_own_screen_key():
    # given / when
    first = services.townhall_create(title="A", slug="a", moderators=[])
    second = services.townhall_create(title="B", slug="b", moderators=[])

    # then
    assert first.screen_key != second.screen_key


def test_townhall_create_refuses_a_taken_slug(townhall):
    # given a town hall with slug "room"
    # when / then
    with pytest.raises(Conflict):
        services.townhall_create(title="Another", slug="room", moderators=[])
    assert TownHall.objects.filter(slug="room").count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "paused"},
        {"max_question_length": 0},
        {"max_question_length": 5001},
        {"hold_threshold": -0.1},
        {"hold_threshold": 1.1},
        {"slug": ""},
        {"slug": "town hall"},
        {"slug": "budget/2027"},
        {"slug": "b" * 61},
        {"title": "T" * 201},
    ],
    ids=[
        "status",
        "length-0",
        "length-5001",
        "threshold-neg",
        "threshold-1.1",
        "slug-empty",
        "slug-space",
        "slug-slash",
        "slug-61",
        "title-201",
    ],
)
def test_townhall_create_refuses_bad_values(fields: dict):
    # given values the model or the URLs cannot hold
    values = {"title": "T", "slug": "t", **fields}

    # when / then
    with pytest.raises(BadRequest):
        services.townhall_create(moderators=[], **values)
    assert not TownHall.objects.exists()
