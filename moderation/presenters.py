"""Rendering questions and events for each audience. Pure: no ORM, no I/O.

The services store one full *record* of a question in each event. Consumers
turn a record into what their own viewer may see with :func:`render_event`,
so the same rules serve snapshots, live events and replays from the database.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

from moderation.states import MERGED, PUBLIC_STATUSES, REJECTED, citizen_requests, moderator_requests

Role = Literal["moderator", "citizen", "screen"]

# docs/protocol.md's version; snapshots carry it as ``protocol``.
PROTOCOL_VERSION = 2
Record = dict[str, Any]

BASE_FIELDS = ("id", "text", "author", "place", "status", "votes", "created_at", "version", "edited", "topic")

# What moderators get besides the base fields (see docs/protocol.md).
MODERATOR_FIELDS = (
    "original_text",
    "original_author",
    "original_place",
    "starred",
    "reason",
    "topic_source",
)

# An event whose payload says ``"audience": "moderators"`` (a star) reaches
# moderators only, whatever its type.
MODERATORS_ONLY = "moderators"


@dataclass
class Viewer:
    """Who receives a frame. ``participant`` and ``voted`` are for citizens."""

    role: Role
    participant: str | None = None
    voted: set[int] = field(default_factory=set)


def can_see(viewer: Viewer, record: Record, status: str | None = None) -> bool:
    """Whether ``viewer`` may see the question ``record`` when it has ``status``."""
    status = record["status"] if status is None else status
    if viewer.role == "moderator":
        return True
    if status in PUBLIC_STATUSES:
        return True
    return viewer.role == "citizen" and record["participant"] == viewer.participant


def render_question(viewer: Viewer, record: Record) -> dict[str, Any]:
    """The question as ``viewer`` receives it (see docs/protocol.md)."""
    out = {name: record.get(name, "") for name in BASE_FIELDS}
    out["edited"] = bool(record.get("edited", False))
    if record["status"] == MERGED:
        out["merged_into"] = render_merged_into(viewer, record.get("merged_into"))
    if viewer.role in ("moderator", "screen"):
        out["position"] = record.get("position")
    if viewer.role == "moderator":
        out["decided_at"] = record.get("decided_at")
        out["held"] = record["held"]
        out["held_terms"] = list(record.get("held_terms", []))
        out["toxicity"] = dict(record["toxicity"])
        for name in MODERATOR_FIELDS:
            out[name] = record.get(name, "")
        out["starred"] = bool(record.get("starred", False))
        out["personal_data"] = [dict(item) for item in record.get("personal_data", [])]
        redaction = record.get("redaction")
        out["redaction"] = (
            None if redaction is None else {"moderator": dict(redaction["moderator"]), "at": redaction["at"]}
        )
        # Likely duplicates among the open questions, best first (moderation/duplicates.py).
        out["duplicate_suggestions"] = [dict(item) for item in record.get("duplicate_suggestions", [])]
        out["actions"] = moderator_requests(record["status"])
    elif viewer.role == "citizen":
        mine = record["participant"] == viewer.participant
        out["mine"] = mine
        out["voted"] = record["id"] in viewer.voted
        if mine and record["status"] == REJECTED:
            out["reason"] = record["reason"]
        out["actions"] = citizen_requests(record["status"], mine=mine)
    return out


def render_merged_into(viewer: Viewer, target: Record | None) -> dict[str, Any] | None:
    """Where a merged question went: ``{"id", "text"}``. Another citizen's
    question is theirs until it is public, so a citizen gets its text only
    while it is approved or answered (``"text": null`` otherwise); moderators
    always. A record stored before targets carried a status counts as not public."""
    if target is None:
        return None
    public = viewer.role == "moderator" or target.get("status") in PUBLIC_STATUSES
    return {"id": target["id"], "text": target["text"] if public else None}


def render_townhall(viewer: Viewer, townhall: dict[str, Any]) -> dict[str, Any]:
    public = {k: townhall[k] for k in ("slug", "title", "status", "max_question_length")}
    for key in ("questions_paused", "slow_mode"):
        if key in townhall:
            public[key] = townhall[key]
    for key in ("join_code", "join_url", "team"):
        if key in townhall:
            public[key] = townhall[key]
    if viewer.role in ("moderator", "screen") and "queue_order" in townhall:
        public["queue_order"] = townhall["queue_order"]
    if viewer.role == "moderator":
        for key in ("hold_threshold", "held_terms", "screen_key", "screen_url", "scorer", "topics"):
            if key in townhall:
                public[key] = townhall[key]
    return public


def audience_key(viewer: Viewer, payload: dict[str, Any]) -> Hashable:
    """Viewers with the same key get the same frame for an event with ``payload``
    from :func:`render_event`, so a server renders and encodes each event once
    per key, not once per socket (docs/protocol.md, "Fan-out").

    Moderators all see the same; so do screens. A citizen's frame depends on the
    event's question only: whether it is theirs, and whether they voted on it.
    """
    if viewer.role != "citizen":
        return viewer.role
    record = payload.get("question")
    if not record:
        return viewer.role
    return (viewer.role, record["participant"] == viewer.participant, record["id"] in viewer.voted)


def render_event(viewer: Viewer, seq: int, event_type: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The frame ``viewer`` gets for a stored event, or ``None`` if it gets nothing.

    Moderators also get the audit ``decision`` an event carries (who did it).
    """
    frame = _render_event(viewer, seq, event_type, payload)
    if frame is not None and viewer.role == "moderator" and payload.get("decision") is not None:
        frame["decision"] = payload["decision"]
    return frame


def _render_event(viewer: Viewer, seq: int, event_type: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    if event_type in ("question.created", "question.scored", "question.updated"):
        record = payload["question"]
        if viewer.role == "moderator":
            return {"type": event_type, "seq": seq, "question": render_question(viewer, record)}
        if event_type == "question.scored" or payload.get("audience") == MODERATORS_ONLY:
            return None
        previous = payload.get("previous_status")
        before = previous is not None and can_see(viewer, record, previous)
        if can_see(viewer, record):
            return {"type": "question.updated", "seq": seq, "question": render_question(viewer, record)}
        if before:
            return {"type": "question.removed", "seq": seq, "question_id": record["id"]}
        return None
    if event_type == "screen.changed":
        record = payload["question"]
        question = None if record is None else render_question(viewer, record)
        return {"type": "screen.changed", "seq": seq, "question": question}
    if event_type == "presence.changed":
        if viewer.role != "moderator":
            return None
        return {"type": "presence.changed", "seq": seq, "presence": payload["presence"]}
    if event_type == "question.votes":
        return {"type": "question.votes", "seq": seq, "votes": [dict(item) for item in payload["votes"]]}
    if event_type == "flood.alert":
        if viewer.role != "moderator":
            return None
        return {"type": "flood.alert", "seq": seq, "alert": dict(payload["alert"])}
    if event_type == "townhall.updated":
        return {"type": "townhall.updated", "seq": seq, "townhall": render_townhall(viewer, payload["townhall"])}
    raise ValueError(f"unknown event type {event_type!r}")
