"""What a client holds: a snapshot, then each event applied as docs/protocol.md
tells a client to (static/js/store.js does the same in the pages). Tests compare
it with a fresh snapshot: Zulip's "snapshot before + events = snapshot after"."""

from __future__ import annotations

from typing import Any


def picture(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What a client holds after a snapshot (presence aside: each console is in it)."""
    state = {
        "townhall": snapshot["townhall"],
        "questions": {q["id"]: q for q in snapshot["questions"]},
        "screen": snapshot["screen"]["question"],
    }
    if "decisions" in snapshot:
        state["decisions"] = {d["id"]: d for d in snapshot["decisions"]}
    return state


def apply(state: dict[str, Any], frame: dict[str, Any]) -> None:
    """One event applied as docs/protocol.md tells a client to (static/js/store.js)."""
    kind = frame["type"]
    if kind in ("question.created", "question.updated", "question.scored"):
        question = frame["question"]
        state["questions"][question["id"]] = question
        if state["screen"] is not None and state["screen"]["id"] == question["id"]:
            state["screen"] = question
    elif kind == "question.removed":
        state["questions"].pop(frame["question_id"], None)
    elif kind == "question.votes":
        for item in frame["votes"]:
            if item["id"] in state["questions"]:
                state["questions"][item["id"]]["votes"] = item["votes"]
            if state["screen"] is not None and state["screen"]["id"] == item["id"]:
                state["screen"]["votes"] = item["votes"]
    elif kind == "screen.changed":
        state["screen"] = frame["question"]
    elif kind == "townhall.updated":
        state["townhall"] = frame["townhall"]
    decision = frame.get("decision")
    if decision is not None and "decisions" in state:
        state["decisions"][decision["id"]] = decision
        if decision["undoes"] is not None and decision["undoes"] in state["decisions"]:
            state["decisions"][decision["undoes"]]["undone_by"] = decision["id"]
