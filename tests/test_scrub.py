"""moderation/scrub.py: pure, no database."""

from __future__ import annotations

from moderation import scrub


def _record(**fields):
    base = {
        "id": 7,
        "text": "Call me on 06 12 34 56 78",
        "original_text": "Call me on 06 12 34 56 78",
        "author": "Zoé",
        "place": "Nord",
        "original_author": "Zoé",
        "original_place": "Nord",
        "participant": "p-zoe",
        "edited": False,
        "status": "pending",
    }
    return {**base, **fields}


def test_every_copy_of_a_question_in_a_payload_gets_its_anonymised_fields_and_a_second_pass_changes_nothing():
    # given an event holding Zoé's question twice (as itself, and as the target of a merge)
    payload = {
        "question": _record(),
        "into": {"id": 8, "merged_into": {"id": 7, "text": "Call me on 06 12 34 56 78", "status": "approved"}},
        "decision": {"id": 3, "moderator": {"name": "Marie"}},
    }
    fields = scrub.record_fields({"text": "Final text", "original_text": "Call me on 06 12 34 56 78"}, drop_text=False)

    # when
    out, changed = scrub.scrub_json(payload, {7: fields})
    again, changed_again = scrub.scrub_json(out, {7: fields})

    # then the record and the merge's copy hold the final text only, edited, nobody's
    assert changed and not changed_again and again == out
    assert out["question"]["text"] == "Final text" and out["question"]["original_text"] == ""
    assert out["question"]["edited"] is True
    assert (out["question"]["author"], out["question"]["participant"]) == ("", scrub.ANONYMOUS)
    assert out["into"]["merged_into"]["text"] == "Final text"
    assert out["decision"] == payload["decision"]  # moderators stay


def test_a_dropped_text_leaves_nothing_and_other_questions_are_untouched():
    payload = [_record(), _record(id=9, participant="p-other")]
    fields = scrub.record_fields(_record(), drop_text=True)
    out, changed = scrub.scrub_json(payload, {7: fields})
    assert changed and out[0]["text"] == out[0]["original_text"] == "" and out[0]["edited"] is False
    assert out[1] == payload[1]


def test_undo_data_loses_the_text_before_and_merge_voters_become_anonymous():
    data = {"before": {"text": "Call me", "author": "Zoé", "place": "Nord", "status": "pending"}, "moved": ["p-zoe"]}
    fields = scrub.record_fields({"text": "Call me", "original_text": "Call me"}, drop_text=True)
    out, changed = scrub.scrub_undo_data(data, fields, lambda p: "anon-1" if p == "p-zoe" else p)
    assert changed and out["before"] == {"text": "", "author": "", "place": "", "status": "pending"}
    assert out["moved"] == ["anon-1"] and data["moved"] == ["p-zoe"]  # the input is not changed
