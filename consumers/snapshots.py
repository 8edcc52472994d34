"""Snapshots for citizens and screens, shared by every socket of a process.

After a Daphne restart every phone reconnects at once. Reading and rendering
the town hall for each of them queued thousands of identical reads on the
database thread. Instead, a room (``consumers.hub.Room``) reads the town hall
once per ``seq`` (:func:`public_state`, in a database thread, which also
renders and encodes every public question once per variant), and each socket
then assembles its frame from those strings (:func:`citizen_snapshot`,
:func:`screen_snapshot`): only a citizen's own questions and the questions
they voted on are rendered for them. The frames are the ones
``selectors.snapshot`` builds (the tests compare them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from moderation import selectors
from moderation.presenters import PROTOCOL_VERSION, Viewer, can_see, render_question, render_townhall

Record = dict[str, Any]

_PUBLIC = Viewer(role="citizen", participant=None)
_SCREEN = Viewer(role="screen")


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class PublicState:
    """A town hall at ``seq``, with what citizens and screens share pre-encoded."""

    seq: int
    records: list[Record]
    screen_id: int | None
    # Per public question id: its JSON for a citizen who did not vote, and who did.
    public: dict[int, tuple[str, str]]
    # Each participant's own questions (any status), by participant id.
    own: dict[str, set[int]]
    citizen_townhall: str
    citizen_questions: str  # the list for a citizen with no question and no vote
    screen_frame_head: str = field(repr=False)


def public_state(townhall_id: int) -> PublicState:
    """Read and encode the town hall once (runs in a database thread)."""
    seq, townhall, records, screen_id = selectors.snapshot_data(townhall_id)
    public: dict[int, tuple[str, str]] = {}
    own: dict[str, set[int]] = {}
    for record in records:
        own.setdefault(record["participant"], set()).add(record["id"])
        if can_see(_PUBLIC, record):
            voted = Viewer(role="citizen", participant=None, voted={record["id"]})
            public[record["id"]] = (_encode(render_question(_PUBLIC, record)), _encode(render_question(voted, record)))
    screen_record = next((r for r in records if r["id"] == screen_id), None)
    screen_head = _head(
        seq,
        _encode(render_townhall(_SCREEN, townhall)),
        "[" + ",".join(_encode(render_question(_SCREEN, r)) for r in records if can_see(_SCREEN, r)) + "]",
        "null" if screen_record is None else _encode(render_question(_SCREEN, screen_record)),
    )
    return PublicState(
        seq=seq,
        records=records,
        screen_id=screen_id,
        public=public,
        own=own,
        citizen_townhall=_encode(render_townhall(_PUBLIC, townhall)),
        citizen_questions="[" + ",".join(texts[0] for texts in public.values()) + "]",
        screen_frame_head=screen_head,
    )


def _head(seq: int, townhall: str, questions: str, screen: str) -> str:
    """The snapshot frame without its closing brace (a request ``id`` may follow)."""
    return (
        f'{{"type":"snapshot","seq":{seq},"protocol":{PROTOCOL_VERSION},'
        f'"townhall":{townhall},"questions":{questions},"screen":{{"question":{screen}}}'
    )


def _close(head: str, request_id: str | None) -> str:
    return head + ("}" if request_id is None else f',"id":{_encode(request_id)}}}')


def screen_snapshot(state: PublicState, request_id: str | None = None) -> str:
    return _close(state.screen_frame_head, request_id)


def citizen_snapshot(state: PublicState, viewer: Viewer, request_id: str | None = None) -> str:
    """The snapshot frame of citizen ``viewer`` (its ``participant`` and ``voted`` set)."""
    mine = state.own.get(viewer.participant or "", set())
    voted = viewer.voted & state.public.keys()
    questions = state.citizen_questions
    if mine or voted:
        parts = []
        for record in state.records:
            qid = record["id"]
            if qid in mine:
                parts.append(_encode(render_question(viewer, record)))
            elif qid in state.public:
                parts.append(state.public[qid][qid in voted])
        questions = "[" + ",".join(parts) + "]"
    screen = "null"
    if state.screen_id in mine:
        record = next(r for r in state.records if r["id"] == state.screen_id)
        screen = _encode(render_question(viewer, record))
    elif state.screen_id in state.public:
        screen = state.public[state.screen_id][state.screen_id in voted]
    return _close(_head(state.seq, state.citizen_townhall, questions, screen), request_id)
