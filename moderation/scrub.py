"""Taking personal data out of stored copies: pure functions over the JSON
the services store (event payloads, ``Decision.undo_data``). No ORM.

The services store a question's full record in every event about it
(``selectors.question_record``), the fields before a decision in its
``undo_data["before"]``, and the participant ids whose votes a merge moved
(``undo_data["moved"]``/``["kept"]``). ``moderation.services.retention``
uses these functions when a town hall's retention ends (``manage.py purge``)
and when a citizen erases their own questions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

# The question of a citizen who erased it, or of a purged town hall: nobody's.
ANONYMOUS = "anonymous"
# Anonymised vote ids start so: a purge run again leaves them as they are.
ANON_PREFIX = "anon-"

# A question record's fields that carry what the citizen typed or who they are.
TEXT_FIELDS = ("text", "original_text")
PERSON_FIELDS = ("author", "place", "original_author", "original_place")


def new_anonymous_id() -> str:
    """An id for anonymised votes: unique, linked to nothing else."""
    return ANON_PREFIX + uuid.uuid4().hex


def is_anonymous(participant: str) -> bool:
    return participant == ANONYMOUS or participant.startswith(ANON_PREFIX)


def record_fields(question: Mapping[str, Any], *, drop_text: bool) -> dict[str, Any]:
    """A question's anonymised field values, from its current ones.

    Name, place and participant always go. ``drop_text``: the text goes too
    (a rejected or withdrawn question, an erased one); else the final text
    stays (it was public) and the original becomes ``""`` when a moderator
    edited it (so the question still reads as edited) or the text itself.
    """
    text = "" if drop_text else question["text"]
    original = "" if drop_text or question["original_text"] != question["text"] else question["text"]
    return {
        "text": text,
        "original_text": original,
        "author": "",
        "place": "",
        "original_author": "",
        "original_place": "",
        "participant": ANONYMOUS,
    }


def is_question_record(value: Mapping[str, Any]) -> bool:
    return "id" in value and "participant" in value and "text" in value and "original_text" in value


def scrub_json(value: Any, records: Mapping[int, Mapping[str, Any]]) -> tuple[Any, bool]:
    """``value`` (an event payload) with every record of a question in
    ``records`` given that question's anonymised fields (``record_fields``),
    and every ``merged_into`` pointing at one given its text now (an older
    version may be in it). Returns the new value and whether it changed."""
    if isinstance(value, list):
        items = [scrub_json(item, records) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if not isinstance(value, dict):
        return value, False
    out: dict[str, Any] = {}
    changed = False
    for key, item in value.items():
        new, item_changed = scrub_json(item, records)
        out[key] = new
        changed = changed or item_changed
    target = out.get("merged_into")
    if isinstance(target, dict) and target.get("id") in records and target.get("text") != records[target["id"]]["text"]:
        out["merged_into"] = {**target, "text": records[target["id"]]["text"]}
        changed = True
    if is_question_record(out) and out["id"] in records:
        fields = dict(records[out["id"]])
        # As the anonymised row reads it (models.Question.edited).
        fields["edited"] = fields["text"] != fields["original_text"]
        if any(out.get(name) != new for name, new in fields.items()):
            out.update(fields)
            changed = True
    return out, changed


def scrub_undo_data(
    data: Mapping[str, Any], fields: Mapping[str, Any] | None, anonymise: Callable[[str], str]
) -> tuple[dict[str, Any], bool]:
    """A decision's ``undo_data`` with the question's values before it
    (``before``) given ``fields``' text, name and place, and the participant
    ids of a merge's votes (``moved``, ``kept``) passed through ``anonymise``."""
    out = dict(data)
    changed = False
    before = out.get("before")
    if fields is not None and isinstance(before, dict):
        new_before = {**before}
        for name in ("text", "author", "place"):
            if name in new_before and new_before[name] != fields[name]:
                new_before[name] = fields[name]
        if new_before != before:
            out["before"], changed = new_before, True
    for key in ("moved", "kept"):
        ids = out.get(key)
        if isinstance(ids, list):
            new_ids = [anonymise(item) if isinstance(item, str) else item for item in ids]
            if new_ids != ids:
                out[key], changed = new_ids, True
    return out, changed
