"""Redaction of personal data (issue 11): a reject for ``personal_data`` and an
edit marked as a redaction leave no copy of what they removed in any table."""

from __future__ import annotations

import pytest

from moderation import redaction, services, states
from moderation.exceptions import BadRequest, Conflict, Expired
from moderation.models import Decision, Event, Question, TownHall
from moderation.presenters import Viewer, render_question
from moderation.scoring.base import ScoreResult
from moderation.selectors import question_record
from tests.support import factories
from tests.support.leaks import copies_of, searched_columns
from tests.test_edit_star_close import kw
from tests.test_edit_star_close import submit as submit_question

pytestmark = pytest.mark.django_db

PHONE = "06 12 34 56 78"
TEXT = f"Call me on {PHONE} about the pool opening hours"


@pytest.fixture
def moderator():
    return factories.make_user("alice", first_name="Alice")


@pytest.fixture
def townhall(moderator) -> TownHall:
    return factories.make_townhall(moderators=[moderator], slug="room")


def submit(townhall: TownHall, text: str = TEXT, **fields) -> Question:
    return submit_question(townhall, text, **fields)


def spread(townhall: TownHall, moderator, question: Question) -> Question:
    """Copies of the question everywhere they can be: a score, an edit that
    kept the phone (previous_text, undo_data), the screen, a question merged
    into it (its merged_into), and a screen.next that kept its state."""
    services.question_apply_score(question_id=question.pk, result=ScoreResult({"toxicity": 0.1}, "m 1"))
    services.question_edit(**kw(townhall, moderator, question_id=question.pk, text=f"{TEXT}, please"))
    services.question_approve(**kw(townhall, moderator, question_id=question.pk))
    duplicate = submit(townhall, "When does the pool open?", participant="p-other")
    services.question_merge(**kw(townhall, moderator, question_id=duplicate.pk, into_id=question.pk))
    services.screen_show(**kw(townhall, moderator, question_id=question.pk))
    services.screen_next(**kw(townhall, moderator))
    services.question_restore(**kw(townhall, moderator, question_id=question.pk))
    services.question_edit(**kw(townhall, moderator, question_id=question.pk, author=f"Bob {PHONE}"))
    assert copies_of(PHONE), "the setup stores copies"
    return Question.objects.get(pk=question.pk)


def test_the_sql_search_reads_every_table():
    # given / when / then: the moderation tables and Django's own are searched
    assert searched_columns() > 50
    assert copies_of("no such string anywhere 8c1f") == []


def test_a_reject_for_personal_data_leaves_no_copy_in_any_table(townhall, moderator):
    # given a question whose phone number was copied into every kind of row
    question = spread(townhall, moderator, submit(townhall, place=f"Lyon {PHONE}", author="Bob"))

    # when a moderator rejects it for personal data
    rejected = services.question_reject(**kw(townhall, moderator, question_id=question.pk, reason="personal_data"))

    # then no column of any table holds the number, or the text around it
    assert copies_of(PHONE) == []
    assert copies_of("pool opening hours") == []
    row = Question.objects.get(pk=question.pk)
    assert (row.text, row.original_text, row.author, row.place) == (redaction.REDACTED, redaction.REDACTED, "", "")
    assert (row.original_author, row.original_place, row.status) == ("", "", states.REJECTED)
    # and the fact stays: who and when, on the question and in its decision
    decision = Decision.objects.get(pk=rejected.decision["id"])
    assert (decision.action, decision.reason, decision.moderator) == ("reject", "personal_data", moderator)
    assert decision.undo_data == {} and decision.previous_text == ""
    assert row.redacted_by == moderator and row.redacted_at is not None
    assert question_record(row)["redaction"] == {
        "moderator": {"username": "alice", "name": "Alice"},
        "at": row.redacted_at.isoformat(),
    }
    # and the merged duplicate keeps its own text, pointing at the redacted one
    merged = Question.objects.get(status=states.MERGED)
    assert merged.text == "When does the pool open?"
    assert question_record(merged)["merged_into"]["text"] == redaction.REDACTED


def test_a_redaction_cannot_be_undone_nor_can_what_came_before(townhall, moderator):
    # given a question edited, then rejected for personal data
    question = submit(townhall)
    edit = services.question_edit(**kw(townhall, moderator, question_id=question.pk, text="About the pool"))
    rejected = services.question_reject(**kw(townhall, moderator, question_id=question.pk, reason="personal_data"))

    # when / then undoing the reject is refused, and so is undoing the edit before it
    with pytest.raises(Conflict, match="redaction cannot be undone"):
        services.decision_undo(townhall_id=townhall.pk, moderator=moderator, decision_id=rejected.decision["id"])
    with pytest.raises(Expired):
        services.decision_undo(townhall_id=townhall.pk, moderator=moderator, decision_id=edit.decision["id"])
    assert copies_of(PHONE) == []
    assert Question.objects.get(pk=question.pk).text == redaction.REDACTED


def test_a_redacting_edit_removes_what_it_took_out_from_every_copy(townhall, moderator):
    # given a question with a phone number, copied into events and decisions
    question = spread(townhall, moderator, submit(townhall))
    version = question.version

    # when a moderator edits the number out of text and name, marking the edit as a redaction
    edited = services.question_edit(
        **kw(townhall, moderator, question_id=question.pk, text="Call me about the pool opening hours, please"),
        author="Bob",
        version=version,
        redaction=True,
    )

    # then the number is nowhere, while the rest of the question stays
    assert copies_of(PHONE) == []
    row = Question.objects.get(pk=question.pk)
    assert row.text == "Call me about the pool opening hours, please"
    assert row.original_text == "Call me [redacted] about the pool opening hours"
    assert row.edited is True and row.personal_data == []
    # and one redact decision says who and when, keeping no text
    decision = Decision.objects.get(pk=edited.decision["id"])
    assert (decision.action, decision.reason, decision.moderator_id) == ("redact", "personal_data", moderator.pk)
    assert decision.previous_text == "" and decision.undo_data == {}
    assert row.redacted_by == moderator
    # and the moderators' record says so; citizens' does not carry it
    record = question_record(row)
    assert render_question(Viewer(role="moderator"), record)["redaction"]["moderator"]["name"] == "Alice"
    assert "redaction" not in render_question(Viewer(role="citizen", participant="p-asker"), record)
    # and it cannot be undone
    with pytest.raises(Conflict):
        services.decision_undo(townhall_id=townhall.pk, moderator=moderator, decision_id=decision.pk)
    assert copies_of(PHONE) == []


def test_a_redacting_edit_finds_the_number_in_older_versions_with_other_words(townhall, moderator):
    # given an edit that changed the words around the number, without redacting
    question = submit(townhall)
    services.question_edit(
        **kw(townhall, moderator, question_id=question.pk, text=f"Please call {PHONE} on the pool hours")
    )

    # when a later edit removes the number as a redaction
    services.question_edit(
        **kw(townhall, moderator, question_id=question.pk, text="Please tell us the pool hours"), redaction=True
    )

    # then the older versions lose the number too (it is found as personal data)
    assert copies_of(PHONE) == []


def test_a_redaction_touches_only_the_question_s_own_copies(townhall, moderator):
    # given two questions with the same number
    question = submit(townhall)
    other = submit(townhall, participant="p-other")

    # when the first one is redacted
    services.question_reject(**kw(townhall, moderator, question_id=question.pk, reason="personal_data"))

    # then the other one still has it, in its row and its events only
    assert Question.objects.get(pk=other.pk).text == TEXT
    assert set(copies_of(PHONE)) == {("moderation_question", "text"), ("moderation_question", "original_text"),
                                     ("moderation_event", "payload")}  # fmt: skip
    for event in Event.objects.filter(townhall=townhall):
        record = event.payload.get("question") or {}
        if record.get("id") == question.pk:
            assert PHONE not in str(event.payload)


def test_a_redacting_edit_that_removes_nothing_is_refused(townhall, moderator):
    # given
    question = submit(townhall)

    # when / then adding words is not a redaction
    with pytest.raises(BadRequest, match="must remove something"):
        services.question_edit(
            **kw(townhall, moderator, question_id=question.pk, text=f"{TEXT} and the sauna"), redaction=True
        )
    assert not Decision.objects.filter(question=question).exists()


@pytest.mark.parametrize(
    ("before", "after", "pieces"),
    [
        (TEXT, "Call me about the pool opening hours", ["on 06 12 34 56 78", PHONE]),
        (f"Bob {PHONE}", "Bob", [PHONE, PHONE]),
        ("Write to bob@example.org now", "Write now", ["to bob@example.org", "bob@example.org"]),
        ("Same words", "Same words and more", []),
    ],
)
def test_removed_pieces_are_runs_of_words_and_the_personal_data_in_them(before, after, pieces):
    assert redaction.removed_pieces(before, after) == pieces


def test_scrubbing_never_eats_into_words_for_a_short_piece():
    # given a one-letter place: replaced where it is the whole value only
    pieces = redaction.clean_pieces(["e", PHONE, " "])
    assert pieces == [PHONE, "e"]
    assert redaction.scrub_text("e", pieces) == redaction.REDACTED
    assert redaction.scrub_text(f"see {PHONE}", pieces) == "see [redacted]"


@pytest.mark.parametrize(
    ("action", "reason", "expected"),
    [("reject", "personal_data", False), ("reject", "off_topic", True), ("redact", "personal_data", False),
     ("edit", "", True), ("close", "", False)],
)  # fmt: skip
def test_the_rules_say_a_redaction_can_never_be_undone(action, reason, expected):
    assert states.undoable(action, reason) is expected
